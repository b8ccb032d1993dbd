package computation

import (
	"bytes"

	"fmt"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/fixedpoint"
	"github.com/phalanetwork/phala/mining"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
)

// endBlock releases the cool-downs that end, then settles the block.
func (m *Module) endBlock(ctx *module.Context) error {
	if err := m.releaseCooled(ctx); err != nil {
		return err
	}
	return m.settle(ctx, m.params(ctx))
}

// handleMQ consumes worker messages on "computation/..." topics: only
// heartbeats.
func (m *Module) handleMQ(ctx *module.Context, msg *mq.SignedMessage) error {
	if msg.Origin.Kind != mq.OriginWorker {
		return fmt.Errorf("%w: %s cannot post %s", ErrNotWorkerOrigin, msg.Origin.Kind, msg.Topic)
	}
	if msg.Topic != TopicHeartbeat {
		return fmt.Errorf("%w: %q", mq.ErrNoHandler, msg.Topic)
	}
	c, err := DecodeHeartbeat(msg.Payload)
	if err != nil {
		return err
	}
	return m.heartbeat(ctx, registry.WorkerID(msg.Origin.ID), c)
}

// heartbeat records a worker's answer to the challenge of height c. An
// online worker is paid for the blocks since its last payout (payHeartbeat);
// an offline one comes back online and is paid nothing for the stretch it
// was away (Phala's update_v_recover).
func (m *Module) heartbeat(ctx *module.Context, id registry.WorkerID, c int64) error {
	s, ok := m.Keeper.Session(ctx.KV, id)
	if !ok || s.State != StateComputing {
		return fmt.Errorf("%w: %s", ErrNotComputing, id)
	}
	// Not the EndBlock cache: heartbeats also run in CheckTx.
	pv := m.Keeper.Params(ctx.KV)
	p := &pv
	if c > ctx.Height || ctx.Height-c > p.HeartbeatWindow || c < s.StartHeight {
		return fmt.Errorf("%w: challenge %d answered at %d, window %d blocks, session started at %d", ErrHeartbeatOutside, c, ctx.Height, p.HeartbeatWindow, s.StartHeight)
	}
	if c <= s.Answered {
		return fmt.Errorf("%w: challenge %d, last answered %d", ErrHeartbeatAnswered, c, s.Answered)
	}
	if !Challenged(module.BlockHash(ctx.KV, c-1), id, p.ChallengeThreshold) {
		return fmt.Errorf("%w: %s at %d", ErrNotChallenged, id, c)
	}
	wasOnline := s.Online
	s.Answered, s.LastHeartbeat = c, ctx.Height
	if s.Challenge != 0 && c >= s.Challenge {
		s.Challenge = 0
	}
	var paid pha.Amount
	if wasOnline {
		var err error
		if paid, err = m.payHeartbeat(ctx, p, &s); err != nil {
			return err
		}
	} else {
		// Back online: V was slashed through the last block, and this
		// block neither slashes nor grows it.
		s.V, s.VHeight = p.ValueAt(&s, ctx.Height-1), ctx.Height
		s.Online, s.OfflineSince, s.Challenge = true, 0, 0
	}
	m.Keeper.setSession(ctx.KV, &s, !wasOnline)
	emitHeartbeat(ctx, &s, c, !wasOnline, paid)
	return nil
}

// payHeartbeat is Phala's update_v_heartbeat for an online worker's
// heartbeat in block h: with V and its deductible grown through block h−1,
//
//	budget   = floor(B · share / Σshare) · (h − VHeight)
//	treasury = floor(budget · treasury_ratio_bps / 10000)
//	payout   = budget − treasury
//	V       ← V − min(deductible, payout)
//
// where Σshare is the online workers' total share after the last block,
// and budget is cut to what the subsidy pool holds. The payout goes to the
// worker's pool, the treasury part to the treasury; nothing is minted. As
// in Phala, nothing is paid (and V is left alone) while the deductible or
// Σshare is zero.
func (m *Module) payHeartbeat(ctx *module.Context, p *Params, s *Session) (pha.Amount, error) {
	h := ctx.Height
	v, deductible := p.idle(s, h-1)
	st := m.Keeper.Stats(ctx.KV)
	if h <= s.VHeight || deductible.IsZero() || st.LastShares.IsZero() || m.pools == nil {
		return pha.Amount{}, nil
	}
	share, err := Share(v, s.Benchmark)
	if err != nil {
		return pha.Amount{}, err
	}
	budget, err := fixedpoint.MulDivAmount(p.BudgetPerBlock, share, st.LastShares)
	if err == nil {
		budget, err = budget.MulDiv(pha.Units(uint64(h-s.VHeight)), pha.Units(1))
	}
	if err != nil {
		return pha.Amount{}, fmt.Errorf("%w: budget of share %s of %s over %d blocks", ErrArithmeticOverflow, share, st.LastShares, h-s.VHeight)
	}
	bk := balances.Keeper{}
	if left := bk.Account(ctx.KV, balances.SubsidyPool).Balance; left.LT(budget) {
		budget = left
	}
	toTreasury, _ := budget.MulDiv(pha.Units(uint64(p.TreasuryRatioBps)), pha.Units(10_000)) // below budget
	payout, _ := budget.Sub(toTreasury)                                                      // the ratio is at most 1
	payoutV, err := fixedpoint.FromAmount(payout)
	if err != nil {
		return pha.Amount{}, fmt.Errorf("%w: payout %s", ErrArithmeticOverflow, payout.PHA())
	}
	s.V, _ = v.Sub(deductible.Min(payoutV).Min(v)) // never below zero
	s.VHeight = h
	if err := bk.Transfer(ctx.KV, balances.SubsidyPool, balances.Treasury, toTreasury); err != nil {
		return pha.Amount{}, fmt.Errorf("pay treasury: %w", err)
	}
	if err := bk.Transfer(ctx.KV, balances.SubsidyPool, balances.StakeAccount, payout); err != nil {
		return pha.Amount{}, fmt.Errorf("pay pool %d: %w", s.Pool, err)
	}
	if !payout.IsZero() {
		if err := m.pools.Reward(ctx, s.Pool, payout); err != nil {
			return pha.Amount{}, fmt.Errorf("reward pool %d: %w", s.Pool, err)
		}
	}
	st.Payouts++
	st.Spent, _ = st.Spent.Add(budget) // all below the supply
	st.ToPools, _ = st.ToPools.Add(payout)
	st.ToTreasury, _ = st.ToTreasury.Add(toTreasury)
	m.Keeper.setStats(ctx.KV, st)
	return payout, nil
}

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
	if !w.Active() {
		return Session{}, fmt.Errorf("%w: %s", registry.ErrRetired, id)
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
	emitStarted(ctx, &s)
	return s, nil
}

// Stop ends a computing session: V freezes, the worker stops earning, and
// cooldown_blocks later the stake is released to the pool (Pools.Released),
// less the slash if V ended below Ve (releaseCooled).
func (m *Module) Stop(ctx *module.Context, id registry.WorkerID) (Session, error) {
	s, ok := m.Keeper.Session(ctx.KV, id)
	if !ok || s.State != StateComputing {
		return Session{}, fmt.Errorf("%w: %s", ErrNotComputing, id)
	}
	p := m.Keeper.Params(ctx.KV)
	wasOnline := s.Online
	// V as of this block is the V the returned stake is reckoned from.
	s.V, s.VHeight = p.ValueAt(&s, ctx.Height), ctx.Height
	s.State, s.Online, s.Challenge = StateCoolingDown, false, 0
	s.CoolingUntil = ctx.Height + p.CooldownBlocks
	m.Keeper.setSession(ctx.KV, &s, wasOnline)
	m.Keeper.setCooldown(ctx.KV, s.CoolingUntil, id)
	emitStopped(ctx, &s)
	return s, nil
}

// retireWorker stops the computing session of a worker whose measurement
// was removed, in the block that retires it: V freezes, it earns nothing
// more, and its stake cools down back to its pool as after a stop.
func (m *Module) retireWorker(ctx *module.Context, w registry.Worker) error {
	if s, ok := m.Keeper.Session(ctx.KV, w.ID); !ok || s.State != StateComputing {
		return nil
	}
	_, err := m.Stop(ctx, w.ID)
	return err
}

// releaseCooled ends every cool-down due at or before this height, in
// queue order (release height, then worker id): the session is deleted,
// the stake it keeps, stake·min(V/Ve, 1) (mining.FinalStake), goes back to
// its pool and the slash to the treasury.
func (m *Module) releaseCooled(ctx *module.Context) error {
	dues, err := state.Due(ctx.KV, prefixCool, 32, uint64(ctx.Height), 0)
	if err != nil {
		return fmt.Errorf("cool-down queue: %w", err)
	}
	for _, e := range dues {
		ctx.KV.Delete(e.Key)
		id := registry.WorkerID(e.Rest)
		s, ok := m.Keeper.Session(ctx.KV, id)
		if !ok || s.State != StateCoolingDown {
			return fmt.Errorf("cool-down of %s: no session cooling down", id)
		}
		m.Keeper.deleteSession(ctx.KV, id)
		returned, slashed := mining.FinalStake(s.Stake, s.V, s.InitialV)
		if m.pools != nil {
			if err := (balances.Keeper{}).Transfer(ctx.KV, balances.StakeAccount, balances.Treasury, slashed); err != nil {
				return fmt.Errorf("slash %s of %s: %w", slashed.PHA(), id, err)
			}
			if err := m.pools.Released(ctx, s.Pool, id, s.Stake, returned); err != nil {
				return fmt.Errorf("release stake of %s to pool %d: %w", id, s.Pool, err)
			}
			st := m.Keeper.Stats(ctx.KV)
			st.Slashed, _ = st.Slashed.Add(slashed) // below the supply
			m.Keeper.setStats(ctx.KV, st)
		}
		emitReleased(ctx, &s, returned, slashed)
	}
	return nil
}

// Settlement, once per block in EndBlock, walks the online sessions in
// worker id order (the OnlineKey prefix) and for each:
//
//  1. sends it offline if it left a challenge unanswered for the heartbeat
//     window: its V grew through the last block and is slashed from this
//     one on (Phala slashes in the block a worker turns unresponsive);
//  2. challenges it if this block's challenge picks it and it has none
//     pending;
//  3. adds its share sqrt(V² + (2·P·conf)²), V as of this block.
//
// It stores the total share: the next block's heartbeats are paid against
// it (payHeartbeat). Settlement itself pays nothing: as in Phala, a worker
// is paid when it answers a heartbeat, for the blocks since its last
// payout. Work and reads are O(online workers); writes happen only for the
// workers that change (challenged, offline) and once for the totals.

// settle runs the block's heartbeat bookkeeping and records the total
// share.
func (m *Module) settle(ctx *module.Context, p *Params) error {
	h := ctx.Height
	prev := module.BlockHash(ctx.KV, h-1)
	var offline, challenged []Session
	total := fixedpoint.Zero
	online := 0
	var err error
	m.Keeper.IterateOnline(ctx.KV, func(s *Session) bool {
		if s.Challenge != 0 && h >= s.Challenge+p.HeartbeatWindow {
			offline = append(offline, *s)
			return true
		}
		if s.Challenge == 0 && s.Answered < h && Challenged(prev, s.Worker, p.ChallengeThreshold) {
			s.Challenge = h
			challenged = append(challenged, *s)
		}
		var sh fixedpoint.U64F64
		if sh, err = Share(p.ValueAt(s, h), s.Benchmark); err != nil {
			return false
		}
		if total, err = total.Add(sh); err != nil {
			err = fmt.Errorf("%w: total share", ErrArithmeticOverflow)
			return false
		}
		online++
		return true
	})
	if err != nil {
		return fmt.Errorf("settle block %d: %w", h, err)
	}
	for i := range offline {
		s := &offline[i]
		// Grown through the block before (or frozen at a payout in this
		// one), slashed from this block on.
		at := max(h-1, s.VHeight)
		s.V, s.VHeight = p.ValueAt(s, at), at
		missed := s.Challenge
		s.Online, s.OfflineSince, s.Challenge = false, h, 0
		m.Keeper.setSession(ctx.KV, s, true)
		emitOffline(ctx, s, missed)
	}
	for i := range challenged {
		s := &challenged[i]
		m.Keeper.setSession(ctx.KV, s, false)
		emitChallenged(ctx, s, h, h+p.HeartbeatWindow)
	}
	st := m.Keeper.Stats(ctx.KV)
	if st.LastOnline != online || st.LastShares != total {
		st.Height, st.LastOnline, st.LastShares = h, online, total
		m.Keeper.setStats(ctx.KV, st)
	}
	return m.scheduleBudget(ctx, p)
}

// scheduleBudget lowers the budget per block to budget_halving_keep of
// itself at the end of every block whose height is a multiple of
// budget_halving_interval (Phala's trigger_subsidy_halving, ×0.75 every
// 180 days).
func (m *Module) scheduleBudget(ctx *module.Context, p *Params) error {
	if p.BudgetHalvingInterval == 0 || ctx.Height%p.BudgetHalvingInterval != 0 {
		return nil
	}
	next, err := fixedpoint.MulAmount(p.BudgetPerBlock, p.BudgetHalvingKeep)
	if err != nil {
		return fmt.Errorf("%w: budget %s × %s", ErrArithmeticOverflow, p.BudgetPerBlock.PHA(), p.BudgetHalvingKeep)
	}
	stored := m.Keeper.Params(ctx.KV)
	stored.BudgetPerBlock = next
	m.Keeper.SetParams(ctx.KV, stored)
	emitBudget(ctx, p.BudgetPerBlock, next)
	return nil
}

// params returns the params, decoding them again only when their stored
// bytes change (settlement reads them every block). The cache holds only a
// copy of state, so it cannot make two nodes differ.
func (m *Module) params(ctx *module.Context) *Params {
	raw := m.Keeper.rawParams(ctx.KV)
	if m.cache.raw == nil || !bytes.Equal(raw, m.cache.raw) {
		var p Params
		state.DecodeJSON(raw, &p, "computation params")
		m.cache.raw, m.cache.p = append([]byte(nil), raw...), p
	}
	p := m.cache.p
	return &p
}

// SetPools installs the stake pools that sessions draw stake from and pay
// rewards to. Without pools settlement pays nothing.
func (m *Module) SetPools(p Pools) { m.pools = p }

// HandleMQ consumes worker messages on "computation/..." topics: only
// heartbeats (the app routes the module's mq topics here).
func (m *Module) HandleMQ(ctx *module.Context, msg *mq.SignedMessage) error {
	return m.handleMQ(ctx, msg)
}
