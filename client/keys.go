package client

import (
	"context"
	"errors"

	"github.com/phalanetwork/phala/modules/keys"
)

// ErrNoGatekeeperEndpoint is AskGatekeepers' answer when no gatekeeper has
// a registered endpoint to ask.
var ErrNoGatekeeperEndpoint = errors.New("no gatekeeper has a registered endpoint")

// KeyState returns the key hierarchy: the gatekeepers with their bonds,
// the master-key generations and the rotation.
func (c *Client) KeyState(ctx context.Context) (keys.State, error) {
	return queryAs[keys.State](ctx, c, keys.StatePath())
}

// AskGatekeepers calls ask with the endpoint of each of ks's gatekeepers in
// turn (one whose worker record is missing or has no endpoint is skipped)
// and returns the first answer; when none answers, the error joins every
// gatekeeper's, or is ErrNoGatekeeperEndpoint when none could be asked.
func AskGatekeepers[T any](ctx context.Context, c *Client, ks keys.State, ask func(endpoint string) (T, error)) (T, error) {
	var errs []error
	for _, endpoint := range GatekeeperEndpoints(ctx, c, ks) {
		v, err := ask(endpoint)
		if err == nil {
			return v, nil
		}
		errs = append(errs, err)
	}
	var zero T
	if len(errs) == 0 {
		return zero, ErrNoGatekeeperEndpoint
	}
	return zero, errors.Join(errs...)
}

// GatekeeperEndpoints lists the endpoints of ks's gatekeepers in the
// chain's order, skipping one whose worker record is missing or has no
// endpoint.
func GatekeeperEndpoints(ctx context.Context, c *Client, ks keys.State) []string {
	var out []string
	for _, g := range ks.Gatekeepers {
		if rec, err := c.Worker(ctx, [32]byte(g.Worker)); err == nil && rec.Endpoint != "" {
			out = append(out, rec.Endpoint)
		}
	}
	return out
}
