package balances

import (
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
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
