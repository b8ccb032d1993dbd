package agents

import (
	"encoding/json"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/modules/registry"
)

// Module is the agents module. It embeds its Keeper, so the keeper's
// readers (Agent, Escrow, APIKey, ...) are the module's.
type Module struct {
	Keeper
	contracts *contracts.Module
	clusters  *clusters.Module
	registry  *registry.Module
	bank      balances.Keeper
	pools     Pools
	// sigs remembers the caller signatures of receipts that verified.
	sigs sigCache
}

var _ module.Module = (*Module)(nil)

// New returns the agents module over the modules it uses.
func New(ct *contracts.Module, cl *clusters.Module, reg *registry.Module) *Module {
	return &Module{contracts: ct, clusters: cl, registry: reg}
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
