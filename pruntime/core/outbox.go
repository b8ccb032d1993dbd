package core

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/sealed"
)

// outbox holds the worker's signed mq messages until the chain has them.
// It is sealed, so after a restart the worker re-sends what was in flight
// with the same sequence numbers: no gap and no duplicate. Next only grows:
// no sequence is signed twice, and a store whose Next is below the chain's
// is a rollback (freshness.go).
type outbox struct {
	Next    uint64             `json:"next"`
	Pending []mq.SignedMessage `json:"pending"`
	store   *sealed.Store
}

// EntryOutbox is the sealed store entry of the outbox.
const EntryOutbox = "mq-outbox"

func loadOutbox(store *sealed.Store) (*outbox, error) {
	o := &outbox{store: store}
	raw, err := store.Get(EntryOutbox)
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
	return o.store.Put(EntryOutbox, raw)
}

// Poster posts one role's kinds of message through the sealed outbox: a
// role gets a Poster for its own topics only, so the gatekeeper cannot
// post a contract's root nor the agent host a key share.
type Poster struct {
	core   *Core
	topics []string
}

// Poster returns a poster limited to topics.
func (c *Core) Poster(topics ...string) *Poster {
	return &Poster{core: c, topics: slices.Clone(topics)}
}

// Post signs a message of one of the poster's topics from this worker with
// the next free sequence and keeps it in the sealed outbox until the chain
// has it.
func (p *Poster) Post(ctx context.Context, src chainsync.Source, topic string, payload []byte) (mq.SignedMessage, error) {
	if !slices.Contains(p.topics, topic) {
		return mq.SignedMessage{}, fmt.Errorf("enclave: this role may not post %q", topic)
	}
	return p.core.post(ctx, src, topic, payload)
}

// HasPending reports whether the outbox holds a message of topic whose
// payload starts with prefix.
func (p *Poster) HasPending(topic string, prefix []byte) bool {
	c := p.core
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range c.out.Pending {
		if m.Topic == topic && bytes.HasPrefix(m.Payload, prefix) {
			return true
		}
	}
	return false
}

// chainSeq is the origin's next sequence as the chain recorded it, read
// with a proof at height, or the read's error.
type chainSeq struct {
	raw    []byte
	height int64
	err    error
}

// readChainSeq reads the origin's next sequence through the light client.
// It takes no lock: the proven read (a fetch from the node on a new
// height) keeps no other poster waiting, and a value read before c.mu is
// taken is no less safe to check: the chain's sequence only grows, and so
// does the outbox's.
func (c *Core) readChainSeq(ctx context.Context, src chainsync.Source) chainSeq {
	raw, h, err := c.Cached(ctx, src, mq.SequenceKey(c.Origin()))
	return chainSeq{raw: raw, height: h, err: err}
}

// chainNext checks the chain's sequence s against the outbox: it refuses
// while the light client runs from a signed checkpoint not yet confirmed
// (checked here, after the read, so a read made past such a checkpoint is
// never used), before the first sync, below startedAt, or with a sealed
// outbox the chain has overtaken (checkOutboxFresh), and forgets pending
// messages the chain already has. Callers hold c.mu.
func (c *Core) chainNext(s chainSeq) (uint64, error) {
	if c.joinErr != nil {
		return 0, c.joinErr
	}
	if err := c.unconfirmed(); err != nil {
		return 0, fmt.Errorf("enclave: read mq sequence: %w", err)
	}
	if s.err != nil {
		return 0, fmt.Errorf("enclave: read mq sequence: %w", s.err)
	}
	if c.startedAt == 0 {
		// Before its first sync the enclave reads the chain only as of its
		// sealed checkpoint, which a host that put back an older store
		// chose to agree with the older outbox.
		return 0, fmt.Errorf("enclave: read mq sequence: %w: the outbox signs nothing before this enclave's first sync", chainsync.ErrBehind)
	}
	if s.height < c.startedAt {
		return 0, fmt.Errorf("enclave: read mq sequence: %w: the outbox waits for the chain's state as of height %d, where this enclave started; it has %d",
			chainsync.ErrBehind, c.startedAt, s.height)
	}
	var next uint64
	if s.raw != nil {
		if len(s.raw) != 8 {
			return 0, fmt.Errorf("enclave: mq sequence record is %d bytes", len(s.raw))
		}
		next = binary.BigEndian.Uint64(s.raw)
	}
	if err := c.checkOutboxFresh(next); err != nil {
		return 0, err
	}
	c.out.Pending = slices.DeleteFunc(c.out.Pending, func(m mq.SignedMessage) bool { return m.Sequence < next })
	return next, nil
}

func (c *Core) post(ctx context.Context, src chainsync.Source, topic string, payload []byte) (mq.SignedMessage, error) {
	s := c.readChainSeq(ctx, src)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.chainNext(s); err != nil {
		return mq.SignedMessage{}, err
	}
	// Each sequence is signed once: the chain uses a worker's slot even
	// when the message's module refuses it, so nothing ever rewinds Next.
	seq := c.out.Next
	m := mq.SignedMessage{Origin: c.Origin(), Topic: topic, Payload: append([]byte(nil), payload...), Sequence: seq}
	m.Sign(c.chainID, c.identity)
	c.out.Pending = append(c.out.Pending, m)
	c.out.Next = seq + 1
	if err := c.out.save(); err != nil {
		return mq.SignedMessage{}, fmt.Errorf("enclave: seal outbox: %w", err)
	}
	return m, nil
}

// Pending returns the signed messages the chain does not have yet, in
// sequence order, for the host to (re)submit.
func (c *Core) Pending(ctx context.Context, src chainsync.Source) ([]mq.SignedMessage, error) {
	s := c.readChainSeq(ctx, src)
	c.mu.Lock()
	defer c.mu.Unlock()
	had := len(c.out.Pending)
	if _, err := c.chainNext(s); err != nil {
		return nil, err
	}
	// Seal only what changed: an fsync under c.mu keeps posts waiting.
	if len(c.out.Pending) != had {
		if err := c.out.save(); err != nil {
			return nil, fmt.Errorf("enclave: seal outbox: %w", err)
		}
	}
	return append([]mq.SignedMessage(nil), c.out.Pending...), nil
}

// PendingCount is how many signed messages wait in the outbox, for
// metrics; it reads no chain state.
func (c *Core) PendingCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.out.Pending)
}
