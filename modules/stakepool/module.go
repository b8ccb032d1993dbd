package stakepool

import (
	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/modules/computation"
	"github.com/phalanetwork/phala/modules/registry"
)

// Module is the stakepool module.
type Module struct {
	module.Def
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
	m.Def = module.Define(Name, module.ParamsOnly(DefaultParams, ErrBadGenesis, m.Keeper.SetParams), m.endBlock, m.query,
		module.Message(TypeCreate, decodeCreate, m.handleCreate),
		module.Message(TypeAddWorker, decodeMember[MsgAddWorker], m.handleAddWorker),
		module.Message(TypeRemoveWorker, decodeMember[MsgRemoveWorker], m.handleRemoveWorker),
		module.Message(TypeStartComputing, decodeStartComputing, m.handleStartComputing),
		module.Message(TypeStopComputing, decodeMember[MsgStopComputing], m.handleStopComputing),
		module.Message(TypeContribute, decodeContribute, m.handleContribute),
		module.Message(TypeWithdraw, decodeWithdraw, m.handleWithdraw),
	)
	comp.SetPools(m)
	return m
}
