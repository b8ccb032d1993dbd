package computation

import (
	"encoding/json"
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
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
	// cache and shares are scratch space of EndBlock, never state.
	cache struct {
		raw []byte
		p   Params
	}
	shares []shareOf
}

var _ module.Module = (*Module)(nil)

// New returns the computation module; it reads worker records (P, operator)
// from reg.
func New(reg *registry.Module) *Module { return &Module{registry: reg} }

// Name implements module.Module.
func (*Module) Name() string { return Name }

// RegisterMsgs implements module.Module: computation has no messages.
func (*Module) RegisterMsgs(*tx.Registry) {}

// InitGenesis implements module.Module.
func (m *Module) InitGenesis(ctx *module.Context, raw json.RawMessage) error {
	g, err := parseGenesis(raw)
	if err != nil {
		return err
	}
	m.Keeper.SetParams(ctx.KV, *g.Params)
	return nil
}

// DeliverMsg implements module.Module.
func (*Module) DeliverMsg(_ *module.Context, _ address.Address, msg tx.Msg) error {
	return fmt.Errorf("%w: computation cannot handle %s", tx.ErrUnknownMsg, msg.Type())
}

// EndBlock implements module.Module: cool-downs that end are released,
// then the block is settled.
func (m *Module) EndBlock(ctx *module.Context) error {
	if err := m.releaseCooled(ctx); err != nil {
		return err
	}
	return m.settle(ctx, m.params(ctx))
}
