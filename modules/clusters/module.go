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
	m.Def = module.Define(Name, m.msgs(), m.initGenesis, m.endBlock, m.query)
	reg.OnRetired(m.RetireWorker)
	return m
}
