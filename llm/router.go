package llm

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultMaxTokens is the max_tokens cap of a Router whose MaxTokens is 0.
const DefaultMaxTokens = 4096

// MaxStop is the most stop sequences a request may carry (as OpenAI).
const MaxStop = 4

// Router sends chat requests named "provider/model" to the provider of
// that name, falls back to other models when a provider fails, and meters
// the tokens used per caller and per provider. Its methods are safe for
// concurrent use; its exported fields are configuration, set once after
// NewRouter and before the first call, and not changed afterwards.
type Router struct {
	// Fallbacks maps a "provider/model" name to the "provider/model" names
	// tried after it, in order, when it fails with ErrProvider or times
	// out. Fallbacks are not chained: the fallbacks of a fallback are not
	// tried. A fallback whose provider the router does not have is
	// skipped. There is never a fallback once a delta of the answer has
	// been passed to the caller (streaming): the error is returned.
	Fallbacks map[string][]string
	// AttemptTimeout, when positive, bounds each attempt until it answers:
	// the whole call when not streaming, the wait for the first delta when
	// streaming (once text flows, only the caller's context bounds it). An
	// attempt that runs out of time is a provider failure: the next
	// fallback is tried.
	AttemptTimeout time.Duration
	// MaxTokens caps ChatRequest.MaxTokens; 0 means DefaultMaxTokens. A
	// request above the cap is refused (ErrBadRequest), not clamped. A
	// request with MaxTokens 0 leaves the limit to the provider.
	MaxTokens int

	providers map[string]Provider
	names     []string // provider names, in the order given

	mu         sync.Mutex
	callers    map[string]*Tally
	byProvider map[string]*Tally
}

// NewRouter returns a router over providers. It panics on a nil provider,
// an empty name, a name with a slash or a name given twice: these are
// programming errors, not requests.
func NewRouter(providers ...Provider) *Router {
	r := &Router{
		providers:  make(map[string]Provider, len(providers)),
		callers:    make(map[string]*Tally),
		byProvider: make(map[string]*Tally),
	}
	for _, p := range providers {
		if p == nil {
			panic("llm: NewRouter: nil provider")
		}
		name := p.Name()
		if name == "" || strings.Contains(name, "/") {
			panic(fmt.Sprintf("llm: NewRouter: provider name %q must be non-empty and have no slash", name))
		}
		if _, dup := r.providers[name]; dup {
			panic(fmt.Sprintf("llm: NewRouter: provider %q given twice", name))
		}
		r.providers[name] = p
		r.names = append(r.names, name)
	}
	return r
}

// Providers returns the provider names, in the order given to NewRouter.
func (r *Router) Providers() []string { return slices.Clone(r.names) }

// Provider returns the provider of that name.
func (r *Router) Provider(name string) (Provider, bool) {
	p, ok := r.providers[name]
	return p, ok
}

// Models lists every model of every provider as "provider/model", the
// providers in the order given to NewRouter. Providers are asked
// concurrently; the models of the providers that answered are returned
// with an error that joins the failures of the others (each naming its
// provider), so a caller can list what is there and report the rest.
func (r *Router) Models(ctx context.Context) ([]string, error) {
	lists := make([][]string, len(r.names))
	errs := make([]error, len(r.names))
	var wg sync.WaitGroup
	for i, name := range r.names {
		wg.Go(func() {
			ms, err := r.providers[name].Models(ctx)
			if err != nil {
				errs[i] = fmt.Errorf("provider %s: %w", name, err)
			}
			for _, m := range ms {
				lists[i] = append(lists[i], name+"/"+m)
			}
		})
	}
	wg.Wait()
	return slices.Concat(lists...), errors.Join(errs...)
}

// Validate checks a request the way Chat does before it reaches a
// provider: a model named "provider/model", at least one message, roles
// system, user or assistant, max_tokens within 0..cap, temperature within
// 0..2, top_p within 0..1, at most MaxStop stop sequences. Errors wrap
// ErrBadRequest.
func (r *Router) Validate(req ChatRequest) error {
	if _, _, err := SplitModel(req.Model); err != nil {
		return err
	}
	if len(req.Messages) == 0 {
		return fmt.Errorf("%w: messages must hold at least one message", ErrBadRequest)
	}
	for i, m := range req.Messages {
		switch m.Role {
		case "system", "user", "assistant":
		default:
			return fmt.Errorf("%w: messages[%d].role %q must be system, user or assistant", ErrBadRequest, i, m.Role)
		}
	}
	if limit := r.maxTokens(); req.MaxTokens < 0 || req.MaxTokens > limit {
		return fmt.Errorf("%w: max_tokens %d must be within 0..%d (0 leaves it to the provider)", ErrBadRequest, req.MaxTokens, limit)
	}
	if t := req.Temperature; t != nil && (math.IsNaN(*t) || *t < 0 || *t > 2) {
		return fmt.Errorf("%w: temperature %v must be within 0..2", ErrBadRequest, *t)
	}
	if p := req.TopP; p != nil && (math.IsNaN(*p) || *p < 0 || *p > 1) {
		return fmt.Errorf("%w: top_p %v must be within 0..1", ErrBadRequest, *p)
	}
	if len(req.Stop) > MaxStop {
		return fmt.Errorf("%w: at most %d stop sequences, got %d", ErrBadRequest, MaxStop, len(req.Stop))
	}
	return nil
}

func (r *Router) maxTokens() int {
	if r.MaxTokens > 0 {
		return r.MaxTokens
	}
	return DefaultMaxTokens
}

// Chat validates req, whose Model is "provider/model", and completes it
// with that provider, then with the Fallbacks of that model while they
// fail with ErrProvider or time out (see AttemptTimeout). When onDelta is
// not nil the answer is streamed to it; once a delta has been passed on,
// a failure is returned as it is, with no fallback (the caller has text
// from a model that did not finish). The response's Model is the
// "provider/model" that answered. Tokens are metered to caller and to the
// provider that answered; a provider that fails mid-stream and reports
// the tokens it used is metered for them too.
//
// Errors: ErrBadRequest for an invalid request; ErrUnknownModel for a
// provider the router does not have (the message lists those it has);
// ErrNotConfigured when the router has no provider; otherwise what the
// last attempt returned, joined with the failures of earlier attempts.
// With an error the response is empty but for Usage: the tokens metered
// to caller by this call's failed attempts (a stream cut short), so that a
// per-request meter can bill them.
func (r *Router) Chat(ctx context.Context, caller string, req ChatRequest, onDelta func(Delta) error) (ChatResponse, error) {
	var f func(model string, d Delta) error
	if onDelta != nil {
		f = func(_ string, d Delta) error { return onDelta(d) }
	}
	return r.ChatModel(ctx, caller, req, f)
}

// ChatModel is Chat whose onDelta is also told the "provider/model" that
// is answering, which with fallbacks may not be req.Model (an HTTP server
// streaming chunks names the model in each).
func (r *Router) ChatModel(ctx context.Context, caller string, req ChatRequest, onDelta func(model string, d Delta) error) (ChatResponse, error) {
	if err := r.Validate(req); err != nil {
		return ChatResponse{}, err
	}
	if len(r.providers) == 0 {
		return ChatResponse{}, fmt.Errorf("%w: the router has no model provider; configure an OpenAI-compatible endpoint or a local model", ErrNotConfigured)
	}
	pname, _, _ := SplitModel(req.Model)
	if _, ok := r.providers[pname]; !ok {
		return ChatResponse{}, fmt.Errorf("%w: %q: no provider %q (available providers: %s)", ErrUnknownModel, req.Model, pname, strings.Join(r.names, ", "))
	}

	candidates := []string{req.Model}
	for _, fb := range r.Fallbacks[req.Model] {
		if !slices.Contains(candidates, fb) {
			candidates = append(candidates, fb)
		}
	}
	var failed []error
	var used Usage // by failed attempts
	for _, name := range candidates {
		pname, model, err := SplitModel(name)
		var p Provider
		if err == nil {
			p = r.providers[pname]
		}
		if p == nil {
			// Only fallbacks get here: a configuration mistake, noted but
			// not wrapped, so it does not decide the error's kind.
			failed = append(failed, fmt.Errorf("fallback %q skipped: no such provider", name))
			continue
		}
		attempt := req
		attempt.Model = model
		attempt.Stream = onDelta != nil
		resp, started, err := r.attempt(ctx, p, name, attempt, onDelta)
		resp.Usage = r.meter(caller, pname, resp.Usage, err)
		if err == nil {
			resp.Model = name
			resp.Normalize()
			return resp, nil
		}
		used = used.Add(resp.Usage)
		failed = append(failed, fmt.Errorf("%s: %w", name, err))
		if started || ctx.Err() != nil || !fallbackable(err) {
			break
		}
	}
	return ChatResponse{Usage: used}, joinAttempts(failed)
}

func fallbackable(err error) bool {
	return errors.Is(err, ErrProvider) || errors.Is(err, context.DeadlineExceeded)
}

// Attempt states: no delta yet, streaming, out of time before streaming.
const (
	attemptWaiting int32 = iota
	attemptStreaming
	attemptExpired
)

// attempt runs one provider call. started reports whether a delta was
// passed to onDelta.
func (r *Router) attempt(ctx context.Context, p Provider, name string, req ChatRequest, onDelta func(model string, d Delta) error) (resp ChatResponse, started bool, err error) {
	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	var state atomic.Int32
	var timer *time.Timer
	if d := r.AttemptTimeout; d > 0 {
		timer = time.AfterFunc(d, func() {
			if state.CompareAndSwap(attemptWaiting, attemptExpired) {
				cancel()
			}
		})
	}
	var f func(Delta) error
	if onDelta != nil {
		f = func(delta Delta) error {
			if delta.Empty() {
				return nil
			}
			if state.Load() != attemptStreaming {
				if !state.CompareAndSwap(attemptWaiting, attemptStreaming) {
					return context.DeadlineExceeded // out of time; this attempt's text is not passed on
				}
				if timer != nil {
					timer.Stop()
				}
			}
			return onDelta(name, delta)
		}
	}
	resp, err = p.Chat(actx, req, f)
	if timer != nil {
		timer.Stop()
	}
	st := state.Load()
	if err != nil && st == attemptExpired && ctx.Err() == nil {
		err = fmt.Errorf("%w: no answer within %v (%w)", ErrProvider, r.AttemptTimeout, context.DeadlineExceeded)
	}
	return resp, st == attemptStreaming, err
}

// attemptsError is the failures of every model tried.
type attemptsError []error

func (e attemptsError) Error() string {
	s := make([]string, len(e))
	for i, err := range e {
		s[i] = err.Error()
	}
	return strings.Join(s, "; then ")
}

func (e attemptsError) Unwrap() []error { return e }

func joinAttempts(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	return attemptsError(errs)
}
