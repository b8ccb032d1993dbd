package mq

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/address"
)

// KeyResolver returns the public key that signs for an origin id, read
// from the state of the module that owns that kind of origin.
type KeyResolver func(kv state.KV, id [OriginIDSize]byte) (ed25519.PublicKey, error)

// Handler consumes a verified message of a topic the module owns.
type Handler func(ctx *module.Context, msg *SignedMessage) error

// Module is the mq module.
type Module struct {
	Keeper    Keeper
	resolvers map[OriginKind]KeyResolver
	handlers  map[string]Handler
}

var _ module.Module = (*Module)(nil)

// New returns the mq module with no resolvers or topics; the app wires
// them from the modules that own them.
func New() *Module {
	return &Module{resolvers: map[OriginKind]KeyResolver{}, handlers: map[string]Handler{}}
}

// SetResolver names the module that knows the keys of an origin kind.
func (m *Module) SetResolver(kind OriginKind, r KeyResolver) { m.resolvers[kind] = r }

// Route sends messages whose topic starts with "<owner>/" to h.
func (m *Module) Route(owner string, h Handler) { m.handlers[owner] = h }

// Name implements module.Module.
func (*Module) Name() string { return Name }

// RegisterMsgs implements module.Module.
func (*Module) RegisterMsgs(reg *tx.Registry) { reg.Register(TypePush, decodePush) }

// InitGenesis implements module.Module; mq has no genesis state.
func (*Module) InitGenesis(*module.Context, json.RawMessage) error { return nil }

// EndBlock implements module.Module.
func (*Module) EndBlock(*module.Context) error { return nil }

// DeliverMsg implements module.Module.
func (m *Module) DeliverMsg(ctx *module.Context, _ address.Address, msg tx.Msg) error {
	p, ok := msg.(*MsgPush)
	if !ok {
		return fmt.Errorf("%w: mq cannot handle %s", tx.ErrUnknownMsg, msg.Type())
	}
	return m.accept(ctx, &p.Message)
}

// accept verifies the origin's signature and sequence, hands the message to
// its topic's module and uses the sequence slot. When replicas race for a
// slot, the first in block order wins and the others get ErrStaleSequence.
func (m *Module) accept(ctx *module.Context, msg *SignedMessage) error {
	resolve, ok := m.resolvers[msg.Origin.Kind]
	if !ok {
		return fmt.Errorf("%w: %s", ErrUnsupportedOrigin, msg.Origin.Kind)
	}
	pub, err := resolve(ctx.KV, msg.Origin.ID)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrUnknownOrigin, msg.Origin, err)
	}
	if err := msg.Verify(ctx.ChainID, pub); err != nil {
		return err
	}
	next := m.Keeper.NextSequence(ctx.KV, msg.Origin)
	switch {
	case msg.Sequence < next:
		return fmt.Errorf("%w: %s sent %d, next is %d", ErrStaleSequence, msg.Origin, msg.Sequence, next)
	case msg.Sequence > next:
		return fmt.Errorf("%w: %s sent %d, next is %d", ErrGappedSequence, msg.Origin, msg.Sequence, next)
	}
	owner, _, _ := strings.Cut(msg.Topic, "/")
	h, ok := m.handlers[owner]
	if !ok {
		return fmt.Errorf("%w: %q", ErrNoHandler, msg.Topic)
	}
	if err := h(ctx, msg); err != nil {
		return fmt.Errorf("topic %s: %w", msg.Topic, err)
	}
	m.Keeper.SetNextSequence(ctx.KV, msg.Origin, next+1)
	if ctx.Recording() {
		ctx.Emit(EventMessage, module.Indexed(AttrOrigin, msg.Origin.String()), module.Indexed(AttrTopic, msg.Topic),
			module.Attr(AttrSequence, strconv.FormatUint(msg.Sequence, 10)))
	}
	return nil
}

// Send queues a message from the chain to an off-chain destination. The
// message is kept in state under EgressMessageKey, where the destination's
// light client reads it with a Merkle proof; events are not covered by the
// block header's results hash, so the event emitted here is only a hint
// that something arrived. The payload must already be encrypted if it is
// secret.
func (m *Module) Send(ctx *module.Context, dest Origin, topic string, payload []byte) uint64 {
	seq := m.Keeper.NextEgress(ctx.KV, dest)
	writeSeq(ctx.KV, EgressKey(dest), seq+1)
	ctx.KV.Set(EgressMessageKey(dest, seq), Egress{Topic: topic, Payload: payload}.encode())
	ctx.Emit(EventEgress, module.Indexed(AttrDestination, dest.String()), module.Indexed(AttrTopic, topic),
		module.Attr(AttrSequence, strconv.FormatUint(seq, 10)))
	return seq
}
