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
// after the seen-set compacted its journal: as a replay while the request
// is fresh by the chain's time, as stale after.
func TestRedTeamSeenSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	now := time.UnixMilli(1_700_000_000_000)
	s := openSeenAt(t, dir)
	id := func(i int) [32]byte { return sha256.Sum256([]byte{byte(i >> 8), byte(i)}) }
	if err := s.add(id(0), now, now); err != nil {
		t.Fatal(err)
	}
	if err := s.add(id(0), now, now); !errors.Is(err, ErrReplay) {
		t.Fatalf("a replay on the same run: %v", err)
	}
	// A call a second for 3,000 s of chain time: ids of requests stale by
	// the chain's time go, and the journal is compacted.
	for i := 1; i < 3000; i++ {
		at := now.Add(time.Duration(i) * time.Second)
		if err := s.add(id(i), at, at); err != nil {
			t.Fatal(err)
		}
	}
	if s.appended >= 3000 {
		t.Fatalf("the journal was never compacted: %d records", s.appended)
	}
	late := now.Add(3000 * time.Second)
	s = openSeenAt(t, dir) // the restart
	for _, i := range []int{2800, 2999} {
		at := now.Add(time.Duration(i) * time.Second)
		if err := s.add(id(i), at, late); !errors.Is(err, ErrReplay) {
			t.Fatalf("request %d replayed after a restart: %v", i, err)
		}
	}
	if err := s.add(id(2500), now.Add(2500*time.Second), late); !errors.Is(err, agentio.ErrStale) {
		t.Fatalf("request 2500, stale by the chain's time, after a restart: %v", err)
	}
	// An id of a request stale by the chain's time is gone.
	if at := now.Add(1000 * time.Second); late.Sub(at) > agentio.Skew {
		if _, ok := s.ids[id(1000)]; ok {
			t.Fatal("an id outlived its request's freshness across the compaction")
		}
	}
}

// TestRedTeamSeenIgnoresHostClock: the host moves the machine's clock
// ahead, so that calls signed at that time come in (the requests' own
// times are what the set keeps), hoping the set ages the captured
// request's id away, then back to replay it. Only the chain's time ages
// the set, so the id stays until the chain's time makes the request
// stale. And a restart cannot bring back a request the set aged away
// with a chain time older than the one it aged to (a host that kills the
// worker before it saves its light client's checkpoint): the horizon is
// sealed with the set.
func TestRedTeamSeenIgnoresHostClock(t *testing.T) {
	dir := t.TempDir()
	chain := time.UnixMilli(1_700_000_000_000)
	s := openSeenAt(t, dir)
	id := func(i int) [32]byte { return sha256.Sum256([]byte{'h', byte(i >> 8), byte(i)}) }
	captured := chain
	if err := s.add(id(0), captured, chain); err != nil {
		t.Fatal(err)
	}
	// The host's clock runs 11 minutes ahead for 2,000 calls while the
	// chain's time moves on 20 s.
	for i := 1; i <= 2000; i++ {
		if err := s.add(id(i), chain.Add(11*time.Minute+time.Duration(i)*time.Millisecond), chain.Add(time.Duration(i)*10*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.add(id(0), captured, chain.Add(21*time.Second)); !errors.Is(err, ErrReplay) {
		t.Fatalf("the captured request after the host's clock went ahead and back: %v, want a replay refused", err)
	}
	// The chain's time moves on, a call a second for 3,000 s: the
	// captured request is stale and its id goes with a compaction.
	for i := range 3000 {
		at := chain.Add(6*time.Minute + time.Duration(i)*time.Second)
		if err := s.add(id(3000+i), at, at); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := s.ids[id(0)]; ok {
		t.Fatal("the stale request's id was not aged away")
	}
	s = openSeenAt(t, dir) // restarted with the chain's time back at the capture
	if err := s.add(id(0), captured, chain.Add(time.Second)); !errors.Is(err, agentio.ErrStale) {
		t.Fatalf("the aged-away request after a restart whose chain time is older than the set's horizon: %v, want stale", err)
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
				err := s.add(id(i), now, now)
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
		if err := s.add(id(i), now, now); !errors.Is(err, ErrReplay) {
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
