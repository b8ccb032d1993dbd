package stakepool

import (
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/computation"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/sharepool"
	"github.com/phalanetwork/phala/sharepool/ledger"
)

// Pools and their workers: creation, membership, and starting and stopping
// the members' computing sessions.

// handleCreate makes a new pool owned by sender.
func (m *Module) handleCreate(ctx *module.Context, sender address.Address, msg *MsgCreate) error {
	p := Pool{Record: sharepool.Record{ID: shareLedger.NextID(ctx.KV), Owner: sender, CommissionBps: msg.CommissionBps}, Created: ctx.Height}
	m.Keeper.setPool(ctx.KV, &p)
	emitCreated(ctx, &p)
	return nil
}

// ownedPool loads a pool and checks that sender owns it.
func (m *Module) ownedPool(ctx *module.Context, sender address.Address, id uint64) (Pool, error) {
	p, ok := m.Keeper.Pool(ctx.KV, id)
	if !ok {
		return Pool{}, fmt.Errorf("%w: %d", ErrUnknownPool, id)
	}
	if p.Owner != sender {
		return Pool{}, fmt.Errorf("%w: pool %d is owned by %s, tx is from %s", ErrNotOwner, id, p.Owner, sender)
	}
	return p, nil
}

// ownedMember loads a pool that sender owns and checks that worker w is
// in it.
func (m *Module) ownedMember(ctx *module.Context, sender address.Address, id uint64, w registry.WorkerID) (Pool, error) {
	p, err := m.ownedPool(ctx, sender, id)
	if err != nil {
		return p, err
	}
	if in, ok := m.Keeper.PoolOf(ctx.KV, w); !ok || in != id {
		return p, fmt.Errorf("%w: %s, pool %d", ErrWorkerNotInPool, w, id)
	}
	return p, nil
}

// handleAddWorker binds a registered worker that the pool owner operates
// to the pool; a worker is in at most one pool.
func (m *Module) handleAddWorker(ctx *module.Context, sender address.Address, msg *MsgAddWorker) error {
	id, w := msg.Pool, msg.Worker
	p, err := m.ownedPool(ctx, sender, id)
	if err != nil {
		return err
	}
	rec, ok := m.registry.Keeper.Worker(ctx.KV, w)
	if !ok {
		return fmt.Errorf("%w: %s", ErrUnknownWorker, w)
	}
	if rec.Operator != sender {
		return fmt.Errorf("%w: worker %s is operated by %s", ErrNotOperator, w, rec.Operator)
	}
	if in, ok := m.Keeper.PoolOf(ctx.KV, w); ok {
		return fmt.Errorf("%w: %s is in pool %d", ErrWorkerInPool, w, in)
	}
	if max := m.Keeper.Params(ctx.KV).MaxWorkers; p.WorkerCount >= max {
		return fmt.Errorf("%w: %d", ErrTooManyWorkers, max)
	}
	p.WorkerCount++
	m.Keeper.setPool(ctx.KV, &p)
	m.Keeper.addMember(ctx.KV, id, w)
	emitMembership(ctx, EventWorkerAdded, id, w)
	return nil
}

// handleRemoveWorker unbinds a worker that is not computing. A worker
// cooling down may leave: its stake still returns to this pool when the
// cool-down ends.
func (m *Module) handleRemoveWorker(ctx *module.Context, sender address.Address, msg *MsgRemoveWorker) error {
	id, w := msg.Pool, msg.Worker
	p, err := m.ownedMember(ctx, sender, id, w)
	if err != nil {
		return err
	}
	if s, ok := m.computation.Keeper.Session(ctx.KV, w); ok && s.State == computation.StateComputing {
		return fmt.Errorf("%w: stop %s first", ErrWorkerBusy, w)
	}
	p.WorkerCount--
	m.Keeper.setPool(ctx.KV, &p)
	m.Keeper.removeMember(ctx.KV, id, w)
	emitMembership(ctx, EventWorkerRemoved, id, w)
	return nil
}

// handleStartComputing starts a member's session with stake from the
// pool's free stake, which becomes locked stake.
func (m *Module) handleStartComputing(ctx *module.Context, sender address.Address, msg *MsgStartComputing) error {
	p, err := m.ownedMember(ctx, sender, msg.Pool, msg.Worker)
	if err != nil {
		return err
	}
	free, err := p.FreeStake.Sub(msg.Stake)
	if err != nil {
		return fmt.Errorf("%w: pool %d has %s free, start needs %s", ErrInsufficientStake, p.ID, p.FreeStake.PHA(), msg.Stake.PHA())
	}
	if _, err := m.computation.Start(ctx, msg.Worker, p.ID, msg.Stake); err != nil {
		return fmt.Errorf("start %s: %w", msg.Worker, err)
	}
	locked, err := p.LockedStake.Add(msg.Stake)
	if err != nil {
		return fmt.Errorf("lock stake: %w", err) // at most the pool's value
	}
	p.FreeStake, p.LockedStake = free, locked
	m.Keeper.setPool(ctx.KV, &p)
	return nil
}

// handleStopComputing stops a member's session; the stake stays locked
// until the cool-down ends (Released).
func (m *Module) handleStopComputing(ctx *module.Context, sender address.Address, msg *MsgStopComputing) error {
	if _, err := m.ownedMember(ctx, sender, msg.Pool, msg.Worker); err != nil {
		return err
	}
	if _, err := m.computation.Stop(ctx, msg.Worker); err != nil {
		return fmt.Errorf("stop %s: %w", msg.Worker, err)
	}
	return nil
}

// Shares, contributions and the withdrawal queue. Every conversion rounds
// in the pool's favour (package sharepool), so the share price (value /
// total shares) never falls.

// handleContribute moves the amount from sender into the pool and mints
// shares.
func (m *Module) handleContribute(ctx *module.Context, sender address.Address, msg *MsgContribute) error {
	id, amount := msg.Pool, msg.Amount
	p, ok := m.Keeper.Pool(ctx.KV, id)
	if !ok {
		return fmt.Errorf("%w: %d", ErrUnknownPool, id)
	}
	shares, err := p.sharesFor(amount)
	if err != nil {
		return fmt.Errorf("contribute to pool %d: %w", id, err)
	}
	if shares.IsZero() {
		return fmt.Errorf("%w: %s at price %s", ErrContributionTooSmall, amount.PHA(), p.Price())
	}
	if err := (balances.Keeper{}).Transfer(ctx.KV, sender, balances.StakeAccount, amount); err != nil {
		return fmt.Errorf("contribute: %w", err)
	}
	// Cannot overflow: the value is part of the supply and shares are
	// at most value·T/V.
	p.TotalShares, _ = p.TotalShares.Add(shares)
	p.FreeStake, _ = p.FreeStake.Add(amount)
	held, _ := m.Keeper.Shares(ctx.KV, id, sender).Add(shares)
	m.Keeper.setShares(ctx.KV, id, sender, held)
	emitContribution(ctx, id, sender, amount, shares)
	return m.serving(ctx, &p).ServeAndSave()
}

// handleWithdraw queues a request for shares of sender's and serves the
// queue: with nothing ahead of it, the request is paid from free stake at
// once, in full or in part, and what is left waits its turn.
func (m *Module) handleWithdraw(ctx *module.Context, sender address.Address, msg *MsgWithdraw) error {
	id, shares := msg.Pool, msg.Shares
	p, ok := m.Keeper.Pool(ctx.KV, id)
	if !ok {
		return fmt.Errorf("%w: %d", ErrUnknownPool, id)
	}
	left, err := shareLedger.Redeemable(ctx.KV, "pool", id, sender, shares, ErrInsufficientShares, ErrWithdrawalPending)
	if err != nil {
		return err
	}
	return m.serving(ctx, &p).Withdraw(sender, shares, left, ctx.Height, ctx.Height+m.Keeper.Params(ctx.KV).GraceBlocks)
}

// serving is the queue of p to serve: the PHA is in balances.StakeAccount
// and the record counts it as free stake.
func (m *Module) serving(ctx *module.Context, p *Pool) ledger.Serving {
	return shareLedger.Serving(ctx.KV, &p.Queue, ledger.Pool{
		ID:      p.ID,
		Account: balances.StakeAccount,
		Funds:   func() (free, value, total pha.Amount) { return p.FreeStake, p.Value(), p.TotalShares },
		Burn:    p.burn,
		Paid:    func(w *Withdrawal, pay sharepool.Payment) { emitWithdrawal(ctx, p.ID, w, pay) },
		Queued:  func(w *Withdrawal) { emitWithdrawalQueued(ctx, p.ID, w) },
		Save:    func() { m.Keeper.setPool(ctx.KV, p) },
	})
}

// burn takes a payment's PHA off p's free stake and its shares off p's total.
func (p *Pool) burn(pay sharepool.Payment) error {
	var err error
	if p.FreeStake, err = p.FreeStake.Sub(pay.Amount); err != nil {
		return fmt.Errorf("pool %d: pay %s from %s free: %w", p.ID, pay.Amount.PHA(), p.FreeStake.PHA(), err)
	}
	if p.TotalShares, err = p.TotalShares.Sub(pay.Shares); err != nil {
		return fmt.Errorf("pool %d: burn %s of %s shares: %w", p.ID, pay.Shares, p.TotalShares, err)
	}
	return nil
}

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
	emitReward(ctx, id, amount, commission)
	return m.serving(ctx, &p).ServeAndSave()
}

// Released implements computation.Pools: a cooled-down session's stake
// leaves the locked stake; what it kept (returned) becomes free and serves
// the withdrawal queue, and the slash, stake − returned, which computation
// has moved to the treasury, leaves the pool's value (Phala's
// handle_reclaim: the share price falls for every holder alike).
func (m *Module) Released(ctx *module.Context, id uint64, worker registry.WorkerID, stake, returned pha.Amount) error {
	p, ok := m.Keeper.Pool(ctx.KV, id)
	if !ok {
		return fmt.Errorf("%w: release of %s to pool %d", ErrUnknownPool, worker, id)
	}
	locked, err := p.LockedStake.Sub(stake)
	if err != nil {
		return fmt.Errorf("pool %d releases %s of %s locked: %w", id, stake.PHA(), p.LockedStake.PHA(), err)
	}
	slashed, err := stake.Sub(returned)
	if err != nil {
		return fmt.Errorf("pool %d: %s returned of a %s stake: %w", id, returned.PHA(), stake.PHA(), err)
	}
	p.LockedStake = locked
	p.FreeStake, _ = p.FreeStake.Add(returned) // below the supply
	p.Slashed, _ = p.Slashed.Add(slashed)
	if !slashed.IsZero() {
		emitSlashed(ctx, id, worker, slashed)
	}
	return m.serving(ctx, &p).ServeAndSave()
}

// What other modules may do with stake pools. A vault contributes and
// withdraws for its own account exactly as a holder's transaction would
// (same checks, same FIFO queue); the agents module pays usage fees to the
// serving worker's pool as rewards.

// ContributeFor contributes amount from account's balance to pool id for
// shares, as MsgContribute from account would.
func (m *Module) ContributeFor(ctx *module.Context, account address.Address, id uint64, amount pha.Amount) error {
	msg := &MsgContribute{Pool: id, Amount: amount}
	if err := msg.ValidateBasic(); err != nil {
		return err
	}
	return m.handleContribute(ctx, account, msg)
}

// WithdrawFor redeems shares of account's in pool id, as MsgWithdraw from
// account would: paid to account from free stake at once, the rest queued.
func (m *Module) WithdrawFor(ctx *module.Context, account address.Address, id uint64, shares pha.Amount) error {
	msg := &MsgWithdraw{Pool: id, Shares: shares}
	if err := msg.ValidateBasic(); err != nil {
		return err
	}
	return m.handleWithdraw(ctx, account, msg)
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

// The grace period. A withdrawal still waiting at the end of block
// requested_height + grace_blocks stops every computing worker of its pool,
// as Phala does: their stake comes back after the cool-down and, with all
// of the pool's value then free, pays the queue. So no request waits more
// than grace_blocks + cooldown_blocks.

// endBlock walks the deadlines due at or before this height.
func (m *Module) endBlock(ctx *module.Context) error {
	l := shareLedger
	for _, d := range l.Due(ctx.KV, ctx.Height) {
		l.Clear(ctx.KV, d)
		if _, waiting := m.Keeper.Withdrawal(ctx.KV, d.Pool, d.Seq); !waiting {
			continue
		}
		n, err := m.stopAll(ctx, d.Pool)
		if err != nil {
			return fmt.Errorf("pool %d: withdrawal %d is overdue: %w", d.Pool, d.Seq, err)
		}
		emitForcedStop(ctx, d.Pool, d.Seq, n)
	}
	return nil
}

// stopAll stops every computing worker of a pool, in worker id order, and
// says how many it stopped.
func (m *Module) stopAll(ctx *module.Context, pool uint64) (int, error) {
	var computing []registry.WorkerID
	for _, w := range m.Keeper.Members(ctx.KV, pool) {
		if s, ok := m.computation.Keeper.Session(ctx.KV, w); ok && s.State == computation.StateComputing {
			computing = append(computing, w)
		}
	}
	for _, w := range computing {
		if _, err := m.computation.Stop(ctx, w); err != nil {
			return 0, err
		}
	}
	return len(computing), nil
}
