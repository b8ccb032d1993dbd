package dao

import (
	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/modules/stakepool"
)

// Module is the dao module.
type Module struct {
	module.Def
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
	m := &Module{balances: bal, registry: reg, keys: gk, pools: pools}
	m.Def = module.Define(Name, m.initGenesis, m.endBlock, m.query,
		module.Message(TypeLock, decodeLock, m.handleLock),
		module.Message(TypeUnlock, decodeUnlock, m.handleUnlock),
		module.Message(TypePropose, decodePropose, m.handlePropose),
		module.Message(TypeVote, decodeVote, m.handleVote),
	)
	return m
}
