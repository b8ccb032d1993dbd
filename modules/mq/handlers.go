package mq

import (
	"errors"
	"fmt"
	"strings"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
)

// SetResolver names the module that knows the keys of an origin kind.
func (m *Module) SetResolver(kind OriginKind, r KeyResolver) { m.resolvers[kind] = r }

// Route sends messages whose topic starts with "<owner>/" to h.
func (m *Module) Route(owner string, h Handler) { m.handlers[owner] = h }

// handlePush accepts a relayed message; the relaying sender does not
// matter, only the origin's signature.
func (m *Module) handlePush(ctx *module.Context, _ address.Address, msg *MsgPush) error {
	return m.accept(ctx, &msg.Message)
}

// endBlock has nothing to do: messages move only in transactions.
func (*Module) endBlock(*module.Context) error { return nil }

// accept verifies the origin's signature and sequence, hands the message to
// its topic's module and uses the sequence slot. When replicas race for a
// slot, the first in block order wins and the others get ErrStaleSequence.
//
// A worker's slot is used once its signed message with the right sequence
// lands, whatever the topic's module makes of it: the handler runs against
// a cache that is written only when it succeeds, and a refusal is recorded
// in an EventRefused event instead of failing the transaction. So a worker
// enclave never has a reason to sign a second message under a sequence,
// and the host cannot trade a refused message for another one. Origins
// whose sequence is an input number that several replicas sign (contract
// results) keep the plain refusal: their message for a slot is a function
// of the chain's inputs, so a refused slot can only be filled by the same
// message, and one replica must not burn a slot for the others.
func (m *Module) accept(ctx *module.Context, msg *SignedMessage) error {
	resolve, ok := m.resolvers[msg.Origin.Kind]
	if !ok {
		return fmt.Errorf("%w: %s", ErrUnsupportedOrigin, msg.Origin.Kind)
	}
	pub, err := resolve(ctx.KV, msg.Origin.ID)
	if errors.Is(err, ErrRetiredOrigin) {
		// Refused outright, not an mq_refused event: a retired origin's
		// sequence slots are not its to use.
		return err
	} else if err != nil {
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
	if err := m.handle(ctx, msg); err != nil {
		var se *state.StorageError
		if msg.Origin.Kind != OriginWorker || errors.As(err, &se) {
			return err
		}
		emitRefused(ctx, msg, err)
	}
	m.Keeper.SetNextSequence(ctx.KV, msg.Origin, next+1)
	emitMessage(ctx, msg)
	return nil
}

// handle runs msg through its topic's module against a cache, written (with
// the handler's events) only if the handler succeeds.
func (m *Module) handle(ctx *module.Context, msg *SignedMessage) error {
	owner, _, _ := strings.Cut(msg.Topic, "/")
	h, ok := m.handlers[owner]
	if !ok {
		return fmt.Errorf("%w: %q", ErrNoHandler, msg.Topic)
	}
	cache := state.NewCache(ctx.KV)
	sub := ctx.WithKV(cache)
	if err := h(sub, msg); err != nil {
		return fmt.Errorf("topic %s: %w", msg.Topic, err)
	}
	cache.Write()
	for _, e := range sub.Events() {
		ctx.Emit(e.Type, e.Attributes...)
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
	m.Keeper.setNextEgress(ctx.KV, dest, seq+1)
	m.Keeper.setEgress(ctx.KV, dest, seq, Egress{Topic: topic, Payload: payload})
	emitEgress(ctx, dest, topic, seq)
	return seq
}
