package clusters

import (
	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
)

// Module is the clusters module.
type Module struct {
	module.Def
	Keeper   Keeper
	registry *registry.Module
	keys     *keys.Module
	queue    *mq.Module
}

var _ module.Module = (*Module)(nil)

// New returns the clusters module over the modules it reads.
func New(reg *registry.Module, k *keys.Module, queue *mq.Module) *Module {
	m := &Module{registry: reg, keys: k, queue: queue}
	m.Def = module.Define(Name, m.initGenesis, m.endBlock, m.query,
		module.Message(TypeCreate, decodeCreate, m.handleCreate),
		module.Message(TypeAddWorker, decodeAddWorker, m.handleMember),
		module.Message(TypeRemoveWorker, decodeRemoveWorker, m.handleMember),
	)
	reg.OnRetired(m.RetireWorker)
	return m
}
