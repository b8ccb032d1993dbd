package keys

import (
	"fmt"

	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/pha"
)

// TypeAddGatekeeper is the message type of MsgAddGatekeeper.
const TypeAddGatekeeper = "keys/add_gatekeeper"

// MsgAddGatekeeper makes a registered worker a gatekeeper. Only the key
// authority may send it: a placeholder account named in genesis until the
// DAO governs the gatekeeper set.
type MsgAddGatekeeper struct {
	Worker [32]byte
}

// Type implements tx.Msg.
func (m *MsgAddGatekeeper) Type() string { return TypeAddGatekeeper }

// Encode implements tx.Msg.
func (m *MsgAddGatekeeper) Encode(w *wire.Writer) { w.Raw(m.Worker[:]) }

// ValidateBasic implements tx.Msg.
func (m *MsgAddGatekeeper) ValidateBasic() error { return nil }

func decodeAddGatekeeper(r *wire.Reader) tx.Msg {
	m := &MsgAddGatekeeper{}
	copy(m.Worker[:], r.Raw(32))
	return m
}

// TypeRotate is the message type of MsgRotate.
const TypeRotate = "keys/rotate"

// MsgRotate asks for a master-key rotation now. Only the key authority may
// send it until the DAO does.
type MsgRotate struct{}

// Type implements tx.Msg.
func (*MsgRotate) Type() string { return TypeRotate }

// Encode implements tx.Msg: an empty body.
func (*MsgRotate) Encode(*wire.Writer) {}

// ValidateBasic implements tx.Msg.
func (*MsgRotate) ValidateBasic() error { return nil }

// Message types of the gatekeeper bond.
const (
	TypeBond   = "keys/bond"
	TypeUnbond = "keys/unbond"
)

// MsgBond moves Amount from the sender into the bond of gatekeeper
// Gatekeeper, where it counts toward the gatekeeper's election. Only the
// operator in the gatekeeper's worker record may send it.
type MsgBond struct {
	Gatekeeper [32]byte
	Amount     pha.Amount
}

// Type implements tx.Msg.
func (*MsgBond) Type() string { return TypeBond }

// Encode implements tx.Msg: the gatekeeper id (32), then the 16-byte
// amount.
func (m *MsgBond) Encode(w *wire.Writer) { encodeBond(w, m.Gatekeeper, m.Amount) }

// ValidateBasic implements tx.Msg.
func (m *MsgBond) ValidateBasic() error { return validateBond(m.Amount) }

// MsgUnbond takes Amount out of gatekeeper Gatekeeper's bond: it stops
// counting toward the election at once and returns to the operator
// unbond_delay blocks later. Only the operator that bonded may send it.
type MsgUnbond struct {
	Gatekeeper [32]byte
	Amount     pha.Amount
}

// Type implements tx.Msg.
func (*MsgUnbond) Type() string { return TypeUnbond }

// Encode implements tx.Msg: the gatekeeper id (32), then the 16-byte
// amount.
func (m *MsgUnbond) Encode(w *wire.Writer) { encodeBond(w, m.Gatekeeper, m.Amount) }

// ValidateBasic implements tx.Msg.
func (m *MsgUnbond) ValidateBasic() error { return validateBond(m.Amount) }

func encodeBond(w *wire.Writer, id [32]byte, amount pha.Amount) {
	w.Raw(id[:])
	w.Amount(amount)
}

func validateBond(amount pha.Amount) error {
	if amount.IsZero() {
		return fmt.Errorf("%w: got zero", ErrZeroAmount)
	}
	return nil
}

func decodeBond(r *wire.Reader) tx.Msg {
	m := &MsgBond{}
	copy(m.Gatekeeper[:], r.Raw(32))
	m.Amount = r.Amount()
	return m
}

func decodeUnbond(r *wire.Reader) tx.Msg {
	m := &MsgUnbond{}
	copy(m.Gatekeeper[:], r.Raw(32))
	m.Amount = r.Amount()
	return m
}
