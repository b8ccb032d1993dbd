package mq

import (
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/chain/wire"
)

// TypePush is the message type of MsgPush.
const TypePush = "mq/push"

// MsgPush carries a signed message onto the chain. Any account may relay
// it (and pays the fee); the origin's signature is what counts.
type MsgPush struct {
	Message SignedMessage
}

// Type implements tx.Msg.
func (m *MsgPush) Type() string { return TypePush }

// Encode implements tx.Msg.
func (m *MsgPush) Encode(w *wire.Writer) { m.Message.Encode(w) }

// ValidateBasic implements tx.Msg.
func (m *MsgPush) ValidateBasic() error { return m.Message.Validate() }

func decodePush(r *wire.Reader) tx.Msg { return &MsgPush{Message: DecodeMessage(r)} }
