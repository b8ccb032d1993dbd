package shielded

import (
	"github.com/phalanetwork/phala/chain/module"
)

// Module is the shielded pool module.
type Module struct {
	module.Def
	Keeper Keeper
}

var _ module.Module = (*Module)(nil)

// New returns the shielded module.
func New() *Module {
	m := &Module{Keeper: newKeeper()}
	m.Def = module.Define(Name, m.initGenesis, m.endBlock, m.query,
		module.Message(TypeShield, decodeShield, m.handleShield),
		module.Message(TypeTransfer, decodeTransfer, m.handleTransfer),
		module.Message(TypeUnshield, decodeUnshield, m.handleUnshield),
	)
	return m
}
