package balances

import (
	"fmt"

	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/pha"
)

// TypeTransfer is the message type of MsgTransfer.
const TypeTransfer = "balances/transfer"

// MsgTransfer moves Amount from the transaction sender to To.
type MsgTransfer struct {
	To     address.Address `json:"to"`
	Amount pha.Amount      `json:"amount"`
}

// Type implements tx.Msg.
func (m *MsgTransfer) Type() string { return TypeTransfer }

// Encode implements tx.Msg: the recipient's 20 bytes, then the 16-byte amount.
func (m *MsgTransfer) Encode(w *wire.Writer) {
	w.Address(m.To)
	w.Amount(m.Amount)
}

// ValidateBasic implements tx.Msg.
func (m *MsgTransfer) ValidateBasic() error {
	if m.Amount.IsZero() {
		return fmt.Errorf("%w: transfer of zero", ErrInvalidAmount)
	}
	if m.To.IsZero() {
		return fmt.Errorf("%w: zero address", ErrInvalidRecipient)
	}
	return nil
}

func decodeTransfer(r *wire.Reader) tx.Msg {
	return &MsgTransfer{To: r.Address(), Amount: r.Amount()}
}
