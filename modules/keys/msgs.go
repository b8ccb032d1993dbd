package keys

import (
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/chain/wire"
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
