package agenthost

import (
	"encoding/binary"
	"fmt"
	"sync"
	"time"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/pruntime/sealed"
)

// A signed request names one worker, and that worker serves it once: the
// ids of the signed requests it served stay in a seen-set until the
// chain's verified time has made their requests stale (their signed time
// more than the skew before it), and a request stale by the chain's time
// is refused. Only the chain's time ages the set: the host sets the
// machine's clock, and a clock moved ahead and back would otherwise make
// the set forget a request that is fresh again by the clock. The set is
// kept in two sealed journals as well as in memory, so a restart (or a
// host that kills the worker to make it forget) does not let a request run
// twice: each id is appended to the current journal before the call runs;
// compaction writes the horizon (the chain time the set was aged to) and
// the live ids to the other journal, then empties the current one, so a
// crash at any point leaves every live id, and a horizon at least as late
// as the one that dropped the others, in one of the two.

// journalSeen names the seen-set's two journals.
var journalSeen = [2]string{"agent-seen-0", "agent-seen-1"}

// seenRecord is one id and its request's signed time (Unix ms); the zero
// id records a horizon instead.
const seenRecord = 32 + 8

// seenSet is the sealed, persistent set of served signed request ids.
type seenSet struct {
	mu       sync.Mutex
	ids      map[[32]byte]time.Time
	journals [2]*sealed.Journal
	cur      int
	// appended counts records in the current journal, for compaction.
	appended int
	pruned   time.Time
	// horizon is the chain time minus the skew the set was last aged to:
	// requests signed before it are stale, their ids forgotten.
	horizon time.Time
}

// openSeen loads the ids both journals hold.
func openSeen(store Store) (*seenSet, error) {
	s := &seenSet{ids: map[[32]byte]time.Time{}}
	for i, name := range journalSeen {
		j, recs, err := store.Journal(name)
		if err != nil {
			return nil, fmt.Errorf("enclave: seen-request journal: %w", err)
		}
		s.journals[i] = j
		for _, rec := range recs {
			for ; len(rec) >= seenRecord; rec = rec[seenRecord:] {
				at := time.UnixMilli(int64(binary.BigEndian.Uint64(rec[32:seenRecord])))
				if [32]byte(rec[:32]) == ([32]byte{}) {
					s.horizon = later(s.horizon, at)
					continue
				}
				if old, ok := s.ids[[32]byte(rec[:32])]; !ok || at.Before(old) {
					s.ids[[32]byte(rec[:32])] = at
				}
			}
		}
		if len(recs) > 0 {
			s.cur, s.appended = i, len(recs)
		}
	}
	return s, nil
}

func seenBytes(id [32]byte, at time.Time) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(nil), id[:]...), uint64(at.UnixMilli()))
}

// add records id as served now, or refuses it if it was served before.
// The id is in the sealed journal before add returns, so the call runs
// only once it would be refused after a restart. The id takes its place
// in the set before the journal write, so a replay that arrives while it
// is written is refused; the lock is not held over the write, so the ids
// of concurrent calls share one (sealed.Journal commits in groups).
func (s *seenSet) add(id [32]byte, signed, chainNow time.Time) error {
	s.mu.Lock()
	if horizon := later(s.horizon, chainNow.Add(-agentio.Skew)); signed.Before(horizon) {
		s.mu.Unlock()
		return fmt.Errorf("%w: %w: the request was signed at %s, more than %v before the chain's verified time (%s)", ErrUnauthorized, agentio.ErrStale,
			signed.UTC().Format(time.RFC3339), agentio.Skew, chainNow.UTC().Format(time.RFC3339))
	}
	if _, ok := s.ids[id]; ok {
		s.mu.Unlock()
		return fmt.Errorf("%w: this signed request was already served by this worker (it names this worker, so no other serves it)", ErrReplay)
	}
	s.ids[id] = signed
	j := s.journals[s.cur]
	s.mu.Unlock()
	// A compaction meanwhile copies id (it is in the set) into the other
	// journal, so id is in one of the two whichever this write lands in.
	err := j.Append(seenBytes(id, signed))
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		delete(s.ids, id)
		return fmt.Errorf("enclave: remember a signed request (not served): %w", err)
	}
	s.appended++
	// Aging walks the set; do it at most every few seconds of the chain's
	// time so a call costs O(1) on average.
	if chainNow.Sub(s.pruned) > 5*time.Second {
		s.pruned = chainNow
		s.pruneLocked(chainNow.Add(-agentio.Skew))
	}
	return nil
}

// later is the later of a and b.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// seenPerRecord bounds the ids one compacted journal record holds, under
// the journal's record limit.
const seenPerRecord = 16 << 10

// pruneLocked ages the set to horizon: it forgets the ids of requests
// signed before it (add refuses those as stale) and, when the current
// journal holds many more records than live ids, compacts it into the
// other, the horizon first. Compaction is best effort: if it fails part
// way, the ids are still in the current journal (or in both). Callers
// hold s.mu.
func (s *seenSet) pruneLocked(horizon time.Time) {
	s.horizon = later(s.horizon, horizon)
	for k, t := range s.ids {
		if t.Before(s.horizon) {
			delete(s.ids, k)
		}
	}
	if s.appended < 1024 || s.appended < 2*len(s.ids) {
		return
	}
	next := 1 - s.cur
	if s.journals[next].Reset() != nil {
		return
	}
	n := 0
	batch := make([]byte, 0, min(len(s.ids)+1, seenPerRecord)*seenRecord)
	batch = append(batch, seenBytes([32]byte{}, s.horizon)...)
	for k, t := range s.ids {
		batch = append(batch, seenBytes(k, t)...)
		if len(batch) == seenPerRecord*seenRecord {
			if s.journals[next].Append(batch) != nil {
				return
			}
			batch, n = batch[:0], n+1
		}
	}
	if len(batch) > 0 {
		if s.journals[next].Append(batch) != nil {
			return
		}
		n++
	}
	if s.journals[s.cur].Reset() != nil {
		return
	}
	s.cur, s.appended = next, n
}
