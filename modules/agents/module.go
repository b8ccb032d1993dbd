package agents

import (
	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/modules/registry"
)

// Module is the agents module. It embeds its Keeper, so the keeper's
// readers (Agent, Escrow, APIKey, ...) are the module's.
type Module struct {
	module.Def
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
	m := &Module{contracts: ct, clusters: cl, registry: reg}
	m.Def = module.Define(Name, m.msgs(), m.initGenesis, m.endBlock, m.query)
	return m
}
