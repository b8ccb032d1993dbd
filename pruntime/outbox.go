package pruntime

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/sealed"
)

// outbox holds the worker's signed mq messages until the chain has them.
// It is sealed, so after a restart the worker re-sends what was in flight
// with the same sequence numbers: no gap and no duplicate.
type outbox struct {
	Next    uint64             `json:"next"`
	Pending []mq.SignedMessage `json:"pending"`
	store   *sealed.Store
}

const entryOutbox = "mq-outbox"

func loadOutbox(store *sealed.Store) (*outbox, error) {
	o := &outbox{store: store}
	raw, err := store.Get(entryOutbox)
	if errors.Is(err, sealed.ErrNotFound) {
		return o, nil
	}
	if err != nil {
		return nil, fmt.Errorf("enclave: unseal outbox: %w", err)
	}
	if err := json.Unmarshal(raw, o); err != nil {
		return nil, fmt.Errorf("enclave: sealed outbox is unreadable: %w", err)
	}
	return o, nil
}

func (o *outbox) save() error {
	raw, err := json.Marshal(o)
	if err != nil {
		return err
	}
	return o.store.Put(entryOutbox, raw)
}

// Origin is this worker as an mq origin.
func (e *Enclave) Origin() mq.Origin {
	return mq.Origin{Kind: mq.OriginWorker, ID: e.ID()}
}

// chainNext reads the origin's next sequence through the light client and
// forgets pending messages the chain already has. Callers hold e.mu.
func (e *Enclave) chainNext(ctx context.Context, src chainsync.Source) (uint64, error) {
	raw, _, err := e.sync.VerifiedState(ctx, src, mq.SequenceKey(e.Origin()))
	if err != nil {
		return 0, fmt.Errorf("enclave: read mq sequence: %w", err)
	}
	var next uint64
	if raw != nil {
		if len(raw) != 8 {
			return 0, fmt.Errorf("enclave: mq sequence record is %d bytes", len(raw))
		}
		next = binary.BigEndian.Uint64(raw)
	}
	kept := e.out.Pending[:0]
	for _, m := range e.out.Pending {
		if m.Sequence >= next {
			kept = append(kept, m)
		}
	}
	e.out.Pending = kept
	return next, nil
}

// Post signs a message from this worker with the next free sequence and
// keeps it in the sealed outbox until the chain has it.
func (e *Enclave) Post(ctx context.Context, src chainsync.Source, topic string, payload []byte) (mq.SignedMessage, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	next, err := e.chainNext(ctx, src)
	if err != nil {
		return mq.SignedMessage{}, err
	}
	seq := max(next, e.out.Next)
	m := mq.SignedMessage{Origin: e.Origin(), Topic: topic, Payload: append([]byte(nil), payload...), Sequence: seq}
	m.Sign(e.chainID, e.identity)
	e.out.Pending = append(e.out.Pending, m)
	e.out.Next = seq + 1
	if err := e.out.save(); err != nil {
		return mq.SignedMessage{}, fmt.Errorf("enclave: seal outbox: %w", err)
	}
	return m, nil
}

// Pending returns the signed messages the chain does not have yet, in
// sequence order, for the host to (re)submit.
func (e *Enclave) Pending(ctx context.Context, src chainsync.Source) ([]mq.SignedMessage, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, err := e.chainNext(ctx, src); err != nil {
		return nil, err
	}
	if err := e.out.save(); err != nil {
		return nil, err
	}
	return append([]mq.SignedMessage(nil), e.out.Pending...), nil
}

// Abandon drops the pending message with sequence seq, which the chain
// refused for a reason other than its sequence, and every later one (they
// would be gapped); the next Post reuses seq.
func (e *Enclave) Abandon(seq uint64) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	kept := e.out.Pending[:0]
	for _, m := range e.out.Pending {
		if m.Sequence < seq {
			kept = append(kept, m)
		}
	}
	e.out.Pending = kept
	if e.out.Next > seq {
		e.out.Next = seq
	}
	return e.out.save()
}

// PendingCount is how many signed messages wait in the outbox, for
// metrics; it reads no chain state.
func (e *Enclave) PendingCount() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.out.Pending)
}
