package stakepool

import (
	"encoding/json"
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/computation"
	"github.com/phalanetwork/phala/modules/registry"
)

// Module is the stakepool module.
type Module struct {
	Keeper      Keeper
	registry    *registry.Module
	computation *computation.Module
}

var _ module.Module = (*Module)(nil)

var _ computation.Pools = (*Module)(nil)

// New returns the stakepool module and installs it as comp's pools: it
// reads worker records from reg and starts and stops sessions in comp.
func New(reg *registry.Module, comp *computation.Module) *Module {
	m := &Module{registry: reg, computation: comp}
	comp.SetPools(m)
	return m
}

// Name implements module.Module.
func (*Module) Name() string { return Name }

// RegisterMsgs implements module.Module.
func (*Module) RegisterMsgs(reg *tx.Registry) {
	reg.Register(TypeCreate, decodeCreate)
	reg.Register(TypeAddWorker, decodeAddWorker)
	reg.Register(TypeRemoveWorker, decodeRemoveWorker)
	reg.Register(TypeStartComputing, decodeStart)
	reg.Register(TypeStopComputing, decodeStopComputing)
	reg.Register(TypeContribute, decodeContribute)
	reg.Register(TypeWithdraw, decodeWithdraw)
}

// InitGenesis implements module.Module.
func (m *Module) InitGenesis(ctx *module.Context, raw json.RawMessage) error {
	g, err := parseGenesis(raw)
	if err != nil {
		return err
	}
	m.Keeper.SetParams(ctx.KV, *g.Params)
	return nil
}

// DeliverMsg implements module.Module.
func (m *Module) DeliverMsg(ctx *module.Context, sender address.Address, msg tx.Msg) error {
	switch msg := msg.(type) {
	case *MsgCreate:
		return m.create(ctx, sender, msg)
	case *MsgAddWorker:
		return m.addWorker(ctx, sender, msg.Pool, msg.Worker)
	case *MsgRemoveWorker:
		return m.removeWorker(ctx, sender, msg.Pool, msg.Worker)
	case *MsgStartComputing:
		return m.startComputing(ctx, sender, msg)
	case *MsgStopComputing:
		return m.stopComputing(ctx, sender, msg.Pool, msg.Worker)
	case *MsgContribute:
		return m.contribute(ctx, sender, msg.Pool, msg.Amount)
	case *MsgWithdraw:
		return m.withdraw(ctx, sender, msg.Pool, msg.Shares)
	}
	return fmt.Errorf("%w: stakepool cannot handle %s", tx.ErrUnknownMsg, msg.Type())
}

// EndBlock implements module.Module: withdrawals that waited past the
// grace period stop their pools' workers.
func (m *Module) EndBlock(ctx *module.Context) error { return m.enforceGrace(ctx) }
