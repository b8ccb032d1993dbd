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
	m.Def = module.Define(Name, m.initGenesis, m.endBlock, m.query,
		module.Message(TypeCreate, decodeCreate, m.handleCreate),
		module.Message(TypeDeposit, decodeDeposit, m.handleDeposit),
		module.Message(TypeWithdraw, decodeWithdraw, m.handleWithdraw),
		module.Message(TypeDelegate, decodeDelegate, m.handleDelegate),
		module.Message(TypeUndelegate, decodeUndelegate, m.handleUndelegate),
	)
	return m
}
