package agenthost

import (
	"bytes"
	"errors"
	"testing"
)

var (
	testAgent = [32]byte{1}
	memberA   = [32]byte{0xa}
	memberB   = [32]byte{0xb}
	memberC   = [32]byte{0xc}
	outsider  = [32]byte{0xee}
)

func testMembers(id [32]byte) bool { return id == memberA || id == memberB || id == memberC }

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func str(s string) *string { return &s }

// chainOf makes n writes by memberA from the empty head.
func chainOf(t *testing.T, key []byte, n int) []ReplMsg {
	t.Helper()
	var out []ReplMsg
	head := Head{}
	for i := range n {
		m, err := newMsg(key, testAgent, memberA, 3, head, Op{Writes: []Write{{Key: "n", Value: str(string(rune('0' + i)))}}})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
		head = Head{Seq: m.Seq, Hash: m.Hash()}
	}
	return out
}

// TestReplicationRefusals: what a host may do to the messages between
// members (replay, reorder, drop one, swap in another epoch's or a
// non-member's, alter the sealed bytes) is refused, each by its own check.
func TestReplicationRefusals(t *testing.T) {
	key := testKey(7)
	msgs := chainOf(t, key, 3)
	at := func(i int) Head { return Head{Seq: msgs[i].Seq, Hash: msgs[i].Hash()} }
	fork, _ := newMsg(key, testAgent, memberB, 3, at(0), Op{Writes: []Write{{Key: "n", Value: str("x")}}})
	other, _ := newMsg(key, testAgent, memberA, 2, Head{}, Op{})
	foreign, _ := newMsg(key, testAgent, outsider, 3, Head{}, Op{})
	for _, tc := range []struct {
		name string
		head Head
		msg  ReplMsg
		want error
	}{
		{"first", Head{}, msgs[0], nil},
		{"next", at(0), msgs[1], nil},
		{"replayed", at(1), msgs[1], ErrReplayed},
		{"replayed older", at(2), msgs[0], ErrReplayed},
		{"reordered: a later one first", at(0), msgs[2], ErrGap},
		{"gap after a dropped one", Head{}, msgs[1], ErrGap},
		{"another history at the same place", at(1), ReplMsg{Agent: testAgent, Epoch: 3, Seq: 3, Prev: fork.Hash(), From: memberB}, ErrChainBroken},
		{"foreign epoch", Head{}, other, ErrForeignEpoch},
		{"non-member", Head{}, foreign, ErrNotMember},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkNext(tc.head, tc.msg, 3, testMembers)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("checkNext = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestReplicationSealing: the op opens only under the agent's key and with
// the header it was sealed with; a changed header (a replayed body under
// another sequence) or another agent's key is refused.
func TestReplicationSealing(t *testing.T) {
	key := testKey(7)
	m := chainOf(t, key, 1)[0]
	op, err := openMsg(key, m)
	if err != nil || len(op.Writes) != 1 || *op.Writes[0].Value != "0" {
		t.Fatalf("open = %+v, %v", op, err)
	}
	moved := m
	moved.Seq = 9
	if _, err := openMsg(key, moved); !errors.Is(err, ErrSealedState) {
		t.Fatalf("a body moved to another sequence opened: %v", err)
	}
	if _, err := openMsg(testKey(8), m); !errors.Is(err, ErrSealedState) {
		t.Fatalf("opened under another key: %v", err)
	}
	if moved.Hash() == m.Hash() {
		t.Fatal("the hash does not cover the sequence")
	}
}

// TestAcksCount: only genuine acks of this very message from distinct
// members other than the writer count.
func TestAcksCount(t *testing.T) {
	key := testKey(7)
	msgs := chainOf(t, key, 2)
	m := msgs[1]
	good := newAck(key, m, memberB)
	forged := newAck(testKey(9), m, memberC)
	stale := newAck(key, msgs[0], memberC)
	self := newAck(key, m, memberA)
	stranger := newAck(key, m, outsider)
	for _, tc := range []struct {
		name string
		acks []Ack
		want int
	}{
		{"one", []Ack{good}, 1},
		{"the same member twice", []Ack{good, good}, 1},
		{"forged under another key", []Ack{forged}, 0},
		{"an ack of another sequence", []Ack{stale}, 0},
		{"the writer's own", []Ack{self}, 0},
		{"a non-member's", []Ack{stranger}, 0},
		{"two members", []Ack{good, newAck(key, m, memberC)}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := countAcks(key, m, memberA, tc.acks, testMembers); got != tc.want {
				t.Fatalf("countAcks = %d, want %d", got, tc.want)
			}
		})
	}
	if quorum(3) != 2 || quorum(2) != 2 || quorum(1) != 1 || quorum(4) != 3 {
		t.Fatal("quorum is not a majority")
	}
}

// TestSnapshots: a snapshot opens for the agent it names, from a member,
// under the agent's key; the sync picks the highest sequence, and at the
// same sequence the head most members hold.
func TestSnapshots(t *testing.T) {
	key := testKey(7)
	st := &agentState{Head: Head{Seq: 4, Hash: [32]byte{4}}, KV: map[string]string{"n": "4"}}
	s, err := newSnapshot(key, testAgent, memberB, 3, st)
	if err != nil {
		t.Fatal(err)
	}
	if body, err := openSnapshot(key, testAgent, s, testMembers); err != nil || body.KV["n"] != "4" {
		t.Fatalf("open = %+v, %v", body, err)
	}
	if _, err := openSnapshot(key, [32]byte{2}, s, testMembers); !errors.Is(err, ErrSealedState) {
		t.Fatalf("another agent's snapshot opened: %v", err)
	}
	fromOutsider := s
	fromOutsider.Member = outsider
	if _, err := openSnapshot(key, testAgent, fromOutsider, testMembers); !errors.Is(err, ErrNotMember) {
		t.Fatalf("a non-member's snapshot opened: %v", err)
	}
	rolledBack := s
	rolledBack.Head.Seq = 9
	if _, err := openSnapshot(key, testAgent, rolledBack, testMembers); !errors.Is(err, ErrSealedState) {
		t.Fatalf("a snapshot with a changed head opened: %v", err)
	}
	h1, h2 := Head{Seq: 5, Hash: [32]byte{1}}, Head{Seq: 5, Hash: [32]byte{2}}
	for _, tc := range []struct {
		heads []Head
		want  int
	}{
		{[]Head{{Seq: 1}, {Seq: 3}, {Seq: 2}}, 1},
		{[]Head{h1, h2, h2}, 1},
		{[]Head{{Seq: 4}}, 0},
	} {
		if got := pickLatest(tc.heads); got != tc.want {
			t.Fatalf("pickLatest(%v) = %d, want %d", tc.heads, got, tc.want)
		}
	}
}
