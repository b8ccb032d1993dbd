package keys

import (
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
)

// The gatekeeper bond: an operator moves PHA from its account into
// BondAccount against one of its gatekeepers, and the bonded amount is the
// gatekeeper's weight in the election (elect). Unbonding takes the weight
// away at once and pays the PHA back UnbondDelay blocks later, in EndBlock,
// from a queue kept in release order.

// Bond returns a gatekeeper's bond record; ok is false when nothing is
// bonded.
func (Keeper) Bond(kv state.KV, worker [32]byte) (Bond, bool) {
	raw := kv.Get(BondKey(worker))
	if raw == nil {
		return Bond{}, false
	}
	var b Bond
	state.DecodeJSON(raw, &b, "keys bond")
	return b, true
}

// Bonded is the PHA bonded to a gatekeeper, its election weight.
func (k Keeper) Bonded(kv state.KV, worker [32]byte) pha.Amount {
	b, _ := k.Bond(kv, worker)
	return b.Amount
}

// setBond stores a bond record; a zero bond is deleted.
func (Keeper) setBond(kv state.KV, worker [32]byte, b Bond) {
	if b.Amount.IsZero() {
		kv.Delete(BondKey(worker))
		return
	}
	kv.Set(BondKey(worker), state.EncodeJSON(b))
}

// Unbondings lists every gatekeeper's pending unbondings, in release
// order. It walks the whole queue: for queries, not for transactions.
func (Keeper) Unbondings(kv state.KV) map[[32]byte][]Unbonding {
	out := map[[32]byte][]Unbonding{}
	kv.Iterate(prefixUnbond, func(k, v []byte) bool {
		release, id, ok := splitUnbondingKey(k)
		if !ok {
			panic(&state.StorageError{Err: fmt.Errorf("keys unbonding key %x", k)})
		}
		var b Bond
		state.DecodeJSON(v, &b, "keys unbonding")
		out[id] = append(out[id], Unbonding{Amount: b.Amount, Release: release})
		return true
	})
	return out
}

// splitUnbondingKey reads the release height and gatekeeper id of an
// UnbondingKey.
func splitUnbondingKey(k []byte) (int64, [32]byte, bool) {
	rest := k[len(prefixUnbond):]
	if len(rest) != 8+32 {
		return 0, [32]byte{}, false
	}
	return int64(binary.BigEndian.Uint64(rest[:8])), [32]byte(rest[8:]), true
}

// bondOperator is who may unbond from a gatekeeper: the operator that
// bonded, else the operator of its worker record.
func (m *Module) bondOperator(kv state.KV, id [32]byte) (address.Address, bool) {
	if b, ok := m.Keeper.Bond(kv, id); ok {
		return b.Operator, true
	}
	if w, ok := m.registry.Keeper.Worker(kv, registry.WorkerID(id)); ok {
		return w.Operator, true
	}
	return address.Address{}, false
}

// bond moves PHA from the gatekeeper's operator into the bond account.
func (m *Module) bond(ctx *module.Context, sender address.Address, msg *MsgBond) error {
	id := msg.Gatekeeper
	if _, ok := m.Keeper.Gatekeeper(ctx.KV, id); !ok {
		return fmt.Errorf("%w: %x", ErrUnknownGatekeeper, id)
	}
	w, ok := m.registry.Keeper.Worker(ctx.KV, registry.WorkerID(id))
	if !ok {
		return fmt.Errorf("%w: gatekeeper %x has no worker record", ErrUnknownWorker, id)
	}
	b, bonded := m.Keeper.Bond(ctx.KV, id)
	if sender != w.Operator || (bonded && sender != b.Operator) {
		return fmt.Errorf("%w: gatekeeper %x is operated by %s, tx is from %s", ErrNotOperator, id, w.Operator, sender)
	}
	if err := (balances.Keeper{}).Transfer(ctx.KV, sender, BondAccount, msg.Amount); err != nil {
		return fmt.Errorf("bond: %w", err)
	}
	// Cannot overflow: a bond is at most the total supply.
	total, err := b.Amount.Add(msg.Amount)
	if err != nil {
		return fmt.Errorf("bond: %w", err)
	}
	m.Keeper.setBond(ctx.KV, id, Bond{Operator: sender, Amount: total})
	if ctx.Recording() {
		ctx.Emit(EventBond, module.Indexed(AttrWorker, fmt.Sprintf("%x", id)), module.Indexed(AttrOperator, sender.String()),
			module.Attr(AttrAmount, msg.Amount.String()), module.Attr(AttrBonded, total.String()))
	}
	return nil
}

// unbond takes PHA out of the election weight now and queues it for the
// operator at height + UnbondDelay.
func (m *Module) unbond(ctx *module.Context, sender address.Address, msg *MsgUnbond) error {
	id := msg.Gatekeeper
	if _, ok := m.Keeper.Gatekeeper(ctx.KV, id); !ok {
		return fmt.Errorf("%w: %x", ErrUnknownGatekeeper, id)
	}
	op, ok := m.bondOperator(ctx.KV, id)
	if !ok {
		return fmt.Errorf("%w: gatekeeper %x has no operator on record", ErrNotOperator, id)
	}
	if op != sender {
		return fmt.Errorf("%w: gatekeeper %x is operated by %s, tx is from %s", ErrNotOperator, id, op, sender)
	}
	b, _ := m.Keeper.Bond(ctx.KV, id)
	left, err := b.Amount.Sub(msg.Amount)
	if err != nil {
		return fmt.Errorf("%w: %s bonded to %x, unbond of %s", ErrUnbondTooMuch, b.Amount.PHA(), id, msg.Amount.PHA())
	}
	b.Amount = left
	m.Keeper.setBond(ctx.KV, id, b)
	release := ctx.Height + m.Keeper.Params(ctx.KV).UnbondDelay
	// Two unbondings of one gatekeeper maturing at the same height share
	// an entry.
	key := UnbondingKey(release, id)
	pending := Bond{Operator: sender}
	if raw := ctx.KV.Get(key); raw != nil {
		state.DecodeJSON(raw, &pending, "keys unbonding")
	}
	if pending.Amount, err = pending.Amount.Add(msg.Amount); err != nil {
		return fmt.Errorf("unbond: %w", err) // cannot overflow: at most the total supply
	}
	ctx.KV.Set(key, state.EncodeJSON(pending))
	if ctx.Recording() {
		ctx.Emit(EventUnbond, module.Indexed(AttrWorker, fmt.Sprintf("%x", id)), module.Indexed(AttrOperator, sender.String()),
			module.Attr(AttrAmount, msg.Amount.String()), module.Attr(AttrBonded, left.String()),
			module.Attr(AttrRelease, strconv.FormatInt(release, 10)))
	}
	return nil
}

// releaseUnbonded pays every unbonding due at or before this height back to
// its operator, in queue (release height, then gatekeeper id) order.
func (m *Module) releaseUnbonded(ctx *module.Context) error {
	type due struct {
		key []byte
		id  [32]byte
		b   Bond
	}
	var dues []due
	ctx.KV.Iterate(prefixUnbond, func(k, v []byte) bool {
		release, id, ok := splitUnbondingKey(k)
		if !ok {
			panic(&state.StorageError{Err: fmt.Errorf("keys unbonding key %x", k)})
		}
		if release > ctx.Height {
			return false
		}
		d := due{key: append([]byte(nil), k...), id: id}
		state.DecodeJSON(v, &d.b, "keys unbonding")
		dues = append(dues, d)
		return true
	})
	for _, d := range dues {
		if err := (balances.Keeper{}).Transfer(ctx.KV, BondAccount, d.b.Operator, d.b.Amount); err != nil {
			return fmt.Errorf("pay back unbonded stake of gatekeeper %x: %w", d.id, err)
		}
		ctx.KV.Delete(d.key)
		if ctx.Recording() {
			ctx.Emit(EventUnbonded, module.Indexed(AttrWorker, fmt.Sprintf("%x", d.id)), module.Indexed(AttrOperator, d.b.Operator.String()),
				module.Attr(AttrAmount, d.b.Amount.String()))
		}
	}
	return nil
}
