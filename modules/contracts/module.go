package contracts

import (
	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
)

// Module is the contracts module. It embeds its Keeper, so the keeper's
// readers (Contract, CodeInfo, Result, ...) are the module's.
type Module struct {
	module.Def
	Keeper
	clusters *clusters.Module
	queue    *mq.Module
	pools    Pools
	registry *registry.Module
}

var _ module.Module = (*Module)(nil)

// New returns the contracts module over the modules it reads and writes.
func New(cl *clusters.Module, queue *mq.Module) *Module {
	m := &Module{clusters: cl, queue: queue}
	m.Def = module.Define(Name, module.ParamsOnly(DefaultParams, errGenesis, m.setParams), m.endBlock, m.query,
		module.Message(TypeUpload, decodeUpload, m.handleUpload),
		module.Message(TypeInstantiate, decodeInstantiate, m.handleInstantiate),
		module.Message(TypeExec, decodeExec, m.handleExec),
		module.Message(TypeUpgrade, decodeUpgrade, m.handleUpgrade),
		module.Message(TypeUploadChunk, decodeUploadChunk, m.handleUploadChunk),
	)
	return m
}
