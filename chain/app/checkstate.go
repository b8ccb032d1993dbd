package app

import (
	"sync"
	"time"

	"github.com/phalanetwork/phala/chain/state"
)

// checkState is the mempool's view: the last committed state plus the
// writes of transactions admitted since. It lets one sender queue several
// transactions for the same block. Commit replaces it, and CometBFT
// re-checks the remaining mempool against the new one.
type checkState struct {
	kv     *state.Cache
	height int64
	time   time.Time
}

func newCheckState(view *state.View, lastBlockTime time.Time) *checkState {
	return &checkState{kv: state.NewCache(view), height: view.Version() + 1, time: lastBlockTime}
}

// sigCache remembers hashes of transactions whose signatures CheckTx
// verified. The cache only skips work: a hash maps to the same bytes, so
// the verification result would be the same on any validator.
type sigCache struct {
	mu   sync.Mutex
	max  int
	seen map[[32]byte]struct{}
}

func newSigCache(max int) *sigCache { return &sigCache{max: max, seen: map[[32]byte]struct{}{}} }

func (s *sigCache) put(h [32]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.seen) >= s.max {
		clear(s.seen)
	}
	s.seen[h] = struct{}{}
}

func (s *sigCache) has(h [32]byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.seen[h]
	return ok
}

// take reports whether h was verified, and forgets it.
func (s *sigCache) take(h [32]byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.seen[h]; ok {
		delete(s.seen, h)
		return true
	}
	return false
}
