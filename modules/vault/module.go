package vault

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/stakepool"
	"github.com/phalanetwork/phala/pha"
)

// Module is the vault module.
type Module struct {
	pools *stakepool.Module
}

var _ module.Module = (*Module)(nil)

// New returns the vault module over the stake pools it delegates to.
func New(pools *stakepool.Module) *Module { return &Module{pools: pools} }

// Name implements module.Module.
func (*Module) Name() string { return Name }

// RegisterMsgs implements module.Module.
func (*Module) RegisterMsgs(reg *tx.Registry) {
	reg.Register(TypeCreate, decodeCreate)
	reg.Register(TypeDeposit, decodeDeposit)
	reg.Register(TypeWithdraw, decodeWithdraw)
	reg.Register(TypeDelegate, decodeDelegate)
	reg.Register(TypeUndelegate, decodeUndelegate)
}

// InitGenesis implements module.Module: the vault module has no genesis
// state (its section may be absent or null).
func (*Module) InitGenesis(_ *module.Context, raw json.RawMessage) error {
	if len(raw) > 0 && string(raw) != "null" && string(raw) != "{}" {
		return fmt.Errorf("%w: the vault section takes no fields", ErrBadGenesis)
	}
	return nil
}

// DeliverMsg implements module.Module.
func (m *Module) DeliverMsg(ctx *module.Context, sender address.Address, msg tx.Msg) error {
	switch msg := msg.(type) {
	case *MsgCreate:
		return m.create(ctx, sender, msg.CommissionBps)
	case *MsgDeposit:
		return m.deposit(ctx, sender, msg.Vault, msg.Amount)
	case *MsgWithdraw:
		return m.withdraw(ctx, sender, msg.Vault, msg.Shares)
	case *MsgDelegate:
		return m.delegate(ctx, sender, msg)
	case *MsgUndelegate:
		return m.undelegate(ctx, sender, msg)
	}
	return fmt.Errorf("%w: vault cannot handle %s", tx.ErrUnknownMsg, msg.Type())
}

// EndBlock implements module.Module: for every vault in id order, take
// commission on gains, serve the withdrawal queue from what the pools paid,
// and force the exit from the pools if the queue's head is overdue.
func (m *Module) EndBlock(ctx *module.Context) error {
	var ids []uint64
	ctx.KV.Iterate(prefixVault, func(k, _ []byte) bool {
		ids = append(ids, binary.BigEndian.Uint64(k[len(prefixVault):]))
		return true
	})
	for _, id := range ids {
		v, _ := m.Vault(ctx.KV, id)
		if err := m.settle(ctx, &v); err != nil {
			return err
		}
		if err := m.enforceBound(ctx, &v); err != nil {
			return err
		}
		m.setVault(ctx.KV, &v)
	}
	return nil
}

// Vault returns a vault record.
func (*Module) Vault(kv state.KV, id uint64) (Vault, bool) {
	raw := kv.Get(VaultKey(id))
	if raw == nil {
		return Vault{}, false
	}
	var v Vault
	state.DecodeJSON(raw, &v, "vault record")
	return v, true
}

func (*Module) setVault(kv state.KV, v *Vault) { kv.Set(VaultKey(v.ID), state.EncodeJSON(v)) }

// Shares returns an account's vault shares, queued ones excluded.
func (*Module) Shares(kv state.KV, id uint64, a address.Address) pha.Amount {
	raw := kv.Get(SharesKey(id, a))
	if raw == nil {
		return pha.Amount{}
	}
	s, err := pha.FromBytes(raw)
	if err != nil {
		panic(&state.StorageError{Err: fmt.Errorf("vault shares: %w", err)})
	}
	return s
}

func (*Module) setShares(kv state.KV, id uint64, a address.Address, s pha.Amount) {
	if s.IsZero() {
		kv.Delete(SharesKey(id, a))
		return
	}
	kv.Set(SharesKey(id, a), s.Bytes())
}

// Withdrawal returns a queued withdrawal.
func (*Module) Withdrawal(kv state.KV, id, seq uint64) (Withdrawal, bool) {
	raw := kv.Get(QueueKey(id, seq))
	if raw == nil {
		return Withdrawal{}, false
	}
	var w Withdrawal
	state.DecodeJSON(raw, &w, "vault withdrawal")
	return w, true
}

// Queued returns an account's queued withdrawal.
func (m *Module) Queued(kv state.KV, id uint64, a address.Address) (Withdrawal, bool) {
	raw := kv.Get(QueuedKey(id, a))
	if len(raw) != 8 {
		return Withdrawal{}, false
	}
	return m.Withdrawal(kv, id, binary.BigEndian.Uint64(raw))
}

// Free is the vault's free PHA: its account's balance.
func (*Module) Free(kv state.KV, v *Vault) pha.Amount {
	return (balances.Keeper{}).Account(kv, v.Account).Balance
}

// Position is the vault's stake in one pool.
type Position struct {
	Pool uint64 `json:"pool"`
	// Shares are held; Queued wait in the pool's withdrawal queue.
	Shares pha.Amount `json:"shares"`
	Queued pha.Amount `json:"queued"`
	// Value is what both are worth at the pool's price now.
	Value      pha.Amount `json:"value"`
	PoolPrice  string     `json:"pool_price"`
	QueuedSeq  uint64     `json:"queued_seq,omitempty"`
	QueuedDue  int64      `json:"queued_due,omitempty"`
	hasRequest bool
}

// Positions lists the vault's pool positions in pool id order.
func (m *Module) Positions(kv state.KV, v *Vault) []Position {
	out := []Position{}
	for _, id := range v.Pools {
		p, ok := m.pools.Keeper.Pool(kv, id)
		if !ok {
			continue
		}
		pos := Position{Pool: id, Shares: m.pools.Keeper.Shares(kv, id, v.Account), PoolPrice: p.Price()}
		if w, ok := m.pools.Keeper.Queued(kv, id, v.Account); ok {
			pos.Queued, pos.QueuedSeq, pos.QueuedDue, pos.hasRequest = w.Shares, w.Seq, w.Due, true
		}
		all, _ := pos.Shares.Add(pos.Queued) // both part of the pool's shares
		pos.Value = p.ValueOf(all)
		out = append(out, pos)
	}
	return out
}

// Value is the vault's value: free PHA plus its pool positions.
func (m *Module) Value(kv state.KV, v *Vault) pha.Amount {
	total := m.Free(kv, v)
	for _, pos := range m.Positions(kv, v) {
		total, _ = total.Add(pos.Value) // all parts of the supply
	}
	return total
}

// Price is the share price in 10^-12 units (value·10^12 / shares), 1 for a
// vault without shares.
func (m *Module) price(kv state.KV, v *Vault) pha.Amount {
	if v.TotalShares.IsZero() {
		return priceOne
	}
	p, err := m.Value(kv, v).MulDiv(priceOne, v.TotalShares)
	if err != nil {
		return priceOne
	}
	return p
}

// valueOf is what vault shares are worth now, rounded down.
func valueOf(value, total, shares pha.Amount) pha.Amount {
	if total.IsZero() {
		return pha.Amount{}
	}
	a, _ := shares.MulDiv(value, total)
	return a
}

func (m *Module) vault(kv state.KV, id uint64) (Vault, error) {
	v, ok := m.Vault(kv, id)
	if !ok {
		return Vault{}, fmt.Errorf("%w: %d", ErrUnknownVault, id)
	}
	return v, nil
}

func (m *Module) create(ctx *module.Context, sender address.Address, bps uint32) error {
	id := uint64(1)
	if raw := ctx.KV.Get(keyNextID); len(raw) == 8 {
		id = binary.BigEndian.Uint64(raw)
	}
	ctx.KV.Set(keyNextID, state.Uint64(id+1))
	v := Vault{ID: id, Owner: sender, CommissionBps: bps, Account: AccountOf(id), HighWater: priceOne, Pools: []uint64{}, Created: ctx.Height}
	m.setVault(ctx.KV, &v)
	if ctx.Recording() {
		ctx.Emit(EventCreated, module.Indexed(AttrVault, strconv.FormatUint(id, 10)), module.Indexed(AttrOwner, sender.String()),
			module.Attr(AttrCommission, strconv.FormatUint(uint64(bps), 10)))
	}
	return nil
}

// deposit takes commission on gains so far, then mints floor(a·T/V)
// shares (one per base unit in a vault without shares).
func (m *Module) deposit(ctx *module.Context, sender address.Address, id uint64, amount pha.Amount) error {
	v, err := m.vault(ctx.KV, id)
	if err != nil {
		return err
	}
	if err := m.takeCommission(ctx, &v); err != nil {
		return err
	}
	shares := amount
	if v.TotalShares.IsZero() {
		v.HighWater = priceOne
	} else {
		value := m.Value(ctx.KV, &v)
		if value.IsZero() {
			return fmt.Errorf("vault %d has shares but no value", id)
		}
		if shares, err = amount.MulDiv(v.TotalShares, value); err != nil {
			return fmt.Errorf("deposit to vault %d: %w", id, err)
		}
	}
	if shares.IsZero() {
		return fmt.Errorf("%w: %s", ErrDepositTooSmall, amount.PHA())
	}
	if err := (balances.Keeper{}).Transfer(ctx.KV, sender, v.Account, amount); err != nil {
		return fmt.Errorf("deposit: %w", err)
	}
	v.TotalShares, _ = v.TotalShares.Add(shares) // at most value·T/V
	held, _ := m.Shares(ctx.KV, id, sender).Add(shares)
	m.setShares(ctx.KV, id, sender, held)
	if ctx.Recording() {
		ctx.Emit(EventDeposit, module.Indexed(AttrVault, strconv.FormatUint(id, 10)), module.Indexed(AttrAccount, sender.String()),
			module.Attr(AttrAmount, amount.String()), module.Attr(AttrShares, shares.String()))
	}
	if err := m.serveQueue(ctx, &v); err != nil {
		return err
	}
	m.setVault(ctx.KV, &v)
	return nil
}

// withdraw queues a request for shares of sender's and serves the queue.
func (m *Module) withdraw(ctx *module.Context, sender address.Address, id uint64, shares pha.Amount) error {
	v, err := m.vault(ctx.KV, id)
	if err != nil {
		return err
	}
	held := m.Shares(ctx.KV, id, sender)
	left, err := held.Sub(shares)
	if err != nil {
		return fmt.Errorf("%w: %s holds %s shares of vault %d, withdraws %s", ErrInsufficientShares, sender, held, id, shares)
	}
	if w, ok := m.Queued(ctx.KV, id, sender); ok {
		return fmt.Errorf("%w: request %d for %s shares", ErrWithdrawalPending, w.Seq, w.Shares)
	}
	if err := m.takeCommission(ctx, &v); err != nil {
		return err
	}
	m.setShares(ctx.KV, id, sender, left)
	grace := m.pools.Keeper.Params(ctx.KV).GraceBlocks
	w := Withdrawal{Seq: v.QueueTail, Account: sender, Shares: shares, Height: ctx.Height, Due: ctx.Height + 3*grace}
	v.QueueTail++
	ctx.KV.Set(QueueKey(id, w.Seq), state.EncodeJSON(w))
	ctx.KV.Set(QueuedKey(id, sender), state.Uint64(w.Seq))
	if err := m.serveQueue(ctx, &v); err != nil {
		return err
	}
	if rest, waiting := m.Withdrawal(ctx.KV, id, w.Seq); waiting && ctx.Recording() {
		ctx.Emit(EventWithdrawalQueued, module.Indexed(AttrVault, strconv.FormatUint(id, 10)), module.Indexed(AttrAccount, sender.String()),
			module.Attr(AttrShares, rest.Shares.String()), module.Attr(AttrSeq, strconv.FormatUint(w.Seq, 10)))
	}
	m.setVault(ctx.KV, &v)
	return nil
}

func (m *Module) owned(kv state.KV, sender address.Address, id uint64) (Vault, error) {
	v, err := m.vault(kv, id)
	if err != nil {
		return v, err
	}
	if v.Owner != sender {
		return v, fmt.Errorf("%w: vault %d is %s's", ErrNotOwner, id, v.Owner)
	}
	return v, nil
}

// delegate contributes free PHA of the vault to a pool. The queue is
// served first: free PHA pays waiting holders before it is staked.
func (m *Module) delegate(ctx *module.Context, sender address.Address, msg *MsgDelegate) error {
	v, err := m.owned(ctx.KV, sender, msg.Vault)
	if err != nil {
		return err
	}
	if err := m.serveQueue(ctx, &v); err != nil {
		return err
	}
	if free := m.Free(ctx.KV, &v); free.LT(msg.Amount) {
		return fmt.Errorf("%w: vault %d has %s free, delegates %s", ErrInsufficientFree, v.ID, free.PHA(), msg.Amount.PHA())
	}
	if err := m.pools.ContributeFor(ctx, v.Account, msg.Pool, msg.Amount); err != nil {
		return err
	}
	if !slices.Contains(v.Pools, msg.Pool) {
		v.Pools = append(v.Pools, msg.Pool)
		slices.Sort(v.Pools)
	}
	if ctx.Recording() {
		ctx.Emit(EventDelegate, module.Indexed(AttrVault, strconv.FormatUint(v.ID, 10)), module.Indexed(AttrPool, strconv.FormatUint(msg.Pool, 10)),
			module.Attr(AttrAmount, msg.Amount.String()))
	}
	m.setVault(ctx.KV, &v)
	return nil
}

// undelegate withdraws vault shares from a pool (queued there if the pool
// has not the free stake) and serves the vault's queue with what came back.
func (m *Module) undelegate(ctx *module.Context, sender address.Address, msg *MsgUndelegate) error {
	v, err := m.owned(ctx.KV, sender, msg.Vault)
	if err != nil {
		return err
	}
	if err := m.pools.WithdrawFor(ctx, v.Account, msg.Pool, msg.Shares); err != nil {
		return err
	}
	if ctx.Recording() {
		ctx.Emit(EventUndelegate, module.Indexed(AttrVault, strconv.FormatUint(v.ID, 10)), module.Indexed(AttrPool, strconv.FormatUint(msg.Pool, 10)),
			module.Attr(AttrShares, msg.Shares.String()))
	}
	if err := m.serveQueue(ctx, &v); err != nil {
		return err
	}
	m.setVault(ctx.KV, &v)
	return nil
}

// settle takes commission, serves the queue and forgets pools the vault no
// longer holds anything in. The caller saves v.
func (m *Module) settle(ctx *module.Context, v *Vault) error {
	if err := m.takeCommission(ctx, v); err != nil {
		return err
	}
	if err := m.serveQueue(ctx, v); err != nil {
		return err
	}
	kept := v.Pools[:0]
	for _, pos := range m.Positions(ctx.KV, v) {
		if !pos.Shares.IsZero() || pos.hasRequest {
			kept = append(kept, pos.Pool)
		}
	}
	v.Pools = kept
	return nil
}

// takeCommission mints owner shares for CommissionBps of the gain above the
// high-water mark: with value V, shares T and price p = V/T above the mark
// h, the commission is c = (p − h)·T·bps/10000 in PHA, paid as
// floor(c·T/(V − c)) new shares, so the holders' price falls to about
// p − c/T ≥ h. The mark then moves to the new price. A price at or below
// the mark (no gain since) mints nothing. The caller saves v.
func (m *Module) takeCommission(ctx *module.Context, v *Vault) error {
	if v.TotalShares.IsZero() {
		return nil
	}
	value := m.Value(ctx.KV, v)
	price, err := value.MulDiv(priceOne, v.TotalShares)
	if err != nil || !v.HighWater.LT(price) {
		return nil
	}
	if v.CommissionBps > 0 {
		gainPerShare, _ := price.Sub(v.HighWater)
		gain, err := gainPerShare.MulDiv(v.TotalShares, priceOne)
		if err != nil {
			return fmt.Errorf("vault %d gain: %w", v.ID, err)
		}
		c, err := gain.MulDiv(pha.Units(uint64(v.CommissionBps)), pha.Units(MaxCommissionBps))
		if err != nil {
			return fmt.Errorf("vault %d commission: %w", v.ID, err)
		}
		rest, err := value.Sub(c)
		if err == nil && !c.IsZero() && !rest.IsZero() {
			minted, err := c.MulDiv(v.TotalShares, rest)
			if err != nil {
				return fmt.Errorf("vault %d commission shares: %w", v.ID, err)
			}
			if !minted.IsZero() {
				v.TotalShares, _ = v.TotalShares.Add(minted)
				v.CommissionShares, _ = v.CommissionShares.Add(minted)
				held, _ := m.Shares(ctx.KV, v.ID, v.Owner).Add(minted)
				m.setShares(ctx.KV, v.ID, v.Owner, held)
				if ctx.Recording() {
					ctx.Emit(EventCommission, module.Indexed(AttrVault, strconv.FormatUint(v.ID, 10)), module.Indexed(AttrAccount, v.Owner.String()),
						module.Attr(AttrShares, minted.String()), module.Attr(AttrAmount, c.String()))
				}
				if price, err = value.MulDiv(priceOne, v.TotalShares); err != nil {
					return nil
				}
			}
		}
	}
	if v.HighWater.LT(price) {
		v.HighWater = price
	}
	return nil
}

// serveQueue pays queued withdrawals from free PHA in order: the head in
// full if the free PHA covers its value, else as many of its shares as the
// free PHA buys. The caller saves v.
func (m *Module) serveQueue(ctx *module.Context, v *Vault) error {
	for v.QueueHead < v.QueueTail {
		free := m.Free(ctx.KV, v)
		if free.IsZero() {
			return nil
		}
		w, ok := m.Withdrawal(ctx.KV, v.ID, v.QueueHead)
		if !ok {
			return fmt.Errorf("vault %d: withdrawal %d missing from the queue", v.ID, v.QueueHead)
		}
		value := m.Value(ctx.KV, v)
		shares, amount := w.Shares, valueOf(value, v.TotalShares, w.Shares)
		complete := !free.LT(amount)
		if !complete {
			var err error
			if shares, err = free.MulDiv(v.TotalShares, value); err != nil {
				return fmt.Errorf("vault %d: shares for free PHA: %w", v.ID, err)
			}
			if shares.IsZero() {
				return nil
			}
			amount = valueOf(value, v.TotalShares, shares)
		}
		var err error
		if v.TotalShares, err = v.TotalShares.Sub(shares); err != nil {
			return fmt.Errorf("vault %d: burn %s of %s shares: %w", v.ID, shares, v.TotalShares, err)
		}
		if w.Shares, err = w.Shares.Sub(shares); err != nil {
			return fmt.Errorf("vault %d: withdrawal %d: %w", v.ID, w.Seq, err)
		}
		if !amount.IsZero() {
			if err := (balances.Keeper{}).Transfer(ctx.KV, v.Account, w.Account, amount); err != nil {
				return fmt.Errorf("vault %d: pay withdrawal %d: %w", v.ID, w.Seq, err)
			}
		}
		if complete {
			ctx.KV.Delete(QueueKey(v.ID, w.Seq))
			ctx.KV.Delete(QueuedKey(v.ID, w.Account))
			v.QueueHead++
		} else {
			ctx.KV.Set(QueueKey(v.ID, w.Seq), state.EncodeJSON(w))
		}
		if ctx.Recording() {
			ctx.Emit(EventWithdrawal, module.Indexed(AttrVault, strconv.FormatUint(v.ID, 10)), module.Indexed(AttrAccount, w.Account.String()),
				module.Attr(AttrShares, shares.String()), module.Attr(AttrAmount, amount.String()),
				module.Attr(AttrSeq, strconv.FormatUint(w.Seq, 10)), module.Attr(AttrComplete, strconv.FormatBool(complete)))
		}
		if !complete {
			return nil
		}
	}
	return nil
}

// enforceBound forces the exit: with the queue's head waiting past its due
// height, the vault withdraws every share it holds in every pool (pools
// where it already waits in the queue keep that request). The caller saves
// v.
func (m *Module) enforceBound(ctx *module.Context, v *Vault) error {
	if v.QueueHead >= v.QueueTail {
		return nil
	}
	head, ok := m.Withdrawal(ctx.KV, v.ID, v.QueueHead)
	if !ok || ctx.Height < head.Due {
		return nil
	}
	for _, pos := range m.Positions(ctx.KV, v) {
		if pos.Shares.IsZero() || pos.hasRequest {
			continue
		}
		if err := m.pools.WithdrawFor(ctx, v.Account, pos.Pool, pos.Shares); err != nil {
			return fmt.Errorf("vault %d: forced exit from pool %d: %w", v.ID, pos.Pool, err)
		}
		if ctx.Recording() {
			ctx.Emit(EventForcedExit, module.Indexed(AttrVault, strconv.FormatUint(v.ID, 10)), module.Indexed(AttrPool, strconv.FormatUint(pos.Pool, 10)),
				module.Attr(AttrShares, pos.Shares.String()), module.Attr(AttrSeq, strconv.FormatUint(head.Seq, 10)))
		}
	}
	return m.serveQueue(ctx, v)
}
