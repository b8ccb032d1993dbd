package computation

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/fixedpoint"
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

// heartbeat records a worker's answer to the challenge of height c.
func (m *Module) heartbeat(ctx *module.Context, id registry.WorkerID, c int64) error {
	s, ok := m.Keeper.Session(ctx.KV, id)
	if !ok || s.State != StateComputing {
		return fmt.Errorf("%w: %s", ErrNotComputing, id)
	}
	p := m.Keeper.Params(ctx.KV)
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
	if !wasOnline {
		// Back online: V has decayed until now and grows from here.
		s.V, s.VHeight = p.ValueAt(&s, ctx.Height), ctx.Height
		s.Online, s.OfflineSince, s.Challenge = true, 0, 0
	}
	m.Keeper.setSession(ctx.KV, &s, !wasOnline)
	emitHeartbeat(ctx, &s, c, !wasOnline)
	return nil
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
// queue order (release height, then worker id): the session is deleted and
// its stake handed back to its pool.
func (m *Module) releaseCooled(ctx *module.Context) error {
	for _, d := range m.Keeper.dueCooldowns(ctx.KV, ctx.Height) {
		m.Keeper.deleteCooldown(ctx.KV, d)
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
		emitReleased(ctx, &s)
	}
	return nil
}

// Settlement, once per block in EndBlock, walks the online sessions in
// worker id order (the OnlineKey prefix) and for each:
//
//  1. sends it offline if it left a challenge unanswered for the heartbeat
//     window (it earns nothing this block);
//  2. challenges it if this block's challenge picks it and it has none
//     pending;
//  3. adds its share sqrt(V² + (2·P·conf)²), V grown to this height.
//
// It then pays the budget B (budget_per_block, or what is left in the
// subsidy pool if less) when any worker is online:
//
//	treasury part   T = floor(B · treasury_ratio_bps / 10000)
//	workers' part   M = B − T
//	worker w        m_w = floor(M · share_w / Σ share)
//	rounding dust   D = M − Σ m_w  (less than one base unit per worker)
//
// The treasury receives T + D and each worker's pool receives its m_w
// (summed per pool; the stake pool module takes the owner's commission from
// it). So exactly B leaves the subsidy pool, the treasury gets exactly its
// ratio (rounded down) plus the dust, and nothing is minted. Work and
// reads are O(online workers); writes happen only for the workers that
// change (challenged, offline) and once per pool paid.

// shareOf is one online worker's part of the block.
type shareOf struct {
	pool  uint64
	share fixedpoint.U64F64
}

// poolPay is what one pool earns in the block.
type poolPay struct {
	pool   uint64
	amount pha.Amount
}

// settle runs the block's heartbeat bookkeeping and pays its budget.
func (m *Module) settle(ctx *module.Context, p *Params) error {
	h := ctx.Height
	prev := module.BlockHash(ctx.KV, h-1)
	shares := m.shares[:0]
	var offline, challenged []Session
	total := fixedpoint.Zero
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
		shares = append(shares, shareOf{pool: s.Pool, share: sh})
		return true
	})
	m.shares = shares[:0]
	if err != nil {
		return fmt.Errorf("settle block %d: %w", h, err)
	}
	for i := range offline {
		s := &offline[i]
		s.V, s.VHeight = p.ValueAt(s, h), h
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
	if len(shares) == 0 || total.IsZero() || m.pools == nil {
		return nil
	}
	return m.pay(ctx, p, shares, total)
}

// pay splits the block's budget by share; see the settlement comment.
func (m *Module) pay(ctx *module.Context, p *Params, shares []shareOf, total fixedpoint.U64F64) error {
	bk := balances.Keeper{}
	budget := p.BudgetPerBlock
	if left := bk.Account(ctx.KV, balances.SubsidyPool).Balance; left.LT(budget) {
		budget = left
	}
	if budget.IsZero() {
		return nil
	}
	toTreasury, err := budget.MulDiv(pha.Units(uint64(p.TreasuryRatioBps)), pha.Units(10_000))
	if err != nil {
		return fmt.Errorf("treasury part of %s: %w", budget.PHA(), err)
	}
	miners, _ := budget.Sub(toTreasury) // the ratio is at most 1
	var pays []poolPay
	index := map[uint64]int{} // lookups only; pays is sorted before use
	var paid pha.Amount
	for _, sh := range shares {
		a, err := fixedpoint.MulDivAmount(miners, sh.share, total)
		if err != nil {
			return fmt.Errorf("%w: reward of share %s of %s", ErrArithmeticOverflow, sh.share, total)
		}
		i, ok := index[sh.pool]
		if !ok {
			i = len(pays)
			index[sh.pool] = i
			pays = append(pays, poolPay{pool: sh.pool})
		}
		// Neither sum can overflow: together they are at most miners.
		pays[i].amount, _ = pays[i].amount.Add(a)
		paid, _ = paid.Add(a)
	}
	dust, err := miners.Sub(paid)
	if err != nil {
		return fmt.Errorf("settlement paid %s of %s: %w", paid.PHA(), miners.PHA(), err)
	}
	toTreasury, _ = toTreasury.Add(dust)
	if err := bk.Transfer(ctx.KV, balances.SubsidyPool, balances.Treasury, toTreasury); err != nil {
		return fmt.Errorf("pay treasury: %w", err)
	}
	if err := bk.Transfer(ctx.KV, balances.SubsidyPool, balances.StakeAccount, paid); err != nil {
		return fmt.Errorf("pay pools: %w", err)
	}
	slices.SortFunc(pays, func(a, b poolPay) int { return cmp.Compare(a.pool, b.pool) })
	for _, pp := range pays {
		if pp.amount.IsZero() {
			continue
		}
		if err := m.pools.Reward(ctx, pp.pool, pp.amount); err != nil {
			return fmt.Errorf("reward pool %d: %w", pp.pool, err)
		}
	}
	st := m.Keeper.Stats(ctx.KV)
	st.Height, st.Blocks = ctx.Height, st.Blocks+1
	st.Spent, _ = st.Spent.Add(budget)
	st.ToPools, _ = st.ToPools.Add(paid)
	st.ToTreasury, _ = st.ToTreasury.Add(toTreasury)
	st.Dust, _ = st.Dust.Add(dust)
	st.LastOnline, st.LastShares = len(shares), total
	m.Keeper.setStats(ctx.KV, st)
	emitSettled(ctx, budget, paid, toTreasury, len(shares))
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

// deliver runs msg through the handler of its type.
func (*Module) deliver(_ *module.Context, _ address.Address, msg tx.Msg) error {
	return module.UnknownMsg(Name, msg)
}

// SetPools installs the stake pools that sessions draw stake from and pay
// rewards to. Without pools settlement pays nothing.
func (m *Module) SetPools(p Pools) { m.pools = p }

// HandleMQ consumes worker messages on "computation/..." topics: only
// heartbeats (the app routes the module's mq topics here).
func (m *Module) HandleMQ(ctx *module.Context, msg *mq.SignedMessage) error {
	return m.handleMQ(ctx, msg)
}
