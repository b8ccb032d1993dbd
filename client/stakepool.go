package client

import (
	"context"

	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/modules/stakepool"
)

// StakePoolParams returns the stake pools' parameters.
func (c *Client) StakePoolParams(ctx context.Context) (stakepool.Params, error) {
	var out stakepool.Params
	_, err := c.Query(ctx, stakepool.ParamsPath(), &out)
	return out, err
}

// Pools lists every stake pool with its value and share price.
func (c *Client) Pools(ctx context.Context) ([]stakepool.PoolSummary, error) {
	var out []stakepool.PoolSummary
	_, err := c.Query(ctx, stakepool.PoolsPath(), &out)
	return out, err
}

// Pool returns a stake pool with its workers and withdrawal queue.
func (c *Client) Pool(ctx context.Context, id uint64) (stakepool.PoolInfo, error) {
	var out stakepool.PoolInfo
	_, err := c.Query(ctx, stakepool.PoolPath(id), &out)
	return out, err
}

// PoolShares returns owner's stake in a pool: shares, value and any queued
// withdrawal.
func (c *Client) PoolShares(ctx context.Context, pool uint64, owner address.Address) (stakepool.SharesInfo, error) {
	var out stakepool.SharesInfo
	_, err := c.Query(ctx, stakepool.SharesPath(pool, owner), &out)
	return out, err
}

// WorkerPool returns the pool a worker is in.
func (c *Client) WorkerPool(ctx context.Context, w registry.WorkerID) (stakepool.WorkerPoolInfo, error) {
	var out stakepool.WorkerPoolInfo
	_, err := c.Query(ctx, stakepool.WorkerPath(w), &out)
	return out, err
}
