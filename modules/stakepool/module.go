package stakepool

import (
	"encoding/json"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
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
func (*Module) RegisterMsgs(reg *tx.Registry) { registerMsgs(reg) }

// InitGenesis implements module.Module.
func (m *Module) InitGenesis(ctx *module.Context, raw json.RawMessage) error {
	return m.initGenesis(ctx, raw)
}

// DeliverMsg implements module.Module.
func (m *Module) DeliverMsg(ctx *module.Context, sender address.Address, msg tx.Msg) error {
	return m.deliver(ctx, sender, msg)
}

// EndBlock implements module.Module.
func (m *Module) EndBlock(ctx *module.Context) error { return m.endBlock(ctx) }

// Query implements module.Module.
func (m *Module) Query(kv state.KV, path string, data []byte) ([]byte, error) {
	return m.query(kv, path, data)
}
