package stakepool

import (
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
)

// What other modules may do with stake pools. A vault contributes and
// withdraws for its own account exactly as a holder's transaction would
// (same checks, same FIFO queue); the agents module pays usage fees to the
// serving worker's pool as rewards.

// ContributeFor contributes amount from account's balance to pool id for
// shares, as MsgContribute from account would.
func (m *Module) ContributeFor(ctx *module.Context, account address.Address, id uint64, amount pha.Amount) error {
	if err := positive(amount, "contribution"); err != nil {
		return err
	}
	return m.contribute(ctx, account, id, amount)
}

// WithdrawFor redeems shares of account's in pool id, as MsgWithdraw from
// account would: paid to account from free stake at once, the rest queued.
func (m *Module) WithdrawFor(ctx *module.Context, account address.Address, id uint64, shares pha.Amount) error {
	if err := positive(shares, "shares"); err != nil {
		return err
	}
	return m.withdraw(ctx, account, id, shares)
}

// WorkerPool returns the pool a worker is in.
func (m *Module) WorkerPool(kv state.KV, w registry.WorkerID) (uint64, bool) {
	return m.Keeper.PoolOf(kv, w)
}

// PayReward moves amount from account `from` into pool id as a reward,
// split like computation's rewards: the owner's commission, and the rest
// raises the share price. A zero amount does nothing.
func (m *Module) PayReward(ctx *module.Context, from address.Address, id uint64, amount pha.Amount) error {
	if amount.IsZero() {
		return nil
	}
	if _, ok := m.Keeper.Pool(ctx.KV, id); !ok {
		return fmt.Errorf("%w: reward for pool %d", ErrUnknownPool, id)
	}
	if err := (balances.Keeper{}).Transfer(ctx.KV, from, balances.StakeAccount, amount); err != nil {
		return fmt.Errorf("reward pool %d: %w", id, err)
	}
	return m.Reward(ctx, id, amount)
}
