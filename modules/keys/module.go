package keys

import (
	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
)

// Module is the keys module.
type Module struct {
	module.Def
	Keeper       Keeper
	registry     *registry.Module
	queue        *mq.Module
	onGeneration func(ctx *module.Context, generation uint64)
	// governor is the DAO's module account: it is always the authority.
	governor address.Address
}

var _ module.Module = (*Module)(nil)

// New returns the keys module; it reads worker records from reg and talks
// to gatekeepers through queue.
func New(reg *registry.Module, queue *mq.Module) *Module {
	m := &Module{registry: reg, queue: queue}
	m.Def = module.Define(Name, m.initGenesis, m.endBlock, m.query,
		module.Message(TypeAddGatekeeper, decodeAddGatekeeper, m.handleAddGatekeeper),
		module.Message(TypeRotate, decodeRotate, m.handleRotate),
		module.Message(TypeBond, decodeBond[MsgBond], m.handleBond),
		module.Message(TypeUnbond, decodeBond[MsgUnbond], m.handleUnbond),
	)
	reg.OnRegistered(m.appointGenesisGatekeeper)
	reg.OnRetired(m.retireGatekeeper)
	return m
}
