package client

import (
	"context"

	"github.com/phalanetwork/phala/modules/keys"
)

// KeyState returns the key hierarchy: the gatekeepers with their bonds,
// the master-key generations and the rotation.
func (c *Client) KeyState(ctx context.Context) (keys.State, error) {
	return queryAs[keys.State](ctx, c, keys.StatePath())
}
