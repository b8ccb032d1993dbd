package worker

import (
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// requestBudget bounds how many requests each requester (its IP address)
// makes to a costly route per window: a snapshot is sealed by the enclave
// for every request, so an unbounded route lets anyone keep the enclave
// busy. The window is fixed; when it rolls over every requester starts
// again, which also forgets the requesters of the last window (the map
// holds one window's requesters at most).
type requestBudget struct {
	limit  int
	window time.Duration
	now    func() time.Time

	mu     sync.Mutex
	start  time.Time
	counts map[string]int
}

// Snapshot requests each requester may make per minute: a joiner asks for
// each contract of its clusters once per round and moves on to the next
// member on a refusal, so this is far above what one needs.
const (
	snapshotBudget       = 64
	snapshotBudgetWindow = time.Minute
)

func newRequestBudget(limit int, window time.Duration, now func() time.Time) *requestBudget {
	return &requestBudget{limit: limit, window: window, now: now, counts: map[string]int{}}
}

// take counts one request of who; it answers false, with how long until
// the window rolls over, when who has used its budget.
func (b *requestBudget) take(who string) (bool, time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if now.Sub(b.start) >= b.window {
		b.start, b.counts = now, map[string]int{}
	}
	if b.counts[who] >= b.limit {
		return false, b.window - now.Sub(b.start)
	}
	b.counts[who]++
	return true, 0
}

// allow takes one request of r's requester from the budget, or answers
// 429 naming the bound with Retry-After and returns false.
func (b *requestBudget) allow(rw http.ResponseWriter, r *http.Request, route string) bool {
	who, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		who = r.RemoteAddr
	}
	ok, wait := b.take(who)
	if !ok {
		secs := int(wait.Round(time.Second) / time.Second)
		rw.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		http.Error(rw, route+": rate limit: "+strconv.Itoa(b.limit)+" requests per "+b.window.String()+" from "+who+" used; retry in "+strconv.Itoa(max(secs, 1))+"s", http.StatusTooManyRequests)
	}
	return ok
}
