package mq

import (
	"github.com/phalanetwork/phala/chain/module"
)

// Module is the mq module.
type Module struct {
	module.Def
	Keeper    Keeper
	resolvers map[OriginKind]KeyResolver
	handlers  map[string]Handler
}

var _ module.Module = (*Module)(nil)

// New returns the mq module with no resolvers or topics; the app wires
// them from the modules that own them.
func New() *Module {
	m := &Module{resolvers: map[OriginKind]KeyResolver{}, handlers: map[string]Handler{}}
	m.Def = module.Define(Name, m.initGenesis, m.endBlock, m.query,
		module.Message(TypePush, decodePush, m.handlePush),
	)
	return m
}
