package client

import (
	"context"

	"github.com/phalanetwork/phala/modules/computation"
	"github.com/phalanetwork/phala/modules/registry"
)

// ComputationParams returns the computation economy's parameters.
func (c *Client) ComputationParams(ctx context.Context) (computation.Params, error) {
	var out computation.Params
	_, err := c.Query(ctx, computation.ParamsPath(), &out)
	return out, err
}

// ComputationStats returns the running totals of what computation paid.
func (c *Client) ComputationStats(ctx context.Context) (computation.Stats, error) {
	var out computation.Stats
	_, err := c.Query(ctx, computation.StatsPath(), &out)
	return out, err
}

// Session returns a worker's computing session as of the latest height.
func (c *Client) Session(ctx context.Context, w registry.WorkerID) (computation.SessionView, error) {
	var out computation.SessionView
	_, err := c.Query(ctx, computation.SessionPath(w), &out)
	return out, err
}

// Sessions lists every session, online ones first.
func (c *Client) Sessions(ctx context.Context) ([]computation.SessionView, error) {
	var out []computation.SessionView
	_, err := c.Query(ctx, computation.SessionsPath(), &out)
	return out, err
}
