package core

import (
	"context"
	"errors"
	"fmt"
)

// ErrBusy marks a refusal for load, not for what was asked: the same
// request may succeed shortly (the worker answers 503 with Retry-After).
// Every role refuses for load with it: the agent memory budget, the
// contract query slots, the quote slots (quotes.go).
var ErrBusy = errors.New("worker busy")

// Slots bounds how many of one kind of work run at once: each holds a
// slot while it runs.
type Slots struct {
	what string
	held chan struct{}
}

// NewSlots makes n slots for the work what names in refusals ("contract
// queries").
func NewSlots(n int, what string) *Slots {
	return &Slots{what: what, held: make(chan struct{}, n)}
}

// Take waits for a free slot until ctx ends, then refuses with ErrBusy
// naming the work, how many hold the slots and why the wait ended
// (context.Cause); release gives the slot back.
func (s *Slots) Take(ctx context.Context) (release func(), err error) {
	select {
	case s.held <- struct{}{}:
		return func() { <-s.held }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %d %s running here while this one waited: %v", ErrBusy, cap(s.held), s.what, context.Cause(ctx))
	}
}
