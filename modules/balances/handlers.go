package balances

import (
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/address"
)

// handleTransfer moves the amount from the sender to the recipient.
func (m *Module) handleTransfer(ctx *module.Context, sender address.Address, msg *MsgTransfer) error {
	if err := m.Keeper.Transfer(ctx.KV, sender, msg.To, msg.Amount); err != nil {
		return fmt.Errorf("transfer: %w", err)
	}
	emitTransfer(ctx, sender, msg.To, msg.Amount)
	return nil
}

// endBlock has nothing to do: balances change only in transactions.
func (*Module) endBlock(*module.Context) error { return nil }

// deliver runs msg through the handler of its type.
func (m *Module) deliver(ctx *module.Context, sender address.Address, msg tx.Msg) error {
	return module.Deliver(Name, ctx, sender, msg,
		module.Handle(m.handleTransfer),
	)
}
