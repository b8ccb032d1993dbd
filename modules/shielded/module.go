package shielded

import (
	"encoding/json"
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/address"
)

// Module is the shielded pool module.
type Module struct {
	Keeper Keeper
}

var _ module.Module = (*Module)(nil)

// New returns the shielded module.
func New() *Module { return &Module{Keeper: newKeeper()} }

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
	switch msg := msg.(type) {
	case *MsgShield:
		return m.handleShield(ctx, sender, msg)
	case *MsgTransfer:
		return m.handleTransfer(ctx, sender, msg)
	case *MsgUnshield:
		return m.handleUnshield(ctx, sender, msg)
	}
	return fmt.Errorf("%w: %s", tx.ErrUnknownMsg, msg.Type())
}

// EndBlock implements module.Module: it forgets roots replaced more than
// two windows ago. Between one and two windows a root is refused as stale
// (ErrStaleRoot says why); after that as unknown.
func (m *Module) EndBlock(ctx *module.Context) error {
	if keep := 2 * m.Keeper.RootWindow(ctx.KV); uint64(ctx.Height) > keep {
		m.Keeper.pruneRoots(ctx.KV, uint64(ctx.Height)-keep)
	}
	return nil
}

// Query implements module.Module.
func (m *Module) Query(kv state.KV, path string, data []byte) ([]byte, error) {
	return m.query(kv, path, data)
}
