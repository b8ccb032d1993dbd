package client

import (
	"context"

	"github.com/phalanetwork/phala/modules/computation"
	"github.com/phalanetwork/phala/modules/registry"
)

// ComputationParams returns the computation economy's parameters.
func (c *Client) ComputationParams(ctx context.Context) (computation.Params, error) {
	return queryAs[computation.Params](ctx, c, computation.ParamsPath())
}

// ComputationStats returns the running totals of what computation paid.
func (c *Client) ComputationStats(ctx context.Context) (computation.Stats, error) {
	return queryAs[computation.Stats](ctx, c, computation.StatsPath())
}

// Session returns a worker's computing session as of the latest height.
func (c *Client) Session(ctx context.Context, w registry.WorkerID) (computation.SessionView, error) {
	return queryAs[computation.SessionView](ctx, c, computation.SessionPath(w))
}

// Sessions lists every session, online ones first.
func (c *Client) Sessions(ctx context.Context) ([]computation.SessionView, error) {
	return queryAs[[]computation.SessionView](ctx, c, computation.SessionsPath())
}
