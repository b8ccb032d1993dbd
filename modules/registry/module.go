package registry

import (
	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/modules/mq"
)

// Module is the registry module.
type Module struct {
	module.Def
	Keeper     Keeper
	queue      *mq.Module
	registered []func(ctx *module.Context, w Worker, isNew bool) error
	retired    []func(ctx *module.Context, w Worker) error
}

var _ module.Module = (*Module)(nil)

// New returns the registry module.
func New() *Module {
	m := &Module{}
	m.Def = module.Define(Name, m.initGenesis, m.endBlock, m.query,
		module.Message(TypeRegisterWorker, decodeRegisterWorker, m.handleRegisterWorker),
		module.Message(TypeUpdateEndpoint, decodeUpdateEndpoint, m.handleUpdateEndpoint),
		module.Message(TypeRequestKey, decodeRequestKey, m.handleRequestKey),
	)
	return m
}
