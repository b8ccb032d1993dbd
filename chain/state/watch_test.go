package state_test

import (
	"bytes"
	"testing"

	"github.com/phalanetwork/phala/chain/state"
)

// TestWatchRecordsCommittedValues: every write under the watched prefix,
// directly or through a cache, is reported once with the value it had at
// the last commit; a commit starts over.
func TestWatchRecordsCommittedValues(t *testing.T) {
	s := state.OpenMemory()
	s.Watch([]byte("w/"))
	s.Set([]byte("w/a"), []byte("1"))
	s.Set([]byte("other"), []byte("x"))
	if _, _, err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := s.Changes(); len(got) != 0 {
		t.Fatalf("changes after commit: %v", got)
	}
	c := state.NewCache(s)
	c.Set([]byte("w/b"), []byte("2"))
	c.Set([]byte("w/a"), []byte("3"))
	c.Write()
	s.Set([]byte("w/a"), []byte("4"))
	s.Delete([]byte("w/b"))
	s.Set([]byte("other"), []byte("y"))
	want := []state.Change{
		{Key: []byte("w/a"), Before: []byte("1"), After: []byte("4")},
		{Key: []byte("w/b"), Before: nil, After: nil},
	}
	got := s.Changes()
	if len(got) != len(want) {
		t.Fatalf("got %d changes, want %d: %v", len(got), len(want), got)
	}
	for i := range want {
		if !bytes.Equal(got[i].Key, want[i].Key) || !bytes.Equal(got[i].Before, want[i].Before) || !bytes.Equal(got[i].After, want[i].After) {
			t.Fatalf("change %d: got %q, want %q", i, got[i], want[i])
		}
	}
}
