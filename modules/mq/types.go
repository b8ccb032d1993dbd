// Package mq is the message queue through the chain: off-chain senders
// (workers, gatekeepers, clusters, contracts) post signed messages with a
// per-origin sequence number, the chain accepts each sequence slot once and
// routes the message to the module that owns its topic; messages to
// workers leave the chain as events that a worker's light client verifies.
package mq

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"

	"github.com/phalanetwork/phala/chain/abcierr"
	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/wire"
)

// Name is the module name: genesis section, query path and key prefix.
const Name = "mq"

// Codespace of this module's errors.
const Codespace = Name

// Errors of the mq module.
var (
	ErrBadSignature      = abcierr.Register(Codespace, 2, "message signature does not verify")
	ErrStaleSequence     = abcierr.Register(Codespace, 3, "sequence already used")
	ErrGappedSequence    = abcierr.Register(Codespace, 4, "sequence skips ahead")
	ErrUnsupportedOrigin = abcierr.Register(Codespace, 5, "origin kind has no key on chain")
	ErrUnknownOrigin     = abcierr.Register(Codespace, 6, "origin not found")
	ErrNoHandler         = abcierr.Register(Codespace, 7, "no module handles the topic")
	ErrInvalidMessage    = abcierr.Register(Codespace, 8, "invalid message")
	// ErrRetiredOrigin: the origin (a worker) was retired, so nothing it
	// signs is accepted any more.
	ErrRetiredOrigin = abcierr.Register(Codespace, 9, "origin is retired")
)

// OriginKind says what kind of sender an origin is, and so which key
// signs its messages.
type OriginKind uint8

// Origin kinds.
const (
	OriginWorker     OriginKind = 1 // signed by the worker identity key
	OriginGatekeeper OriginKind = 2 // signed by the gatekeeper's key
	OriginCluster    OriginKind = 3 // signed by the cluster key
	OriginContract   OriginKind = 4 // signed by the contract key
)

// String names the kind.
func (k OriginKind) String() string {
	switch k {
	case OriginWorker:
		return "worker"
	case OriginGatekeeper:
		return "gatekeeper"
	case OriginCluster:
		return "cluster"
	case OriginContract:
		return "contract"
	}
	return fmt.Sprintf("origin(%d)", k)
}

// ParseOriginKind reads a kind name.
func ParseOriginKind(s string) (OriginKind, error) {
	for k := OriginWorker; k <= OriginContract; k++ {
		if k.String() == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("%w: unknown origin kind %q", ErrInvalidMessage, s)
}

// OriginIDSize is the size of every origin id (a public key or a 32-byte
// id).
const OriginIDSize = 32

// Origin identifies a sender.
type Origin struct {
	Kind OriginKind
	ID   [OriginIDSize]byte
}

// String is "kind/hex-id".
func (o Origin) String() string { return o.Kind.String() + "/" + hex.EncodeToString(o.ID[:]) }

// ParseOrigin reads an origin from its kind name and hex id.
func ParseOrigin(kind, id string) (Origin, error) {
	var o Origin
	k, err := ParseOriginKind(kind)
	if err != nil {
		return o, err
	}
	b, err := hex.DecodeString(id)
	if err != nil || len(b) != OriginIDSize {
		return o, fmt.Errorf("%w: origin id must be %d hex bytes", ErrInvalidMessage, OriginIDSize)
	}
	o.Kind = k
	copy(o.ID[:], b)
	return o, nil
}

// Egress is a message from the chain to an off-chain origin.
type Egress struct {
	Topic   string
	Payload []byte
}

func (e Egress) encode() []byte {
	w := wire.NewWriter(len(e.Topic) + len(e.Payload) + 8)
	w.String(e.Topic)
	w.VarBytes(e.Payload)
	return w.Bytes()
}

// DecodeEgress reads a stored egress message.
func DecodeEgress(b []byte) (Egress, error) {
	r := wire.NewReader(b)
	e := Egress{Topic: r.String(MaxTopicLen), Payload: append([]byte(nil), r.VarBytes(MaxPayloadLen)...)}
	if err := r.Done(); err != nil {
		return Egress{}, fmt.Errorf("egress message: %w", err)
	}
	return e, nil
}

// KeyResolver returns the public key that signs for an origin id, read
// from the state of the module that owns that kind of origin.
type KeyResolver func(kv state.KV, id [OriginIDSize]byte) (ed25519.PublicKey, error)

// Handler consumes a verified message of a topic the module owns.
type Handler func(ctx *module.Context, msg *SignedMessage) error

// Topics maps each topic a module owns to its handler, so that every
// module routes its topics, and refuses the others, the same way.
type Topics map[string]Handler

// Dispatch runs the handler of msg's topic; a topic t does not list is
// ErrNoHandler.
func (t Topics) Dispatch(ctx *module.Context, msg *SignedMessage) error {
	h, ok := t[msg.Topic]
	if !ok {
		return fmt.Errorf("%w: %q", ErrNoHandler, msg.Topic)
	}
	return h(ctx, msg)
}

// CheckOrigin refuses, as ErrInvalidMessage, a message whose origin is not
// of kind: each topic is posted by one kind of sender only.
func CheckOrigin(msg *SignedMessage, kind OriginKind) error {
	if msg.Origin.Kind != kind {
		return fmt.Errorf("%w: %s cannot post %s", ErrInvalidMessage, msg.Origin.Kind, msg.Topic)
	}
	return nil
}
