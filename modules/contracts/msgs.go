package contracts

import (
	"fmt"

	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/chain/wire"
)

// Message types of the contracts module.
const (
	TypeUpload      = "contracts/upload"
	TypeInstantiate = "contracts/instantiate"
	TypeExec        = "contracts/exec"
	TypeUpgrade     = "contracts/upgrade"
)

// decodeLimit bounds variable fields while decoding, before any genesis
// parameter applies; the transaction size bound is the real one.
const decodeLimit = tx.MaxDecodeSize

// MsgUpload stores a code blob (one bundled ES module) under its SHA-256.
type MsgUpload struct {
	Code []byte
}

// Type implements tx.Msg.
func (*MsgUpload) Type() string { return TypeUpload }

// Encode implements tx.Msg.
func (m *MsgUpload) Encode(w *wire.Writer) { w.VarBytes(m.Code) }

// ValidateBasic implements tx.Msg.
func (m *MsgUpload) ValidateBasic() error {
	if len(m.Code) == 0 {
		return fmt.Errorf("%w: empty code", tx.ErrMalformed)
	}
	return nil
}

// MsgInstantiate creates a contract from stored code in a cluster; the
// constructor runs with Args (plaintext JSON, public on chain) as input 0.
type MsgInstantiate struct {
	Code       [32]byte
	Cluster    [32]byte
	Args       []byte
	Upgradable bool
	Gas        uint64
}

// Type implements tx.Msg.
func (*MsgInstantiate) Type() string { return TypeInstantiate }

// Encode implements tx.Msg.
func (m *MsgInstantiate) Encode(w *wire.Writer) {
	w.Raw(m.Code[:])
	w.Raw(m.Cluster[:])
	w.VarBytes(m.Args)
	w.Bool(m.Upgradable)
	w.Uvarint(m.Gas)
}

// ValidateBasic implements tx.Msg.
func (m *MsgInstantiate) ValidateBasic() error { return nil }

// MsgExec queues a command sealed to the contract's key.
type MsgExec struct {
	Contract [32]byte
	// Envelope is an encoded crypto/envelope sealed to the contract's
	// X25519 key with purpose contract-command and the sender's address as
	// the envelope sender.
	Envelope []byte
	// Gas is this command's limit; 0 means the chain's limit.
	Gas uint64
}

// Type implements tx.Msg.
func (*MsgExec) Type() string { return TypeExec }

// Encode implements tx.Msg.
func (m *MsgExec) Encode(w *wire.Writer) {
	w.Raw(m.Contract[:])
	w.VarBytes(m.Envelope)
	w.Uvarint(m.Gas)
}

// ValidateBasic implements tx.Msg.
func (m *MsgExec) ValidateBasic() error {
	if len(m.Envelope) == 0 {
		return fmt.Errorf("%w: empty command", tx.ErrMalformed)
	}
	return nil
}

// MsgUpgrade switches an upgradable contract to other stored code; the
// switch is an input, so it lands between commands in block order.
type MsgUpgrade struct {
	Contract [32]byte
	Code     [32]byte
}

// Type implements tx.Msg.
func (*MsgUpgrade) Type() string { return TypeUpgrade }

// Encode implements tx.Msg.
func (m *MsgUpgrade) Encode(w *wire.Writer) {
	w.Raw(m.Contract[:])
	w.Raw(m.Code[:])
}

// ValidateBasic implements tx.Msg.
func (*MsgUpgrade) ValidateBasic() error { return nil }

func (mod *Module) registerMsgs(reg *tx.Registry) {
	reg.Register(TypeUpload, func(r *wire.Reader) tx.Msg { return &MsgUpload{Code: append([]byte(nil), r.VarBytes(decodeLimit)...)} })
	reg.Register(TypeInstantiate, func(r *wire.Reader) tx.Msg {
		m := &MsgInstantiate{}
		copy(m.Code[:], r.Raw(32))
		copy(m.Cluster[:], r.Raw(32))
		m.Args = append([]byte(nil), r.VarBytes(decodeLimit)...)
		m.Upgradable = r.Bool()
		m.Gas = r.Uvarint()
		return m
	})
	reg.Register(TypeExec, func(r *wire.Reader) tx.Msg {
		m := &MsgExec{}
		copy(m.Contract[:], r.Raw(32))
		m.Envelope = append([]byte(nil), r.VarBytes(decodeLimit)...)
		m.Gas = r.Uvarint()
		return m
	})
	reg.Register(TypeUpgrade, func(r *wire.Reader) tx.Msg {
		m := &MsgUpgrade{}
		copy(m.Contract[:], r.Raw(32))
		copy(m.Code[:], r.Raw(32))
		return m
	})
}
