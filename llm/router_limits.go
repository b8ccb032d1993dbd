package llm

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrRateLimited marks a request refused because its caller is past a
// rate limit or its budget; errors wrapping it are *LimitError.
var ErrRateLimited = errors.New("llm: rate limited")

// Limits are one caller's limits on this router. Zero means no limit.
type Limits struct {
	// RPM is requests per minute (a sliding 60-second window).
	RPM int `json:"rpm,omitempty"`
	// TPM is tokens per minute: a request is refused while the tokens of
	// the last 60 seconds reach it (a request under the limit may go past
	// it by its own tokens).
	TPM int `json:"tpm,omitempty"`
	// Budget is the total tokens the caller may use on this router.
	Budget int64 `json:"budget,omitempty"`
}

// LimitError is a refusal by a Limiter: which limit and when to retry.
type LimitError struct {
	// Limit is "rpm", "tpm" or "budget".
	Limit string
	// RetryAfter is when a request may succeed again; 0 for a spent
	// budget, which does not come back.
	RetryAfter time.Duration
	msg        string
}

func (e *LimitError) Error() string { return e.msg }

// Unwrap makes the error match ErrRateLimited.
func (e *LimitError) Unwrap() error { return ErrRateLimited }

// Limiter enforces per-caller Limits. A cluster of Workers routers shares
// each limit: every router enforces ceil(limit/Workers) of it, so that a
// caller spraying requests over all of them gets at most the limit plus
// Workers-1 per window (and a budget at most Budget plus Workers-1
// tokens, plus each router's last admitted request). Its methods are safe
// for concurrent use.
type Limiter struct {
	// Default applies to callers with no entry in PerCaller.
	Default Limits
	// PerCaller overrides Default for a caller.
	PerCaller map[string]Limits
	// Workers is how many routers share the limits (the workers of the
	// cluster); nil or a result below 1 means 1.
	Workers func() int
	// Clock is the time source; nil means time.Now.
	Clock func() time.Time

	mu      sync.Mutex
	callers map[string]*window
}

// window is what a caller used: the times of its recent requests, its
// recent token uses, and its tokens ever.
type window struct {
	requests []time.Time
	tokens   []tokenUse
	spent    int64
}

type tokenUse struct {
	at time.Time
	n  int
}

const limitWindow = time.Minute

func (l *Limiter) now() time.Time {
	if l.Clock != nil {
		return l.Clock()
	}
	return time.Now()
}

// share is this router's part of limit n: ceil(n / workers).
func (l *Limiter) share(n int64) int64 {
	w := int64(1)
	if l.Workers != nil {
		w = max(int64(l.Workers()), 1)
	}
	return (n + w - 1) / w
}

func (l *Limiter) limits(caller string) Limits {
	if lim, ok := l.PerCaller[caller]; ok {
		return lim
	}
	return l.Default
}

// Admit counts a request of caller, or refuses it with a *LimitError.
func (l *Limiter) Admit(caller string) error {
	if l == nil {
		return nil
	}
	lim := l.limits(caller)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.window(caller, now)
	if lim.Budget > 0 && w.spent >= l.share(lim.Budget) {
		return &LimitError{Limit: "budget", msg: fmt.Sprintf("%v: budget: caller %s has used %d tokens, this worker's share of its budget of %d", ErrRateLimited, caller, w.spent, lim.Budget)}
	}
	if lim.RPM > 0 && int64(len(w.requests)) >= l.share(int64(lim.RPM)) {
		return &LimitError{Limit: "rpm", RetryAfter: w.requests[0].Add(limitWindow).Sub(now),
			msg: fmt.Sprintf("%v: rpm: caller %s is at this worker's share of its limit of %d requests per minute", ErrRateLimited, caller, lim.RPM)}
	}
	if lim.TPM > 0 {
		used := 0
		for _, u := range w.tokens {
			used += u.n
		}
		if int64(used) >= l.share(int64(lim.TPM)) {
			return &LimitError{Limit: "tpm", RetryAfter: w.tokens[0].at.Add(limitWindow).Sub(now),
				msg: fmt.Sprintf("%v: tpm: caller %s used %d tokens in the last minute, this worker's share of its limit of %d per minute", ErrRateLimited, caller, used, lim.TPM)}
		}
	}
	if lim.RPM > 0 {
		w.requests = append(w.requests, now)
	}
	return nil
}

// Record counts tokens used by caller.
func (l *Limiter) Record(caller string, tokens int) {
	if l == nil || tokens <= 0 {
		return
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.window(caller, now)
	w.spent += int64(tokens)
	if l.limits(caller).TPM > 0 {
		w.tokens = append(w.tokens, tokenUse{now, tokens})
	}
}

// window returns caller's window with what is older than a minute dropped.
func (l *Limiter) window(caller string, now time.Time) *window {
	if l.callers == nil {
		l.callers = make(map[string]*window)
	}
	w := l.callers[caller]
	if w == nil {
		w = new(window)
		l.callers[caller] = w
	}
	cut := now.Add(-limitWindow)
	i := 0
	for i < len(w.requests) && !w.requests[i].After(cut) {
		i++
	}
	w.requests = w.requests[i:]
	j := 0
	for j < len(w.tokens) && !w.tokens[j].at.After(cut) {
		j++
	}
	w.tokens = w.tokens[j:]
	return w
}
