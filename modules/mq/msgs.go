package mq

import (
	"crypto/ed25519"
	"fmt"

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

// Bounds on messages.
const (
	MaxTopicLen   = 64
	MaxPayloadLen = 32 << 10
)

// SignDomain prefixes what an origin signs.
const SignDomain = "phala/mq/v1\x00"

// SignedMessage is one message from an off-chain origin.
type SignedMessage struct {
	Origin    Origin
	Topic     string
	Payload   []byte
	Sequence  uint64
	Signature []byte
}

func (m *SignedMessage) encodeBody(w *wire.Writer) {
	w.Byte(byte(m.Origin.Kind))
	w.Raw(m.Origin.ID[:])
	w.String(m.Topic)
	w.VarBytes(m.Payload)
	w.Uvarint(m.Sequence)
}

// SignBytes is what the origin signs: the domain, the chain id (so a
// message cannot be replayed on another chain) and the message.
func (m *SignedMessage) SignBytes(chainID string) []byte {
	w := wire.NewWriter(64 + len(m.Payload))
	w.Raw([]byte(SignDomain))
	w.String(chainID)
	m.encodeBody(w)
	return w.Bytes()
}

// Sign signs m with key.
func (m *SignedMessage) Sign(chainID string, key ed25519.PrivateKey) {
	m.Signature = ed25519.Sign(key, m.SignBytes(chainID))
}

// Verify checks the signature against pub.
func (m *SignedMessage) Verify(chainID string, pub ed25519.PublicKey) error {
	if len(pub) != ed25519.PublicKeySize || len(m.Signature) != ed25519.SignatureSize || !ed25519.Verify(pub, m.SignBytes(chainID), m.Signature) {
		return fmt.Errorf("%w: message %d from %s", ErrBadSignature, m.Sequence, m.Origin)
	}
	return nil
}

// Encode writes the canonical encoding.
func (m *SignedMessage) Encode(w *wire.Writer) {
	m.encodeBody(w)
	w.Raw(m.Signature)
}

// Validate checks form.
func (m *SignedMessage) Validate() error {
	if m.Origin.Kind < OriginWorker || m.Origin.Kind > OriginContract {
		return fmt.Errorf("%w: origin kind %d", ErrInvalidMessage, m.Origin.Kind)
	}
	if m.Topic == "" {
		return fmt.Errorf("%w: empty topic", ErrInvalidMessage)
	}
	return nil
}

// DecodeMessage reads a SignedMessage written by Encode.
func DecodeMessage(r *wire.Reader) SignedMessage {
	var m SignedMessage
	m.Origin.Kind = OriginKind(r.Byte())
	copy(m.Origin.ID[:], r.Raw(OriginIDSize))
	m.Topic = r.String(MaxTopicLen)
	m.Payload = append([]byte(nil), r.VarBytes(MaxPayloadLen)...)
	m.Sequence = r.Uvarint()
	m.Signature = append([]byte(nil), r.Raw(ed25519.SignatureSize)...)
	return m
}
