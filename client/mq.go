package client

import (
	"context"

	"github.com/phalanetwork/phala/modules/mq"
)

// MQSequence returns an origin's sequences: the one its next message must
// carry and the one the next message to it will carry.
func (c *Client) MQSequence(ctx context.Context, o mq.Origin) (mq.SequenceResponse, error) {
	return queryAs[mq.SequenceResponse](ctx, c, mq.SequencePath(o))
}
