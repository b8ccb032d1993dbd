package ledger

import (
	"bytes"
	"testing"

	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/sharepool"
)

// TestUnderKeys pins the key layout Under gives a module: the stake pool
// and vault state written before the ledger laid out its own keys must
// still be found under the same bytes.
func TestUnderKeys(t *testing.T) {
	a := address.Module("holder")
	pool, seq := state.Uint64(7), state.Uint64(3)
	tests := []struct {
		name string
		got  []byte
		want []byte
	}{
		{"next id", Under("vault", false).nextID, []byte("vault/next_id")},
		{"shares", Under("stakepool", true).sharesKey(7, a), state.Key([]byte("stakepool/sh/"), pool, a[:])},
		{"queue", Under("vault", false).queueKey(7, 3), state.Key([]byte("vault/q/"), pool, seq)},
		{"queued", Under("vault", false).queuedKey(7, a), state.Key([]byte("vault/qa/"), pool, a[:])},
		{"deadline", Under("stakepool", true).deadlineKey(9, 7, 3), state.Key([]byte("stakepool/due/"), state.Uint64(9), pool, seq)},
	}
	for _, tt := range tests {
		if !bytes.Equal(tt.got, tt.want) {
			t.Errorf("%s key = %q, want %q", tt.name, tt.got, tt.want)
		}
	}
	if Under("vault", false).deadline != nil {
		t.Error("a ledger without deadlines has a deadline prefix")
	}
}

// TestDueWalksDeadlinesInOrder checks that Due returns the requests due by
// a height in due order, and that Finish and Clear remove them.
func TestDueWalksDeadlinesInOrder(t *testing.T) {
	kv := state.OpenMemory()
	l := Under("stakepool", true)
	a, b := address.Module("a"), address.Module("b")
	l.Enqueue(kv, 2, &sharepool.Withdrawal{Seq: 0, Account: a, Shares: pha.Whole(1), Due: 20})
	l.Enqueue(kv, 1, &sharepool.Withdrawal{Seq: 0, Account: b, Shares: pha.Whole(1), Due: 10})
	l.Enqueue(kv, 1, &sharepool.Withdrawal{Seq: 1, Account: a, Shares: pha.Whole(1), Due: 30})
	dues := l.Due(kv, 20)
	if len(dues) != 2 || dues[0].Pool != 1 || dues[1].Pool != 2 {
		t.Fatalf("Due(20) = %+v, want pool 1 then pool 2", dues)
	}
	l.Clear(kv, dues[0])
	w, _ := l.Withdrawal(kv, 2, 0)
	l.Finish(kv, 2, &w)
	if got := l.Due(kv, 30); len(got) != 1 || got[0].Pool != 1 || got[0].Seq != 1 {
		t.Fatalf("after Clear and Finish, Due(30) = %+v, want pool 1 seq 1", got)
	}
	if got := Under("vault", false).Due(kv, 30); got != nil {
		t.Fatalf("a ledger without deadlines has deadlines %+v", got)
	}
}
