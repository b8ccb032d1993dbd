package stakepool

import (
	"fmt"
	"strconv"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
)

// What computation pays the pools (the computation.Pools interface).
//
// The owner's commission is paid in PHA to the owner's account, as Phala
// does (not as owner shares): commission = floor(amount ·
// commission_bps / 10000), and the rest, rounding included, stays in the
// pool as free stake, raising the share price for every holder.

// Reward implements computation.Pools.
func (m *Module) Reward(ctx *module.Context, id uint64, amount pha.Amount) error {
	p, ok := m.Keeper.Pool(ctx.KV, id)
	if !ok {
		return fmt.Errorf("%w: reward for pool %d", ErrUnknownPool, id)
	}
	commission, err := amount.MulDiv(pha.Units(uint64(p.CommissionBps)), pha.Units(MaxCommissionBps))
	if err != nil {
		return fmt.Errorf("pool %d commission: %w", id, err)
	}
	rest, _ := amount.Sub(commission) // commission <= amount
	if !commission.IsZero() {
		if err := (balances.Keeper{}).Transfer(ctx.KV, balances.StakeAccount, p.Owner, commission); err != nil {
			return fmt.Errorf("pool %d commission: %w", id, err)
		}
	}
	// Running totals stay below the supply.
	p.FreeStake, _ = p.FreeStake.Add(rest)
	p.Rewards, _ = p.Rewards.Add(rest)
	p.OwnerRewards, _ = p.OwnerRewards.Add(commission)
	if ctx.Recording() {
		ctx.Emit(EventReward, module.Indexed(AttrPool, strconv.FormatUint(id, 10)), module.Attr(AttrAmount, amount.String()),
			module.Attr(AttrCommPaid, commission.String()))
	}
	if err := m.serveQueue(ctx, &p); err != nil {
		return err
	}
	m.Keeper.setPool(ctx.KV, &p)
	return nil
}

// Released implements computation.Pools: a cooled-down stake becomes free
// and serves the withdrawal queue.
func (m *Module) Released(ctx *module.Context, id uint64, worker registry.WorkerID, stake pha.Amount) error {
	p, ok := m.Keeper.Pool(ctx.KV, id)
	if !ok {
		return fmt.Errorf("%w: release of %s to pool %d", ErrUnknownPool, worker, id)
	}
	locked, err := p.LockedStake.Sub(stake)
	if err != nil {
		return fmt.Errorf("pool %d releases %s of %s locked: %w", id, stake.PHA(), p.LockedStake.PHA(), err)
	}
	p.LockedStake = locked
	p.FreeStake, _ = p.FreeStake.Add(stake)
	if err := m.serveQueue(ctx, &p); err != nil {
		return err
	}
	m.Keeper.setPool(ctx.KV, &p)
	return nil
}
