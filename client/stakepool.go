package client

import (
	"context"

	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/modules/stakepool"
)

// StakePoolParams returns the stake pools' parameters.
func (c *Client) StakePoolParams(ctx context.Context) (stakepool.Params, error) {
	return queryAs[stakepool.Params](ctx, c, stakepool.ParamsPath())
}

// Pools lists every stake pool with its value and share price.
func (c *Client) Pools(ctx context.Context) ([]stakepool.PoolSummary, error) {
	return queryAs[[]stakepool.PoolSummary](ctx, c, stakepool.PoolsPath())
}

// Pool returns a stake pool with its workers and withdrawal queue.
func (c *Client) Pool(ctx context.Context, id uint64) (stakepool.PoolInfo, error) {
	return queryAs[stakepool.PoolInfo](ctx, c, stakepool.PoolPath(id))
}

// PoolShares returns owner's stake in a pool: shares, value and any queued
// withdrawal.
func (c *Client) PoolShares(ctx context.Context, pool uint64, owner address.Address) (stakepool.SharesInfo, error) {
	return queryAs[stakepool.SharesInfo](ctx, c, stakepool.SharesPath(pool, owner))
}

// WorkerPool returns the pool a worker is in.
func (c *Client) WorkerPool(ctx context.Context, w registry.WorkerID) (stakepool.WorkerPoolInfo, error) {
	return queryAs[stakepool.WorkerPoolInfo](ctx, c, stakepool.WorkerPath(w))
}
