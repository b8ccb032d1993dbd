package keys

import (
	"fmt"
	"strconv"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/pha"
)

// RemoveGatekeeper takes a gatekeeper out of the set, for governance: its
// record and its place in the order go, its whole bond starts unbonding,
// and, since its enclave still knows the current master key, a rotation
// starts at once (when none is running) among the rest, so nothing sealed
// under a later generation is open to it. The last gatekeeper cannot be
// removed: nobody would hold the master key.
func (m *Module) RemoveGatekeeper(ctx *module.Context, id [32]byte) error {
	if _, ok := m.Keeper.Gatekeeper(ctx.KV, id); !ok {
		return fmt.Errorf("%w: %x", ErrUnknownGatekeeper, id)
	}
	order := m.Keeper.Order(ctx.KV)
	if len(order) <= 1 {
		return fmt.Errorf("%w: %x is the last gatekeeper; add another first", ErrRotation, id)
	}
	var kept []byte
	for _, o := range order {
		if o != id {
			kept = append(kept, o[:]...)
		}
	}
	ctx.KV.Set(keyGKOrder, kept)
	ctx.KV.Delete(GatekeeperKey(id))
	if b, ok := m.Keeper.Bond(ctx.KV, id); ok && !b.Amount.IsZero() {
		release := ctx.Height + m.Keeper.Params(ctx.KV).UnbondDelay
		key := UnbondingKey(release, id)
		pending := Bond{Operator: b.Operator}
		if raw := ctx.KV.Get(key); raw != nil {
			state.DecodeJSON(raw, &pending, "keys unbonding")
		}
		var err error
		if pending.Amount, err = pending.Amount.Add(b.Amount); err != nil {
			return fmt.Errorf("remove gatekeeper %x: %w", id, err)
		}
		ctx.KV.Set(key, state.EncodeJSON(pending))
		b.Amount = pha.Amount{}
		m.Keeper.setBond(ctx.KV, id, b)
		if ctx.Recording() {
			ctx.Emit(EventUnbond, module.Indexed(AttrWorker, fmt.Sprintf("%x", id)), module.Indexed(AttrOperator, b.Operator.String()),
				module.Attr(AttrRelease, strconv.FormatInt(release, 10)))
		}
	}
	ctx.Emit(EventGatekeeperRemoved, module.Indexed(AttrWorker, fmt.Sprintf("%x", id)))
	if _, running := m.Keeper.Rotation(ctx.KV); !running {
		if _, ok := m.Keeper.Current(ctx.KV); ok {
			return m.startRotation(ctx, map[[32]byte]bool{id: true})
		}
	}
	return nil
}
