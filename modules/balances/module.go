package balances

import (
	"github.com/phalanetwork/phala/chain/module"
)

// Module is the balances module.
type Module struct {
	module.Def
	Keeper Keeper
}

var _ module.Module = (*Module)(nil)

// New returns the balances module.
func New() *Module {
	m := &Module{}
	m.Def = module.Define(Name, m.initGenesis, m.endBlock, m.query,
		module.Message(TypeTransfer, decodeTransfer, m.handleTransfer),
	)
	return m
}
