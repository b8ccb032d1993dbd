package computation

import (
	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/modules/registry"
)

// Module is the computation module. It has no transactions of its own:
// sessions start and stop through the stake pool module's messages, and
// workers talk to it through the mq (TopicHeartbeat).
type Module struct {
	module.Def
	Keeper   Keeper
	registry *registry.Module
	pools    Pools
	// cache is scratch space of EndBlock, never state.
	cache struct {
		raw []byte
		p   Params
	}
}

var _ module.Module = (*Module)(nil)

// New returns the computation module; it reads worker records (P, operator)
// from reg, and stops the session of a worker reg retires.
func New(reg *registry.Module) *Module {
	m := &Module{registry: reg}
	m.Def = module.Define(Name, module.ParamsOnly(DefaultParams, ErrBadGenesis, m.Keeper.SetParams), m.endBlock, m.query)
	reg.OnRetired(m.retireWorker)
	return m
}
