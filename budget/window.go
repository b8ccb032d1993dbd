// Package budget counts each requester's requests in fixed windows of
// time, for routes that make a worker do work for whoever asks.
package budget

import (
	"sync"
	"time"
)

// Window allows each key at most Limit requests per Span. The window is
// fixed: when it rolls over (or the clock goes back) every key starts
// again, which also forgets the last window's keys, so the map holds one
// window's requesters at most. The zero value with Limit and Span set is
// ready to use.
type Window[K comparable] struct {
	Limit int
	Span  time.Duration

	mu     sync.Mutex
	start  time.Time
	counts map[K]int
}

// Take counts one request of key at now. It answers false, with how long
// until the window rolls over, when key has used its budget.
func (w *Window[K]) Take(key K, now time.Time) (bool, time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.counts == nil || now.Sub(w.start) >= w.Span || now.Before(w.start) {
		w.start, w.counts = now, map[K]int{}
	}
	if w.counts[key] >= w.Limit {
		return false, w.Span - now.Sub(w.start)
	}
	w.counts[key]++
	return true, 0
}
