package vault

import (
	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/modules/stakepool"
)

// Module is the vault module.
type Module struct {
	module.Def
	Keeper Keeper
	pools  *stakepool.Module
}

var _ module.Module = (*Module)(nil)

// New returns the vault module over the stake pools it delegates to.
func New(pools *stakepool.Module) *Module {
	m := &Module{pools: pools}
	m.Def = module.Define(Name, m.msgs(), m.initGenesis, m.endBlock, m.query)
	return m
}
