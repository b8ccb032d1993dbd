package stakepool

import (
	"fmt"
	"strconv"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/computation"
	"github.com/phalanetwork/phala/modules/registry"
)

// Pools and their workers: creation, membership, and starting and stopping
// the members' computing sessions.

// create makes a new pool owned by sender.
func (m *Module) create(ctx *module.Context, sender address.Address, msg *MsgCreate) error {
	p := Pool{ID: m.Keeper.nextID(ctx.KV), Owner: sender, CommissionBps: msg.CommissionBps, Created: ctx.Height}
	m.Keeper.setPool(ctx.KV, &p)
	if ctx.Recording() {
		ctx.Emit(EventCreated, module.Indexed(AttrPool, strconv.FormatUint(p.ID, 10)), module.Indexed(AttrOwner, sender.String()),
			module.Attr(AttrCommission, strconv.FormatUint(uint64(p.CommissionBps), 10)))
	}
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

// member checks that worker is in pool.
func (m *Module) member(ctx *module.Context, pool uint64, w registry.WorkerID) error {
	if in, ok := m.Keeper.PoolOf(ctx.KV, w); !ok || in != pool {
		return fmt.Errorf("%w: %s, pool %d", ErrWorkerNotInPool, w, pool)
	}
	return nil
}

// addWorker binds a registered worker that the pool owner operates to the
// pool; a worker is in at most one pool.
func (m *Module) addWorker(ctx *module.Context, sender address.Address, id uint64, w registry.WorkerID) error {
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
	ctx.KV.Set(MemberKey(id, w), []byte{1})
	ctx.KV.Set(WorkerPoolKey(w), state.Uint64(id))
	if ctx.Recording() {
		ctx.Emit(EventWorkerAdded, module.Indexed(AttrPool, strconv.FormatUint(id, 10)), module.Indexed(AttrWorker, w.String()))
	}
	return nil
}

// removeWorker unbinds a worker that is not computing. A worker cooling
// down may leave: its stake still returns to this pool when the cool-down
// ends.
func (m *Module) removeWorker(ctx *module.Context, sender address.Address, id uint64, w registry.WorkerID) error {
	p, err := m.ownedPool(ctx, sender, id)
	if err != nil {
		return err
	}
	if err := m.member(ctx, id, w); err != nil {
		return err
	}
	if s, ok := m.computation.Keeper.Session(ctx.KV, w); ok && s.State == computation.StateComputing {
		return fmt.Errorf("%w: stop %s first", ErrWorkerBusy, w)
	}
	p.WorkerCount--
	m.Keeper.setPool(ctx.KV, &p)
	ctx.KV.Delete(MemberKey(id, w))
	ctx.KV.Delete(WorkerPoolKey(w))
	if ctx.Recording() {
		ctx.Emit(EventWorkerRemoved, module.Indexed(AttrPool, strconv.FormatUint(id, 10)), module.Indexed(AttrWorker, w.String()))
	}
	return nil
}

// startComputing starts a member's session with stake from the pool's
// free stake, which becomes locked stake.
func (m *Module) startComputing(ctx *module.Context, sender address.Address, msg *MsgStartComputing) error {
	p, err := m.ownedPool(ctx, sender, msg.Pool)
	if err != nil {
		return err
	}
	if err := m.member(ctx, msg.Pool, msg.Worker); err != nil {
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

// stopComputing stops a member's session; the stake stays locked until
// the cool-down ends (Released).
func (m *Module) stopComputing(ctx *module.Context, sender address.Address, id uint64, w registry.WorkerID) error {
	if _, err := m.ownedPool(ctx, sender, id); err != nil {
		return err
	}
	if err := m.member(ctx, id, w); err != nil {
		return err
	}
	if _, err := m.computation.Stop(ctx, w); err != nil {
		return fmt.Errorf("stop %s: %w", w, err)
	}
	return nil
}
