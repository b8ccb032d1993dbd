package stakepool

import (
	"fmt"
	"strconv"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/pha"
)

// Shares, contributions and the withdrawal queue.
//
// Every conversion rounds in the pool's favour, so the share price (value /
// total shares) never falls: a contribution of a PHA mints floor(a·T/V)
// shares, redeeming s shares pays floor(s·V/T). The first contribution to a
// pool without shares mints one share per base unit (price 1).

// Value is the pool's total value: free plus locked stake.
func (p Pool) Value() pha.Amount {
	v, _ := p.FreeStake.Add(p.LockedStake) // both are parts of the supply
	return v
}

// sharesFor is the number of shares amount buys.
func (p Pool) sharesFor(amount pha.Amount) (pha.Amount, error) {
	if p.TotalShares.IsZero() {
		return amount, nil
	}
	v := p.Value()
	if v.IsZero() {
		return pha.Amount{}, fmt.Errorf("pool %d has shares but no value", p.ID)
	}
	return amount.MulDiv(p.TotalShares, v)
}

// ValueOf is what shares are worth now, rounded down.
func (p Pool) ValueOf(shares pha.Amount) pha.Amount {
	if p.TotalShares.IsZero() {
		return pha.Amount{}
	}
	a, _ := shares.MulDiv(p.Value(), p.TotalShares) // shares <= total: fits
	return a
}

// contribute moves amount from sender into the pool and mints shares.
func (m *Module) contribute(ctx *module.Context, sender address.Address, id uint64, amount pha.Amount) error {
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
	if ctx.Recording() {
		ctx.Emit(EventContribution, module.Indexed(AttrPool, strconv.FormatUint(id, 10)), module.Indexed(AttrAccount, sender.String()),
			module.Attr(AttrAmount, amount.String()), module.Attr(AttrShares, shares.String()))
	}
	if err := m.serveQueue(ctx, &p); err != nil {
		return err
	}
	m.Keeper.setPool(ctx.KV, &p)
	return nil
}

// withdraw queues a request for shares of sender's and serves the queue:
// with nothing ahead of it, the request is paid from free stake at once, in
// full or in part, and what is left waits its turn.
func (m *Module) withdraw(ctx *module.Context, sender address.Address, id uint64, shares pha.Amount) error {
	p, ok := m.Keeper.Pool(ctx.KV, id)
	if !ok {
		return fmt.Errorf("%w: %d", ErrUnknownPool, id)
	}
	held := m.Keeper.Shares(ctx.KV, id, sender)
	left, err := held.Sub(shares)
	if err != nil {
		return fmt.Errorf("%w: %s holds %s shares of pool %d, withdraws %s", ErrInsufficientShares, sender, held, id, shares)
	}
	if w, ok := m.Keeper.Queued(ctx.KV, id, sender); ok {
		return fmt.Errorf("%w: request %d for %s shares", ErrWithdrawalPending, w.Seq, w.Shares)
	}
	m.Keeper.setShares(ctx.KV, id, sender, left)
	w := Withdrawal{Seq: p.QueueTail, Account: sender, Shares: shares, Height: ctx.Height, Due: ctx.Height + m.Keeper.Params(ctx.KV).GraceBlocks}
	p.QueueTail++
	ctx.KV.Set(QueueKey(id, w.Seq), state.EncodeJSON(w))
	ctx.KV.Set(QueuedKey(id, sender), state.Uint64(w.Seq))
	ctx.KV.Set(DeadlineKey(w.Due, id, w.Seq), []byte{1})
	if err := m.serveQueue(ctx, &p); err != nil {
		return err
	}
	if rest, waiting := m.Keeper.Withdrawal(ctx.KV, id, w.Seq); waiting && ctx.Recording() {
		ctx.Emit(EventWithdrawalQueued, module.Indexed(AttrPool, strconv.FormatUint(id, 10)), module.Indexed(AttrAccount, sender.String()),
			module.Attr(AttrShares, rest.Shares.String()), module.Attr(AttrSeq, strconv.FormatUint(w.Seq, 10)))
	}
	m.Keeper.setPool(ctx.KV, &p)
	return nil
}

// serveQueue pays queued withdrawals from free stake in order, the head in
// full if the free stake covers it, else as many of its shares as the free
// stake buys (the head keeps its place for the rest). The caller saves p.
func (m *Module) serveQueue(ctx *module.Context, p *Pool) error {
	for p.QueueHead < p.QueueTail && !p.FreeStake.IsZero() {
		w, ok := m.Keeper.Withdrawal(ctx.KV, p.ID, p.QueueHead)
		if !ok {
			return fmt.Errorf("pool %d: withdrawal %d missing from the queue", p.ID, p.QueueHead)
		}
		shares, amount := w.Shares, p.ValueOf(w.Shares)
		complete := !p.FreeStake.LT(amount)
		if !complete {
			var err error
			if shares, err = p.FreeStake.MulDiv(p.TotalShares, p.Value()); err != nil {
				return fmt.Errorf("pool %d: shares for free stake: %w", p.ID, err)
			}
			if shares.IsZero() {
				return nil
			}
			amount = p.ValueOf(shares) // <= free stake
		}
		if err := m.pay(ctx, p, &w, shares, amount, complete); err != nil {
			return err
		}
		if !complete {
			return nil
		}
	}
	return nil
}

// pay redeems shares of withdrawal w for amount from the pool's free stake
// and either finishes w or stores what is left of it.
func (m *Module) pay(ctx *module.Context, p *Pool, w *Withdrawal, shares, amount pha.Amount, complete bool) error {
	var err error
	if p.FreeStake, err = p.FreeStake.Sub(amount); err != nil {
		return fmt.Errorf("pool %d: pay %s from %s free: %w", p.ID, amount.PHA(), p.FreeStake.PHA(), err)
	}
	if p.TotalShares, err = p.TotalShares.Sub(shares); err != nil {
		return fmt.Errorf("pool %d: burn %s of %s shares: %w", p.ID, shares, p.TotalShares, err)
	}
	if w.Shares, err = w.Shares.Sub(shares); err != nil {
		return fmt.Errorf("pool %d: withdrawal %d: %w", p.ID, w.Seq, err)
	}
	if !amount.IsZero() {
		if err := (balances.Keeper{}).Transfer(ctx.KV, balances.StakeAccount, w.Account, amount); err != nil {
			return fmt.Errorf("pool %d: pay withdrawal %d: %w", p.ID, w.Seq, err)
		}
	}
	if complete {
		ctx.KV.Delete(QueueKey(p.ID, w.Seq))
		ctx.KV.Delete(QueuedKey(p.ID, w.Account))
		ctx.KV.Delete(DeadlineKey(w.Due, p.ID, w.Seq))
		p.QueueHead++
	} else {
		ctx.KV.Set(QueueKey(p.ID, w.Seq), state.EncodeJSON(w))
	}
	if ctx.Recording() {
		ctx.Emit(EventWithdrawal, module.Indexed(AttrPool, strconv.FormatUint(p.ID, 10)), module.Indexed(AttrAccount, w.Account.String()),
			module.Attr(AttrShares, shares.String()), module.Attr(AttrAmount, amount.String()),
			module.Attr(AttrSeq, strconv.FormatUint(w.Seq, 10)), module.Attr(AttrComplete, strconv.FormatBool(complete)))
	}
	return nil
}

// Price is the share price value / shares as a decimal with 12 places,
// rounded down; a pool without shares has price 1.
func (p Pool) Price() string {
	if p.TotalShares.IsZero() {
		return "1.000000000000"
	}
	scaled, err := p.Value().MulDiv(pha.Whole(1), p.TotalShares)
	if err != nil {
		return "overflow"
	}
	return fixed12(scaled)
}

// fixed12 writes a number of 10^-12 units with all 12 decimals.
func fixed12(a pha.Amount) string {
	s := a.String()
	for len(s) <= pha.Decimals {
		s = "0" + s
	}
	return s[:len(s)-pha.Decimals] + "." + s[len(s)-pha.Decimals:]
}
