package agenthost

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/core"
	"github.com/phalanetwork/phala/pruntime/sealed"
)

// memberCore is a cluster member's identity; replication reads the
// agent's cluster from the host's cache (filled by newTestCluster), so no
// other part of the core is reached.
type memberCore struct {
	Core
	id [32]byte
}

func (c memberCore) ID() registry.WorkerID { return registry.WorkerID(c.id) }

// testCluster is three agent hosts of one cluster over a network the
// test partitions: a cut-off member reaches no other and none reaches it.
type testCluster struct {
	hosts map[[32]byte]*Host

	mu  sync.Mutex
	cut map[[32]byte]bool
}

// testPeers is one member's side of the test network.
type testPeers struct {
	net  *testCluster
	self [32]byte
}

func newTestCluster(t testing.TB) *testCluster {
	t.Helper()
	now := time.Unix(1_700_000_000, 0)
	clock := func() time.Time { return now }
	ac := agentCluster{epoch: 3, members: map[[32]byte]bool{memberA: true, memberB: true, memberC: true}, key: testKey(7)}
	net := &testCluster{hosts: map[[32]byte]*Host{}, cut: map[[32]byte]bool{}}
	for id := range ac.members {
		st, err := sealed.Open(t.TempDir(), testKey(id[0]), "test-store")
		if err != nil {
			t.Fatal(err)
		}
		host, err := New(memberCore{id: id}, nil, st, clock, nil)
		if err != nil {
			t.Fatal(err)
		}
		host.clusters = map[[32]byte]cachedCluster{testAgent: {ac: ac, at: now}}
		host.SetPeers(testPeers{net: net, self: id})
		net.hosts[id] = host
	}
	return net
}

func (n *testCluster) partition(id [32]byte, cut bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.cut[id] = cut
}

// others calls f on every member self reaches.
func (p testPeers) others(f func(*Host) ([]byte, error)) [][]byte {
	p.net.mu.Lock()
	var reach []*Host
	for id, h := range p.net.hosts {
		if id != p.self && !p.net.cut[id] && !p.net.cut[p.self] {
			reach = append(reach, h)
		}
	}
	p.net.mu.Unlock()
	var out [][]byte
	for _, h := range reach {
		if b, err := f(h); err == nil {
			out = append(out, b)
		}
	}
	return out
}

func (p testPeers) Replicate(ctx context.Context, _ [32]byte, msg []byte) [][]byte {
	return p.others(func(h *Host) ([]byte, error) { return h.ApplyReplication(ctx, nil, msg) })
}

func (p testPeers) Snapshots(ctx context.Context, _ [32]byte, query []byte) [][]byte {
	return p.others(func(h *Host) ([]byte, error) { return h.AgentSnapshot(ctx, nil, query) })
}

func (p testPeers) Heads(ctx context.Context, _ [32]byte, query []byte) [][]byte {
	return p.others(func(h *Host) ([]byte, error) { return h.AnswerHead(ctx, nil, query) })
}

// hop runs one hop of a call to the test agent on host through the
// kv transaction and the end of hop a real call goes through.
func hop(host *Host, body func(t *kvTxn) error) error {
	txn := &kvTxn{host: host, ctx: context.Background(), id: testAgent}
	return host.endHop(txn, true, body(txn))
}

// readN is a hop that reads kv "n".
func readN(host *Host) (string, error) {
	var got string
	err := hop(host, func(t *kvTxn) error {
		v, err := t.get("n")
		if v != nil {
			got = *v
		}
		return err
	})
	return got, err
}

func writeN(host *Host, v string) error {
	return hop(host, func(t *kvTxn) error { return t.set("n", &v) })
}

// TestRedTeamPartitionedPrimaryStaleRead: the primary A writes n=1 to the
// three members and is then cut off (a partition, not a crash). The
// gateway fails over to B, which syncs from C and writes n=2, acknowledged
// by B and C. A read on A must not answer its own n=1 as if it were
// current: it is refused (503) until A reaches a majority again, and then
// it answers n=2. Nothing read is older than an acknowledged write.
func TestRedTeamPartitionedPrimaryStaleRead(t *testing.T) {
	net := newTestCluster(t)
	a, b := net.hosts[memberA], net.hosts[memberB]
	if err := writeN(a, "1"); err != nil {
		t.Fatalf("write on the primary: %v", err)
	}
	if got, err := readN(a); err != nil || got != "1" {
		t.Fatalf("read on the primary before the partition = %q, %v", got, err)
	}
	net.partition(memberA, true)
	if err := writeN(b, "2"); err != nil {
		t.Fatalf("write on the new primary: %v", err)
	}
	got, err := readN(a)
	if err == nil {
		t.Fatalf("the cut-off old primary answered n=%q after n=2 was acknowledged by a majority (stale read)", got)
	}
	if !errors.Is(err, ErrStateUnavailable) || !errors.Is(err, ErrNoQuorum) {
		t.Fatalf("the cut-off member's read failed with %v, want the no-majority check", err)
	}
	net.partition(memberA, false)
	if got, err := readN(a); err != nil || got != "2" {
		t.Fatalf("read on the old primary after the partition healed = %q, %v; want n=2", got, err)
	}
}

// TestHeadAnswersRefused: a head answer counts only for the query it
// answers, from a member, under the agent's state key: the host cannot
// replay an old answer (another nonce), forge one, or pass its own.
func TestHeadAnswersRefused(t *testing.T) {
	key := testKey(7)
	q := StateQuery{Agent: testAgent, Epoch: 3, Nonce: [16]byte{1}}
	good := newHeadAnswer(key, q, memberB, Head{Seq: 4})
	old := newHeadAnswer(key, StateQuery{Agent: testAgent, Epoch: 3, Nonce: [16]byte{2}}, memberB, Head{Seq: 4})
	forged := newHeadAnswer(testKey(9), q, memberC, Head{Seq: 4})
	moved := good
	moved.Head.Seq = 2
	for _, tc := range []struct {
		name string
		a    HeadAnswer
		ok   bool
	}{
		{"genuine", good, true},
		{"replayed from another query", old, false},
		{"forged under another key", forged, false},
		{"head changed by the host", moved, false},
		{"the asker's own", newHeadAnswer(key, q, memberA, Head{}), false},
		{"a non-member's", newHeadAnswer(key, q, outsider, Head{}), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if ok := tc.a.answers(key, q, memberA, testMembers); ok != tc.ok {
				t.Fatalf("answers = %v, want %v", ok, tc.ok)
			}
		})
	}
	if bytes.Equal(good.mac(key), old.mac(key)) {
		t.Fatal("the MAC does not cover the nonce")
	}
}

// TestRedTeamStateQueriesFromMembersOnly: answering a snapshot query
// loads and seals an agent's whole state (up to 1 MiB of kv and its log),
// and the worker serves the queries on a public route. Anyone who could
// send them (no key: the worker routes used to take a bare agent id) kept
// a member loading and sealing states without paying for a call. Now only
// another member's query, MACed under the agent's state key, is answered;
// a member's host replaying its queries runs into a budget per member;
// a head query is answered from memory.
func TestRedTeamStateQueriesFromMembersOnly(t *testing.T) {
	net := newTestCluster(t)
	a, b := net.hosts[memberA], net.hosts[memberB]
	if err := writeN(a, "1"); err != nil {
		t.Fatal(err)
	}
	ac := agentCluster{epoch: 3, members: map[[32]byte]bool{memberA: true, memberB: true, memberC: true}, key: testKey(7)}
	query := func(key []byte, label string, epoch uint64, from [32]byte) []byte {
		c := ac
		c.key, c.epoch = key, epoch
		q, err := newStateQuery(c, label, testAgent, from)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(q)
		return raw
	}
	unsigned, _ := json.Marshal(StateQuery{Agent: testAgent, Epoch: 3, Member: memberA})
	for _, tc := range []struct {
		name  string
		query []byte
		want  error
	}{
		{"a bare agent id, as the route took", []byte(`"` + hex.EncodeToString(testAgent[:]) + `"`), ErrQueryRefused},
		{"no MAC", unsigned, ErrQueryRefused},
		{"MACed under another key", query(testKey(9), labelSnapshotQuery, 3, memberA), ErrQueryRefused},
		{"from an outsider", query(testKey(7), labelSnapshotQuery, 3, outsider), ErrQueryRefused},
		{"in the member's own name", query(testKey(7), labelSnapshotQuery, 3, memberB), ErrQueryRefused},
		{"a head query's MAC", query(testKey(7), labelHeadQuery, 3, memberA), ErrQueryRefused},
	} {
		if _, err := b.AgentSnapshot(context.Background(), nil, tc.query); !errors.Is(err, tc.want) {
			t.Errorf("snapshot query %s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := b.AnswerHead(context.Background(), nil, query(testKey(7), labelSnapshotQuery, 3, memberA)); !errors.Is(err, ErrQueryRefused) {
		t.Errorf("a head query under a snapshot query's MAC: %v", err)
	}

	genuine := query(testKey(7), labelSnapshotQuery, 3, memberA)
	raw, err := b.AgentSnapshot(context.Background(), nil, genuine)
	if err != nil {
		t.Fatalf("a member's snapshot query: %v", err)
	}
	var s Snapshot
	if err := json.Unmarshal(raw, &s); err != nil || s.Head.Seq != 1 {
		t.Fatalf("a member's snapshot: %s, %v", raw, err)
	}
	var busy error
	for range snapshotQueryBudget {
		if _, busy = b.AgentSnapshot(context.Background(), nil, genuine); busy != nil {
			break
		}
	}
	if !errors.Is(busy, core.ErrBusy) {
		t.Fatalf("member A's query replayed %d times: %v, want the budget to refuse it", snapshotQueryBudget+1, busy)
	}
	if _, err := b.AgentSnapshot(context.Background(), nil, query(testKey(7), labelSnapshotQuery, 3, memberC)); err != nil {
		t.Fatalf("member C's query after A used its budget: %v", err)
	}
}

// FuzzStateQuery feeds a member arbitrary snapshot and head queries: it
// answers only a genuine member's, refuses the rest with an error, and
// never panics.
func FuzzStateQuery(f *testing.F) {
	ac := agentCluster{epoch: 3, members: map[[32]byte]bool{memberA: true, memberB: true, memberC: true}, key: testKey(7)}
	genuine, err := newStateQuery(ac, labelSnapshotQuery, testAgent, memberA)
	if err != nil {
		f.Fatal(err)
	}
	raw, _ := json.Marshal(genuine)
	f.Add(raw)
	f.Add([]byte(`{"agent":[1],"epoch":3,"mac":"AAAA"}`))
	f.Add([]byte(`null`))
	f.Add([]byte{})
	net := newTestCluster(f)
	b := net.hosts[memberB]
	f.Fuzz(func(t *testing.T, query []byte) {
		var q StateQuery
		if json.Unmarshal(query, &q) == nil && (q.Epoch != 3 || q.Agent != testAgent) {
			return // another agent or epoch sends the member to the chain, which the test cluster has not
		}
		for _, answer := range []func(context.Context, chainsync.Source, []byte) ([]byte, error){b.AgentSnapshot, b.AnswerHead} {
			out, err := answer(context.Background(), nil, query)
			if (err == nil) == (out == nil) {
				t.Fatalf("answer %d bytes and error %v", len(out), err)
			}
		}
	})
}
