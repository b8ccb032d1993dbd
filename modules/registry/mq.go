package registry

import (
	"crypto/ed25519"
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/modules/mq"
)

// Topics of the registry.
const (
	// TopicBenchmark (worker to chain) carries a worker's latest benchmark
	// score (a uvarint).
	TopicBenchmark = "registry/benchmark"
	// TopicRegistered (chain to worker) carries the height (a uvarint) at
	// which the chain accepted the worker's attestation.
	TopicRegistered = "registry/registered"
)

// ResolveWorkerKey is the mq key resolver for worker origins: a worker's
// messages are signed by its identity key, which is its id.
func (m *Module) ResolveWorkerKey(kv state.KV, id [mq.OriginIDSize]byte) (ed25519.PublicKey, error) {
	if _, ok := m.Keeper.Worker(kv, WorkerID(id)); !ok {
		return nil, fmt.Errorf("%w: %x", ErrUnknownWorker, id)
	}
	return ed25519.PublicKey(append([]byte(nil), id[:]...)), nil
}

// HandleMQ consumes messages on "registry/..." topics.
func (m *Module) HandleMQ(ctx *module.Context, msg *mq.SignedMessage) error {
	if msg.Origin.Kind != mq.OriginWorker {
		return fmt.Errorf("%w: %s cannot post %s", mq.ErrInvalidMessage, msg.Origin.Kind, msg.Topic)
	}
	switch msg.Topic {
	case TopicBenchmark:
		r := wire.NewReader(msg.Payload)
		score := r.Uvarint()
		if err := r.Done(); err != nil || score == 0 {
			return fmt.Errorf("%w: benchmark payload must be a non-zero uvarint", mq.ErrInvalidMessage)
		}
		w, ok := m.Keeper.Worker(ctx.KV, WorkerID(msg.Origin.ID))
		if !ok {
			return fmt.Errorf("%w: %x", ErrUnknownWorker, msg.Origin.ID)
		}
		w.BenchmarkScore = score
		m.Keeper.SetWorker(ctx.KV, w)
		return nil
	}
	return fmt.Errorf("%w: %q", mq.ErrNoHandler, msg.Topic)
}
