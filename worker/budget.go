package worker

import (
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/phalanetwork/phala/budget"
)

// requestBudget bounds how many requests each requester (its IP address)
// makes to a costly route per window: a snapshot is sealed by the enclave
// for every request, so an unbounded route lets anyone keep the enclave
// busy.
type requestBudget struct {
	window budget.Window[string]
	now    func() time.Time
}

// Snapshot requests each requester may make per minute: a joiner asks for
// each contract of its clusters once per round and moves on to the next
// member on a refusal, so this is far above what one needs.
const (
	snapshotBudget       = 64
	snapshotBudgetWindow = time.Minute
)

func newRequestBudget(limit int, window time.Duration, now func() time.Time) *requestBudget {
	return &requestBudget{window: budget.Window[string]{Limit: limit, Span: window}, now: now}
}

// allow takes one request of r's requester from the budget, or answers
// 429 naming the bound with Retry-After and returns false.
func (b *requestBudget) allow(rw http.ResponseWriter, r *http.Request, route string) bool {
	who, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		who = r.RemoteAddr
	}
	ok, wait := b.window.Take(who, b.now())
	if !ok {
		secs := int(wait.Round(time.Second) / time.Second)
		rw.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		http.Error(rw, route+": rate limit: "+strconv.Itoa(b.window.Limit)+" requests per "+b.window.Span.String()+" from "+who+" used; retry in "+strconv.Itoa(max(secs, 1))+"s", http.StatusTooManyRequests)
	}
	return ok
}
