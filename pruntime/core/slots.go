package core

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
)

// ErrBusy marks a refusal for load, not for what was asked: the same
// request may succeed shortly (the worker answers 503 with Retry-After).
// Every role refuses for load with it: the agent memory budget, the
// contract query slots, the quote slots (quotes.go).
var ErrBusy = errors.New("worker busy")

// Slots bounds how many of one kind of work run at once: each holds a
// slot while it runs. The slots are shared among keys (the contract a
// query reads): one key holds at most perKey of them, and a freed slot
// goes to the waiter whose key holds the fewest, the longest waiting
// first among equals. So whoever floods the slots with one key (a
// contract's author, whose queries cost nothing) delays another key's
// work by at most the end of one piece of work running, not by the
// whole queue the flood built.
type Slots struct {
	what      string
	n, perKey int

	mu      sync.Mutex
	held    int            // slots taken
	running map[string]int // slots taken by key; absent when none
	waiting []*slotWaiter  // in arrival order
}

// slotWaiter is a Take waiting for a slot: ready is closed when it is
// granted one.
type slotWaiter struct {
	key   string
	ready chan struct{}
}

// NewSlots makes n slots for the work what names in refusals ("contract
// queries"), of which one key may hold perKey (n for no bound).
func NewSlots(n, perKey int, what string) *Slots {
	return &Slots{what: what, n: n, perKey: min(perKey, n), running: map[string]int{}}
}

// Take waits for a slot for key until ctx ends, then refuses with
// ErrBusy naming the work, how many hold the slots and why the wait ended
// (context.Cause); release gives the slot back.
func (s *Slots) Take(ctx context.Context, key string) (release func(), err error) {
	release = func() { s.release(key) }
	s.mu.Lock()
	// A free slot means every waiter is held back by its key's bound
	// (release grants free slots at once), so none is passed over here.
	if s.held < s.n && s.running[key] < s.perKey {
		s.grant(key)
		s.mu.Unlock()
		return release, nil
	}
	w := &slotWaiter{key: key, ready: make(chan struct{})}
	s.waiting = append(s.waiting, w)
	s.mu.Unlock()
	select {
	case <-w.ready:
		return release, nil
	case <-ctx.Done():
	}
	s.mu.Lock()
	i := slices.Index(s.waiting, w)
	if i >= 0 {
		s.waiting = slices.Delete(s.waiting, i, i+1)
	}
	s.mu.Unlock()
	if i < 0 {
		// Granted as the wait ended: the slot is taken, give it back.
		s.release(key)
	}
	bound := ""
	if s.perKey < s.n {
		bound = fmt.Sprintf(" (at most %d for one)", s.perKey)
	}
	return nil, fmt.Errorf("%w: %d %s running here%s while this one waited: %v", ErrBusy, s.n, s.what, bound, context.Cause(ctx))
}

// grant takes a slot for key; s.mu is held.
func (s *Slots) grant(key string) {
	s.held++
	s.running[key]++
}

// release gives back a slot of key's and hands the free slots to the
// waiters whose keys hold the fewest.
func (s *Slots) release(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.held--
	if s.running[key]--; s.running[key] == 0 {
		delete(s.running, key)
	}
	for s.held < s.n {
		next := -1
		for i, w := range s.waiting {
			if r := s.running[w.key]; r < s.perKey && (next < 0 || r < s.running[s.waiting[next].key]) {
				next = i
			}
		}
		if next < 0 {
			return
		}
		w := s.waiting[next]
		s.waiting = slices.Delete(s.waiting, next, next+1)
		s.grant(w.key)
		close(w.ready)
	}
}

// Waiting is how many Takes wait for a slot now.
func (s *Slots) Waiting() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.waiting)
}
