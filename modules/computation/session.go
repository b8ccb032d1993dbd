package computation

import (
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
)

// Start begins a computing session for a registered worker with stake from
// pool. The stake pool module calls it for start_computing, after checking
// that the sender owns the pool and the pool has the stake free; the PHA
// stays in the stake pools' account, locked by the pool's bookkeeping. It
// requires P >= min_benchmark and stake >= k·sqrt(P); the session starts
// online with V = Ve.
func (m *Module) Start(ctx *module.Context, id registry.WorkerID, pool uint64, stake pha.Amount) (Session, error) {
	w, ok := m.registry.Keeper.Worker(ctx.KV, id)
	if !ok {
		return Session{}, fmt.Errorf("%w: %s", ErrUnknownWorker, id)
	}
	if prev, ok := m.Keeper.Session(ctx.KV, id); ok {
		return Session{}, fmt.Errorf("%w: %s is %s", ErrSessionExists, id, prev.State)
	}
	p := m.Keeper.Params(ctx.KV)
	bench := w.BenchmarkScore
	if bench < p.MinBenchmark {
		return Session{}, fmt.Errorf("%w: P %d, minimum %d", ErrBenchmarkTooLow, bench, p.MinBenchmark)
	}
	if bench > MaxBenchmark {
		return Session{}, fmt.Errorf("%w: P %d, maximum %d", ErrBenchmarkTooHigh, bench, MaxBenchmark)
	}
	if min := p.MinStake(bench); stake.LT(min) {
		return Session{}, fmt.Errorf("%w: stake %s, P %d needs %s", ErrStakeTooLow, stake.PHA(), bench, min.PHA())
	}
	ve, err := p.InitialV(stake, bench)
	if err != nil {
		return Session{}, fmt.Errorf("%w: initial V of stake %s: %v", ErrArithmeticOverflow, stake.PHA(), err)
	}
	s := Session{
		Worker: id, Pool: pool, State: StateComputing, Online: true, Benchmark: bench, Stake: stake,
		InitialV: ve, V: ve, VHeight: ctx.Height, StartHeight: ctx.Height, LastHeartbeat: ctx.Height,
	}
	m.Keeper.setSession(ctx.KV, &s, false)
	if ctx.Recording() {
		ctx.Emit(EventStarted, module.Indexed(AttrWorker, id.String()), module.Indexed(AttrPool, strconv.FormatUint(pool, 10)),
			module.Attr(AttrStake, stake.String()), module.Attr(AttrP, strconv.FormatUint(bench, 10)), module.Attr(AttrV, ve.String()))
	}
	return s, nil
}

// Stop ends a computing session: V freezes, the worker stops earning, and
// the stake is released to the pool (Pools.Released) cooldown_blocks later.
func (m *Module) Stop(ctx *module.Context, id registry.WorkerID) (Session, error) {
	s, ok := m.Keeper.Session(ctx.KV, id)
	if !ok || s.State != StateComputing {
		return Session{}, fmt.Errorf("%w: %s", ErrNotComputing, id)
	}
	p := m.Keeper.Params(ctx.KV)
	wasOnline := s.Online
	s.V, s.VHeight = p.ValueAt(&s, ctx.Height), ctx.Height
	s.State, s.Online, s.Challenge = StateCoolingDown, false, 0
	s.CoolingUntil = ctx.Height + p.CooldownBlocks
	m.Keeper.setSession(ctx.KV, &s, wasOnline)
	ctx.KV.Set(CoolKey(s.CoolingUntil, id), []byte{1})
	if ctx.Recording() {
		ctx.Emit(EventStopped, module.Indexed(AttrWorker, id.String()), module.Indexed(AttrPool, strconv.FormatUint(s.Pool, 10)),
			module.Attr(AttrCoolingUntil, strconv.FormatInt(s.CoolingUntil, 10)))
	}
	return s, nil
}

// releaseCooled ends every cool-down due at or before this height, in
// queue order (release height, then worker id): the session is deleted and
// its stake handed back to its pool.
func (m *Module) releaseCooled(ctx *module.Context) error {
	type due struct {
		key []byte
		id  registry.WorkerID
	}
	var dues []due
	ctx.KV.Iterate(prefixCool, func(k, _ []byte) bool {
		rest := k[len(prefixCool):]
		if len(rest) != 8+32 {
			panic(fmt.Sprintf("computation: cool-down key %x", k))
		}
		if until := int64(binary.BigEndian.Uint64(rest[:8])); until > ctx.Height {
			return false
		}
		dues = append(dues, due{key: append([]byte(nil), k...), id: registry.WorkerID(rest[8:])})
		return true
	})
	for _, d := range dues {
		ctx.KV.Delete(d.key)
		s, ok := m.Keeper.Session(ctx.KV, d.id)
		if !ok || s.State != StateCoolingDown {
			return fmt.Errorf("cool-down of %s: no session cooling down", d.id)
		}
		m.Keeper.deleteSession(ctx.KV, d.id)
		if m.pools != nil {
			if err := m.pools.Released(ctx, s.Pool, d.id, s.Stake); err != nil {
				return fmt.Errorf("release stake of %s to pool %d: %w", d.id, s.Pool, err)
			}
		}
		if ctx.Recording() {
			ctx.Emit(EventReleased, module.Indexed(AttrWorker, d.id.String()), module.Indexed(AttrPool, strconv.FormatUint(s.Pool, 10)),
				module.Attr(AttrStake, s.Stake.String()))
		}
	}
	return nil
}
