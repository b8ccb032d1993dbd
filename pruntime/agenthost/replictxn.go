package agenthost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/phalanetwork/phala/pruntime/chainsync"
)

// ErrStateUnavailable is a call that could not read or write its agent's
// replicated state (no majority, or the state moved): the worker answers
// 503 and the caller may try again.
var ErrStateUnavailable = errors.New("agent state unavailable")

// agentLocks serializes the kv of each agent on this worker: a hop holds
// its agent's lock from its first kv access to its commit, so concurrent
// calls never lose an update.
type agentLocks struct {
	mu sync.Mutex
	ch map[[32]byte]chan struct{}
}

func (l *agentLocks) chanOf(id [32]byte) chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ch == nil {
		l.ch = map[[32]byte]chan struct{}{}
	}
	c, ok := l.ch[id]
	if !ok {
		c = make(chan struct{}, 1)
		l.ch[id] = c
	}
	return c
}

// lock waits for the agent's lock until ctx ends.
func (l *agentLocks) lock(ctx context.Context, id [32]byte) (func(), error) {
	c := l.chanOf(id)
	select {
	case c <- struct{}{}:
		return func() { <-c }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("kv: waiting for agent %x's other calls: %w", id[:8], ctx.Err())
	}
}

// tryLock takes the agent's lock if it is free.
func (l *agentLocks) tryLock(id [32]byte) (func(), bool) {
	c := l.chanOf(id)
	select {
	case c <- struct{}{}:
		return func() { <-c }, true
	default:
		return nil, false
	}
}

// kvTxn is one hop's view of its agent's state: the state as of the hop's
// first kv access (locked, and synced if this member was not current)
// with the hop's writes over it, and the lines it logged. A hop calling
// its own agent again (agents.call) shares the outer hop's.
type kvTxn struct {
	host *Host
	ctx  context.Context
	src  chainsync.Source
	id   [32]byte

	mu     sync.Mutex
	unlock func()
	ac     agentCluster
	base   Head
	kv     map[string]string
	op     Op
	// read is set once the hop read kv.
	read bool
	// err is the first failure to read the state, which fails the call.
	err error
}

// openTxn returns the hop's transaction on agent id and whether the hop
// made it (and so commits it): a hop calling an agent that a hop before it
// in the call holds shares that one's (it would wait for its own lock
// otherwise), any other opens its own.
func (cc *callCtx) openTxn(host *Host, ctx context.Context, src chainsync.Source, id [32]byte) (*kvTxn, bool) {
	if t, ok := cc.held[id]; ok {
		return t, false
	}
	t := &kvTxn{host: host, ctx: ctx, src: src, id: id}
	held := make(map[[32]byte]*kvTxn, len(cc.held)+1)
	for k, v := range cc.held {
		held[k] = v
	}
	held[id] = t
	cc.held = held
	return t, true
}

// begin takes the agent's lock and reads its state, syncing first when
// this member is not current; t.mu is held.
func (t *kvTxn) begin() error {
	if t.unlock != nil {
		return nil
	}
	ac, err := t.host.clusterOf(t.ctx, t.src, t.id, false)
	if err != nil {
		t.err = fmt.Errorf("kv: %w", err)
		return t.err
	}
	unlock, err := t.host.locks.lock(t.ctx, t.id)
	if err != nil {
		t.err = err
		return err
	}
	st, current, err := t.host.lockedState(t.id)
	if err == nil && !current {
		if err = t.host.syncState(t.ctx, ac, t.id); err == nil {
			st, _, err = t.host.lockedState(t.id)
		}
	}
	if err != nil {
		unlock()
		t.err = fmt.Errorf("kv: %w", err)
		return t.err
	}
	t.unlock, t.ac, t.base, t.kv = unlock, ac, st.Head, st.KV
	return nil
}

// lockedState reads an agent's state and whether this member is current
// on it.
func (host *Host) lockedState(id [32]byte) (*agentState, bool, error) {
	host.mu.Lock()
	defer host.mu.Unlock()
	st, err := host.loadState(id)
	return st, host.current[id], err
}

func (t *kvTxn) get(k string) (*string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.begin(); err != nil {
		return nil, err
	}
	t.read = true
	if v, ok := t.kv[k]; ok {
		return &v, nil
	}
	return nil, nil
}

func (t *kvTxn) set(k string, v *string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.begin(); err != nil {
		return err
	}
	old, had := t.kv[k]
	if v == nil {
		delete(t.kv, k)
	} else {
		t.kv[k] = *v
	}
	if raw, _ := json.Marshal(t.kv); len(raw) > maxKVBytes {
		if had {
			t.kv[k] = old
		} else {
			delete(t.kv, k)
		}
		return fmt.Errorf("kv: the agent's store would exceed %d bytes", maxKVBytes)
	}
	t.op.Writes = append(t.op.Writes, Write{Key: k, Value: v})
	return nil
}

func (t *kvTxn) log(line LogLine) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.op.Log = append(t.op.Log, line)
}

// commit makes the hop's writes and log lines the agent's next write: it
// seals them, has a majority of the cluster's members (this one included)
// apply them, then applies them here, all before the call answers. A
// failed hop commits its log lines only. A hop that read kv and wrote
// nothing has its read confirmed by a majority (confirmRead), or by its
// log lines' acks. It always releases the lock and says whether the
// call's answer depends on it (the hop wrote, or read state it confirms).
func (t *kvTxn) commit(failed bool) (bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	defer func() {
		if t.unlock != nil {
			t.unlock()
			t.unlock = nil
		}
	}()
	if failed {
		t.op.Writes = nil
	}
	writes := len(t.op.Writes) > 0
	// A sync's snapshots carry no nonce (a host could replay old ones),
	// so a read after one is confirmed like any other.
	binding := writes || (!failed && t.read)
	if len(t.op.Log) == 0 && !writes {
		if !binding {
			return false, nil
		}
		return true, t.host.confirmRead(t.ctx, t.ac, t.id, t.base)
	}
	prev := t.err
	if err := t.begin(); err != nil {
		if !binding {
			// Log lines alone: losing them fails nothing, so a member that
			// cannot reach a majority still answers calls that keep no state.
			t.err = prev
		}
		return binding, err
	}
	return binding, t.host.replicate(t.ctx, t.ac, t.id, t.base, t.op)
}

// endHop ends a hop: the hop that opened the agent's transaction commits
// it (the lines only, if the handler failed). A hop whose state could not
// be read or written fails with ErrStateUnavailable, whatever the handler
// did; a lost log line of a failed call fails nothing.
func (host *Host) endHop(txn *kvTxn, own bool, callErr error) error {
	if callErr != nil {
		txn.log(host.logLine("error", "call failed: "+callErr.Error()))
	}
	if own {
		if binding, err := txn.commit(callErr != nil); err != nil && binding {
			return fmt.Errorf("%w: %w", ErrStateUnavailable, err)
		}
	}
	txn.mu.Lock()
	stErr := txn.err
	txn.mu.Unlock()
	if stErr != nil {
		return fmt.Errorf("%w: %w", ErrStateUnavailable, stErr)
	}
	if callErr != nil {
		return fmt.Errorf("%w: %w", ErrAgentFailed, callErr)
	}
	return nil
}

// replicate makes op the agent's write after base: sealed, sent to the
// other members, and applied here once a majority has it.
func (host *Host) replicate(ctx context.Context, ac agentCluster, id [32]byte, base Head, op Op) error {
	self := host.core.ID()
	m, err := newMsg(ac.key, id, self, ac.epoch, base, op)
	if err != nil {
		return err
	}
	host.mu.Lock()
	peers := host.peers
	host.mu.Unlock()
	var acks []Ack
	if peers != nil && len(ac.members) > 1 {
		raw, _ := json.Marshal(m)
		for _, b := range peers.Replicate(ctx, ac.cluster, raw) {
			var a Ack
			if json.Unmarshal(b, &a) == nil {
				acks = append(acks, a)
			}
		}
	}
	got := 1 + countAcks(ac.key, m, self, acks, ac.isMember)
	host.mu.Lock()
	defer host.mu.Unlock()
	st, err := host.loadState(id)
	if err != nil {
		return err
	}
	if st.Head != base {
		host.setCurrent(id, false)
		return fmt.Errorf("%w: at sequence %d, the call began at %d", ErrStateMoved, st.Head.Seq, base.Seq)
	}
	if need := quorum(len(ac.members)); got < need {
		// Another member may hold a newer write that refused this one:
		// sync before the next call.
		host.setCurrent(id, false)
		return fmt.Errorf("%w: %d of %d applied sequence %d, %d needed", ErrNoQuorum, got, len(ac.members), m.Seq, need)
	}
	st.apply(op, Head{Seq: m.Seq, Hash: m.Hash()})
	host.setCurrent(id, true)
	return host.saveState(id, st)
}
