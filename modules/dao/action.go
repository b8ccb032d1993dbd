package dao

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/modules/stakepool"
	"github.com/phalanetwork/phala/tee"
)

// Settable params per module: set_param names a module and the JSON field
// of its params, and the new value is checked by the module's validation.
// Modules: dao, keys, registry, stakepool.
var settable = []string{Name, keys.Name, registry.Name, stakepool.Name}

func (a *Action) validateBasic() error {
	switch a.Kind {
	case KindText, KindRotateKeys:
	case KindAllowMeasurement, KindRemoveMeasurement:
		if a.Measurement == nil || len(a.Measurement.Value) == 0 {
			return fmt.Errorf("%w: %s needs a measurement", ErrBadAction, a.Kind)
		}
		switch a.Measurement.TEE {
		case tee.KindSim, tee.KindTDX, tee.KindSEVSNP:
		default:
			return fmt.Errorf("%w: unknown tee %q", ErrBadAction, a.Measurement.TEE)
		}
	case KindAddGatekeeper, KindRemoveGatekeeper:
		if len(a.Worker) != 32 {
			return fmt.Errorf("%w: %s needs a 32-byte worker id", ErrBadAction, a.Kind)
		}
	case KindSetParam:
		known := false
		for _, m := range settable {
			known = known || m == a.Module
		}
		if !known || a.Param == "" || len(a.Value) == 0 {
			return fmt.Errorf("%w: set_param needs module (one of %v), param and value", ErrBadAction, settable)
		}
	case KindTreasurySpend:
		if a.To.IsZero() || a.Amount.IsZero() {
			return fmt.Errorf("%w: treasury_spend needs to and a positive amount", ErrBadAction)
		}
	default:
		return fmt.Errorf("%w: unknown kind %q", ErrBadAction, a.Kind)
	}
	return nil
}

// check tells whether the action could be enacted against kv now; a
// proposal that could not is refused when proposed. Enactment checks again.
func (m *Module) check(kv state.KV, a Action) error {
	cache := state.NewCache(kv) // never written
	return m.apply(&module.Context{KV: cache, Simulating: true}, a)
}

// apply carries out the action through the owning modules' handlers, with
// the DAO's module account as the sender where a handler checks one.
func (m *Module) apply(ctx *module.Context, a Action) error {
	switch a.Kind {
	case KindText:
		return nil
	case KindAllowMeasurement:
		return m.registry.Keeper.AllowMeasurement(ctx.KV, *a.Measurement)
	case KindRemoveMeasurement:
		return m.registry.Keeper.RemoveMeasurement(ctx.KV, a.Measurement.TEE, a.Measurement.Value)
	case KindAddGatekeeper:
		return m.keys.DeliverMsg(ctx, Account, &keys.MsgAddGatekeeper{Worker: [32]byte(a.Worker)})
	case KindRemoveGatekeeper:
		return m.keys.RemoveGatekeeper(ctx, [32]byte(a.Worker))
	case KindRotateKeys:
		return m.keys.DeliverMsg(ctx, Account, &keys.MsgRotate{})
	case KindSetParam:
		return m.setParam(ctx.KV, a.Module, a.Param, a.Value)
	case KindTreasurySpend:
		return m.balances.Keeper.Transfer(ctx.KV, balances.Treasury, a.To, a.Amount)
	}
	return fmt.Errorf("%w: unknown kind %q", ErrBadAction, a.Kind)
}

// overlay sets one JSON field of params p (a pointer to a params struct):
// it must name a field, and the value must decode into it.
func overlay(p any, param string, value json.RawMessage) error {
	obj, err := json.Marshal(map[string]json.RawMessage{param: value})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadAction, err)
	}
	dec := json.NewDecoder(bytes.NewReader(obj))
	dec.DisallowUnknownFields()
	if err := dec.Decode(p); err != nil {
		return fmt.Errorf("%w: set %s: %v", ErrBadAction, param, err)
	}
	return nil
}

func (m *Module) setParam(kv state.KV, mod, param string, value json.RawMessage) error {
	switch mod {
	case Name:
		p := m.Keeper.Params(kv)
		if err := overlay(&p, param, value); err != nil {
			return err
		}
		if err := p.Validate(); err != nil {
			return err
		}
		m.Keeper.SetParams(kv, p)
	case keys.Name:
		p := m.keys.Keeper.Params(kv)
		if err := overlay(&p, param, value); err != nil {
			return err
		}
		if err := m.keys.Keeper.SetParams(kv, p); err != nil {
			return fmt.Errorf("%w: %v", ErrBadAction, err)
		}
	case registry.Name:
		p := m.registry.Keeper.Params(kv)
		if err := overlay(&p, param, value); err != nil {
			return err
		}
		if err := p.Validate(); err != nil {
			return fmt.Errorf("%w: %v", ErrBadAction, err)
		}
		m.registry.Keeper.SetParams(kv, p)
	case stakepool.Name:
		p := m.pools.Keeper.Params(kv)
		if err := overlay(&p, param, value); err != nil {
			return err
		}
		if err := p.Validate(); err != nil {
			return fmt.Errorf("%w: %v", ErrBadAction, err)
		}
		m.pools.Keeper.SetParams(kv, p)
	default:
		return fmt.Errorf("%w: module %q has no settable params", ErrBadAction, mod)
	}
	return nil
}
