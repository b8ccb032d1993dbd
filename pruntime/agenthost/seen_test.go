package agenthost

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"sync"
	"sync/atomic"
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

// TestRedTeamConcurrentReplay: a host that sends the same signed request
// many times at once (hoping the copies race past the seen-set while
// their ids are being written) gets it served once; each id is in the
// sealed journal before its call may run, and a restart still refuses
// every copy.
func TestRedTeamConcurrentReplay(t *testing.T) {
	dir := t.TempDir()
	now := time.UnixMilli(1_700_000_000_000)
	s := openSeenAt(t, dir)
	const ids, copies = 16, 8
	id := func(i int) [32]byte { return sha256.Sum256([]byte{'c', byte(i)}) }
	var served [ids]atomic.Int32
	var wg sync.WaitGroup
	for i := range ids {
		for range copies {
			wg.Go(func() {
				err := s.add(id(i), now)
				if errors.Is(err, ErrReplay) {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				served[i].Add(1)
				if !inJournals(t, s, id(i)) {
					t.Errorf("request %d served before its id was in the sealed journal", i)
				}
			})
		}
	}
	wg.Wait()
	for i := range ids {
		if n := served[i].Load(); n != 1 {
			t.Errorf("request %d served %d times, want once", i, n)
		}
	}
	s = openSeenAt(t, dir) // the restart
	for i := range ids {
		if err := s.add(id(i), now); !errors.Is(err, ErrReplay) {
			t.Fatalf("request %d replayed after a restart: %v", i, err)
		}
	}
}

// inJournals reports whether id is in one of s's journal files.
func inJournals(t *testing.T, s *seenSet, id [32]byte) bool {
	t.Helper()
	for _, j := range s.journals {
		recs, err := j.Records()
		if err != nil {
			t.Error(err)
			return false
		}
		for _, rec := range recs {
			for ; len(rec) >= seenRecord; rec = rec[seenRecord:] {
				if [32]byte(rec[:32]) == id {
					return true
				}
			}
		}
	}
	return false
}
