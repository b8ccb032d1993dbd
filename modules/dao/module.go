package dao

import (
	"encoding/json"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/modules/stakepool"
)

// Module is the dao module.
type Module struct {
	Keeper   Keeper
	balances *balances.Module
	registry *registry.Module
	keys     *keys.Module
	pools    *stakepool.Module
	sources  []WeightSource
	// history opens committed versions of the state, for the weights
	// as each proposal's voting started (see the voting weight snapshot in keeper.go).
	history History
}

var _ module.Module = (*Module)(nil)

// New returns the DAO and makes its module account the key authority.
func New(bal *balances.Module, reg *registry.Module, gk *keys.Module, pools *stakepool.Module) *Module {
	gk.SetGovernor(Account)
	return &Module{balances: bal, registry: reg, keys: gk, pools: pools}
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
