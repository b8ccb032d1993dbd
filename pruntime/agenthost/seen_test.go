package agenthost

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/pruntime/sealed"
)

func openSeenAt(t *testing.T, dir string) *seenSet {
	t.Helper()
	st, err := sealed.Open(dir, bytes.Repeat([]byte{7}, 32), "test-store")
	if err != nil {
		t.Fatal(err)
	}
	s, err := openSeen(st)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRedTeamSeenSurvivesRestart: a host that restarts the worker to make
// it forget the signed requests it served gets the replay refused, also
// after the seen-set compacted its journal, until the request's window
// has passed.
func TestRedTeamSeenSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	now := time.UnixMilli(1_700_000_000_000)
	s := openSeenAt(t, dir)
	id := func(i int) [32]byte { return sha256.Sum256([]byte{byte(i >> 8), byte(i)}) }
	if err := s.add(id(0), now); err != nil {
		t.Fatal(err)
	}
	if err := s.add(id(0), now); !errors.Is(err, ErrReplay) {
		t.Fatalf("a replay on the same run: %v", err)
	}
	// A call a second for 3,000 s: ids older than twice the skew go, and
	// the journal is compacted.
	for i := 1; i < 3000; i++ {
		if err := s.add(id(i), now.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	if s.appended >= 3000 {
		t.Fatalf("the journal was never compacted: %d records", s.appended)
	}
	late := now.Add(3000 * time.Second)
	s = openSeenAt(t, dir) // the restart
	for _, i := range []int{2500, 2999} {
		if err := s.add(id(i), late); !errors.Is(err, ErrReplay) {
			t.Fatalf("request %d replayed after a restart: %v", i, err)
		}
	}
	// An id older than twice the skew is gone: its request is stale.
	if at := now.Add(1000 * time.Second); late.Sub(at) > 2*agentio.Skew {
		if _, ok := s.ids[id(1000)]; ok {
			t.Fatal("an id outlived twice the skew across the compaction")
		}
	}
}
