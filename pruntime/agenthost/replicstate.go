package agenthost

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/sealed"
)

// Peers carries agent-state replication between a cluster's members; the
// worker host implements it over HTTP. It sees only sealed messages, MACs
// and sealed snapshots.
type Peers interface {
	// Replicate sends a replication message to the cluster's other
	// members and returns the answers (acks) that came back.
	Replicate(ctx context.Context, cluster [32]byte, msg []byte) [][]byte
	// Snapshots sends a snapshot query (a StateQuery) to the cluster's
	// other members and returns the answers (their sealed state of the
	// agent) that came back.
	Snapshots(ctx context.Context, cluster [32]byte, query []byte) [][]byte
	// Heads sends a head query (a StateQuery) to the cluster's other
	// members and returns the answers that came back.
	Heads(ctx context.Context, cluster [32]byte, query []byte) [][]byte
}

// SetPeers sets how replication reaches the other members; call it before
// serving. Without peers only a one-member cluster's agents can write.
func (host *Host) SetPeers(p Peers) {
	host.mu.Lock()
	defer host.mu.Unlock()
	host.peers = p
}

// agentState is what a member holds of an agent: its chain head, kv and
// log.
type agentState struct {
	Head Head              `json:"head"`
	KV   map[string]string `json:"kv"`
	Log  []LogLine         `json:"log"`
}

// setCurrent records whether this member knows it is up to date on an
// agent: it made the agent's last write or synced from a majority since
// this process started. A member that applied another's write, or just
// started (it may have been down while others wrote), is not, and syncs
// before it serves. host.mu is held.
func (host *Host) setCurrent(id [32]byte, current bool) {
	if host.current == nil {
		host.current = map[[32]byte]bool{}
	}
	host.current[id] = current
}

func stateEntry(id [32]byte) string { return "agent-state/" + hex.EncodeToString(id[:]) }

// loadState reads an agent's state; host.mu is held. A worker from before
// replication has the kv and log in entries of their own: they start the
// chain at sequence 0.
func (host *Host) loadState(id [32]byte) (*agentState, error) {
	st := &agentState{KV: map[string]string{}}
	raw, err := host.store.Get(stateEntry(id))
	if err == nil {
		return st, json.Unmarshal(raw, st)
	}
	if !errors.Is(err, sealed.ErrNotFound) {
		return nil, err
	}
	if raw, err := host.store.Get("agent-kv/" + hex.EncodeToString(id[:])); err == nil {
		json.Unmarshal(raw, &st.KV)
	}
	if raw, err := host.store.Get("agent-log/" + hex.EncodeToString(id[:])); err == nil {
		json.Unmarshal(raw, &st.Log)
	}
	return st, nil
}

// saveState writes an agent's state; host.mu is held.
func (host *Host) saveState(id [32]byte, st *agentState) error {
	raw, err := json.Marshal(st)
	if err != nil {
		return err
	}
	delete(host.heads, id)
	if err := host.store.Put(stateEntry(id), raw); err != nil {
		return err
	}
	host.setHead(id, st.Head)
	return nil
}

// headOf is an agent's head as this member holds it, loaded once from its
// state and then kept as saveState writes it; host.mu is held.
func (host *Host) headOf(id [32]byte) (Head, error) {
	if h, ok := host.heads[id]; ok {
		return h, nil
	}
	st, err := host.loadState(id)
	if err != nil {
		return Head{}, err
	}
	host.setHead(id, st.Head)
	return st.Head, nil
}

// setHead records an agent's head; host.mu is held.
func (host *Host) setHead(id [32]byte, h Head) {
	if host.heads == nil {
		host.heads = map[[32]byte]Head{}
	}
	host.heads[id] = h
}

// apply applies op to st.
func (st *agentState) apply(op Op, head Head) {
	for _, w := range op.Writes {
		if w.Value == nil {
			delete(st.KV, w.Key)
		} else {
			st.KV[w.Key] = *w.Value
		}
	}
	st.Log = append(st.Log, op.Log...)
	if len(st.Log) > maxLogLines {
		st.Log = st.Log[len(st.Log)-maxLogLines:]
	}
	st.Head = head
}

// agentCluster is what replication needs of an agent's chain records: its
// cluster's members, the epoch and the state key of the epoch.
type agentCluster struct {
	cluster [32]byte
	epoch   uint64
	members map[[32]byte]bool
	key     []byte
}

func (ac agentCluster) isMember(id [32]byte) bool { return ac.members[id] }

// clusterTTL is how long an agent's cluster read from the chain is
// reused: every replicated write needs it on every member, and a fresh
// read after each block costs a proof round trip to the node. A member
// change moves the epoch, and a message of an epoch other than the cached
// one reads the chain again.
const clusterTTL = 2 * time.Second

type cachedCluster struct {
	ac agentCluster
	at time.Time
}

// clusterOf is readCluster, reused for clusterTTL unless fresh is set.
func (host *Host) clusterOf(ctx context.Context, src chainsync.Source, id [32]byte, fresh bool) (agentCluster, error) {
	now := host.clock()
	host.mu.Lock()
	c, ok := host.clusters[id]
	host.mu.Unlock()
	if ok && !fresh && now.Sub(c.at) < clusterTTL {
		return c.ac, nil
	}
	ac, err := host.readCluster(ctx, src, id)
	if err != nil {
		return ac, err
	}
	host.mu.Lock()
	if host.clusters == nil {
		host.clusters = map[[32]byte]cachedCluster{}
	}
	host.clusters[id] = cachedCluster{ac: ac, at: now}
	host.mu.Unlock()
	return ac, nil
}

// readCluster reads an agent's cluster and this worker's state key for it,
// refusing a worker that is not a member holding the epoch's key.
func (host *Host) readCluster(ctx context.Context, src chainsync.Source, id [32]byte) (agentCluster, error) {
	_, rec, _, err := host.agentRecords(ctx, src, id)
	if err != nil {
		return agentCluster{}, err
	}
	ac := agentCluster{cluster: [32]byte(rec.Cluster), epoch: rec.KeyEpoch, members: map[[32]byte]bool{}}
	raw, _, err := host.core.Cached(ctx, src, clusters.ClusterKey(ac.cluster))
	if err != nil {
		return ac, err
	}
	var c clusters.Cluster
	if err := json.Unmarshal(raw, &c); err != nil {
		return ac, fmt.Errorf("agent state: cluster record: %w", err)
	}
	for _, m := range c.Members {
		ac.members[[32]byte(m)] = true
	}
	if !ac.members[host.core.ID()] {
		return ac, fmt.Errorf("%w: this worker is not in cluster %x", ErrNotMember, ac.cluster[:8])
	}
	k, ok, err := host.core.ContractKey(ac.cluster, id, ac.epoch)
	if err != nil || !ok {
		return ac, fmt.Errorf("%w: this worker holds no key of the agent's epoch %d: %v", ErrNotMember, ac.epoch, err)
	}
	ac.key = k.SubKey(stateKeyLabel)
	return ac, nil
}

// ApplyReplication applies another member's replication message and
// answers its ack. A member that missed writes (a gap) first syncs from
// the others, then applies; a replayed, reordered, foreign or forged
// message is refused with the check that failed.
func (host *Host) ApplyReplication(ctx context.Context, src chainsync.Source, raw []byte) ([]byte, error) {
	var m ReplMsg
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("agent state: replication message: %w", err)
	}
	ac, err := host.clusterOf(ctx, src, m.Agent, false)
	if err == nil && (ac.epoch != m.Epoch || !ac.isMember(m.From)) {
		ac, err = host.clusterOf(ctx, src, m.Agent, true)
	}
	if err != nil {
		return nil, err
	}
	if m.From == host.core.ID() {
		return nil, fmt.Errorf("%w: a message from this worker itself", ErrReplayed)
	}
	op, err := openMsg(ac.key, m)
	if err != nil {
		return nil, err
	}
	err = host.applyMsg(ac, m, op)
	if errors.Is(err, ErrGap) || errors.Is(err, ErrChainBroken) {
		// Behind (down, late) or holding a write never acknowledged:
		// catch up from the others if no call here holds the agent.
		if unlock, ok := host.locks.tryLock(m.Agent); ok {
			serr := host.syncState(ctx, ac, m.Agent)
			unlock()
			if serr == nil {
				err = host.applyMsg(ac, m, op)
			}
		}
	}
	if err != nil {
		return nil, err
	}
	return json.Marshal(newAck(ac.key, m, host.core.ID()))
}

// applyMsg checks m against this member's head and applies it.
func (host *Host) applyMsg(ac agentCluster, m ReplMsg, op Op) error {
	host.mu.Lock()
	defer host.mu.Unlock()
	st, err := host.loadState(m.Agent)
	if err != nil {
		return err
	}
	if err := checkNext(st.Head, m, ac.epoch, ac.isMember); err != nil {
		return err
	}
	st.apply(op, Head{Seq: m.Seq, Hash: m.Hash()})
	host.setCurrent(m.Agent, false)
	return host.saveState(m.Agent, st)
}

// AgentSnapshot answers another member's snapshot query (a StateQuery)
// with this member's state of the agent sealed under the agent's state
// key: only a member of the agent's cluster opens it.
func (host *Host) AgentSnapshot(ctx context.Context, src chainsync.Source, raw []byte) ([]byte, error) {
	q, ac, err := host.admitQuery(ctx, src, raw, labelSnapshotQuery)
	if err != nil {
		return nil, err
	}
	if err := host.takeSnapshotQuery(q.Member); err != nil {
		return nil, err
	}
	host.mu.Lock()
	st, err := host.loadState(q.Agent)
	host.mu.Unlock()
	if err != nil {
		return nil, err
	}
	s, err := newSnapshot(ac.key, q.Agent, host.core.ID(), ac.epoch, st)
	if err != nil {
		return nil, err
	}
	return json.Marshal(s)
}

// syncState brings this member's state of an agent up to the latest a
// majority holds: the highest sequence among its own and the other
// members' snapshots (at least a majority of the members answering, so
// every acknowledged write is among them). The caller holds the agent's
// call lock.
func (host *Host) syncState(ctx context.Context, ac agentCluster, id [32]byte) error {
	host.mu.Lock()
	own, err := host.loadState(id)
	peers := host.peers
	host.mu.Unlock()
	if err != nil {
		return err
	}
	heads, bodies := []Head{own.Head}, []*snapshotBody{nil}
	seen := map[[32]byte]bool{host.core.ID(): true}
	if peers != nil {
		q, err := newStateQuery(ac, labelSnapshotQuery, id, host.core.ID())
		if err != nil {
			return err
		}
		query, _ := json.Marshal(q)
		for _, raw := range peers.Snapshots(ctx, ac.cluster, query) {
			var s Snapshot
			if json.Unmarshal(raw, &s) != nil || seen[s.Member] || s.Epoch != ac.epoch {
				continue
			}
			body, err := openSnapshot(ac.key, id, s, ac.isMember)
			if err != nil {
				continue
			}
			seen[s.Member] = true
			heads, bodies = append(heads, s.Head), append(bodies, &body)
		}
	}
	if len(seen) < quorum(len(ac.members)) {
		return fmt.Errorf("%w: %d of %d members answered a sync, %d needed", ErrNoQuorum, len(seen), len(ac.members), quorum(len(ac.members)))
	}
	host.mu.Lock()
	defer host.mu.Unlock()
	st, err := host.loadState(id)
	if err != nil {
		return err
	}
	if st.Head != own.Head {
		return fmt.Errorf("%w: a write arrived during the sync", ErrStateMoved)
	}
	if best := pickLatest(heads); bodies[best] != nil && heads[best] != st.Head {
		st.Head, st.KV, st.Log = heads[best], bodies[best].KV, bodies[best].Log
		if st.KV == nil {
			st.KV = map[string]string{}
		}
	}
	host.setCurrent(id, true)
	return host.saveState(id, st)
}
