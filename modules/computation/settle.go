package computation

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strconv"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/fixedpoint"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/pha"
)

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
		if ctx.Recording() {
			ctx.Emit(EventOffline, module.Indexed(AttrWorker, s.Worker.String()), module.Attr(AttrChallenge, strconv.FormatInt(missed, 10)),
				module.Attr(AttrV, s.V.String()))
		}
	}
	for i := range challenged {
		s := &challenged[i]
		m.Keeper.setSession(ctx.KV, s, false)
		if ctx.Recording() {
			ctx.Emit(EventChallenged, module.Indexed(AttrWorker, s.Worker.String()), module.Attr(AttrChallenge, strconv.FormatInt(h, 10)),
				module.Attr(AttrDeadline, strconv.FormatInt(h+p.HeartbeatWindow, 10)))
		}
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
	if ctx.Recording() {
		ctx.Emit(EventSettled, module.Attr(AttrBudget, budget.String()), module.Attr(AttrToPools, paid.String()),
			module.Attr(AttrToTreasury, toTreasury.String()), module.Attr(AttrOnline, strconv.Itoa(len(shares))))
	}
	return nil
}

// params returns the params, decoding them again only when their stored
// bytes change (settlement reads them every block). The cache holds only a
// copy of state, so it cannot make two nodes differ.
func (m *Module) params(ctx *module.Context) *Params {
	raw := ctx.KV.Get(keyParams)
	if m.cache.raw == nil || !bytes.Equal(raw, m.cache.raw) {
		var p Params
		state.DecodeJSON(raw, &p, "computation params")
		m.cache.raw, m.cache.p = append([]byte(nil), raw...), p
	}
	p := m.cache.p
	return &p
}
