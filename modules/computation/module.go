package computation

import (
	"encoding/json"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/registry"
)

// Module is the computation module. It has no transactions of its own:
// sessions start and stop through the stake pool module's messages, and
// workers talk to it through the mq (TopicHeartbeat).
type Module struct {
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
	reg.OnRetired(m.retireWorker)
	return m
}

// Name implements module.Module.
func (*Module) Name() string { return Name }

// RegisterMsgs implements module.Module.
func (*Module) RegisterMsgs(reg *tx.Registry) { registerMsgs(reg) }

// InitGenesis implements module.Module.
func (m *Module) InitGenesis(ctx *module.Context, raw json.RawMessage) error {
	return m.initGenesis(ctx, raw)
}

// DeliverMsg implements module.Module.
func (m *Module) DeliverMsg(ctx *module.Context, sender address.Address, msg tx.Msg) error {
	return m.deliver(ctx, sender, msg)
}

// EndBlock implements module.Module.
func (m *Module) EndBlock(ctx *module.Context) error { return m.endBlock(ctx) }

// Query implements module.Module.
func (m *Module) Query(kv state.KV, path string, data []byte) ([]byte, error) {
	return m.query(kv, path, data)
}
