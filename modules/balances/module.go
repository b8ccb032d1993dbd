package balances

import (
	"encoding/json"
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/address"
)

// Module is the balances module.
type Module struct {
	Keeper Keeper
}

var _ module.Module = (*Module)(nil)

// New returns the balances module.
func New() *Module { return &Module{} }

// Name implements module.Module.
func (*Module) Name() string { return Name }

// RegisterMsgs implements module.Module.
func (*Module) RegisterMsgs(reg *tx.Registry) {
	reg.Register(TypeTransfer, decodeTransfer)
}

// InitGenesis implements module.Module.
func (m *Module) InitGenesis(ctx *module.Context, raw json.RawMessage) error {
	g, err := parseGenesis(raw)
	if err != nil {
		return err
	}
	for _, a := range g.Allocations {
		if err := m.Keeper.Add(ctx.KV, a.Addr(), a.Amount); err != nil {
			return fmt.Errorf("genesis allocation %s: %w", a.Name, err)
		}
	}
	ctx.KV.Set(keySupply, TotalSupply.Bytes())
	return nil
}

// DeliverMsg implements module.Module.
func (m *Module) DeliverMsg(ctx *module.Context, sender address.Address, msg tx.Msg) error {
	switch msg := msg.(type) {
	case *MsgTransfer:
		return m.transfer(ctx, sender, msg)
	}
	return fmt.Errorf("%w: balances cannot handle %s", tx.ErrUnknownMsg, msg.Type())
}

func (m *Module) transfer(ctx *module.Context, sender address.Address, msg *MsgTransfer) error {
	if err := m.Keeper.Transfer(ctx.KV, sender, msg.To, msg.Amount); err != nil {
		return fmt.Errorf("transfer: %w", err)
	}
	emitTransfer(ctx, sender, msg.To, msg.Amount)
	return nil
}

// EndBlock implements module.Module.
func (*Module) EndBlock(*module.Context) error { return nil }
