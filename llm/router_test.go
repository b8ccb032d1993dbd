package llm_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/phalanetwork/phala/llm"
)

// fake is a test double of an external model backend.
type fake struct {
	name   string
	models []string
	err    error // from Models
	chat   func(ctx context.Context, req llm.ChatRequest, onDelta func(llm.Delta) error) (llm.ChatResponse, error)
	calls  atomic.Int32
}

func (f *fake) Name() string { return f.name }

func (f *fake) Models(context.Context) ([]string, error) { return f.models, f.err }

func (f *fake) Chat(ctx context.Context, req llm.ChatRequest, onDelta func(llm.Delta) error) (llm.ChatResponse, error) {
	f.calls.Add(1)
	return f.chat(ctx, req, onDelta)
}

// answer streams words (when streaming) and answers with them.
func answer(words ...string) func(context.Context, llm.ChatRequest, func(llm.Delta) error) (llm.ChatResponse, error) {
	return func(_ context.Context, req llm.ChatRequest, onDelta func(llm.Delta) error) (llm.ChatResponse, error) {
		if onDelta != nil {
			for _, w := range words {
				if err := onDelta(llm.Delta{Content: w}); err != nil {
					return llm.ChatResponse{}, err
				}
			}
		}
		return llm.ChatResponse{
			Model: req.Model, Content: strings.Join(words, ""), FinishReason: "stop",
			Usage: llm.Usage{PromptTokens: 10, CompletionTokens: len(words), TotalTokens: 10 + len(words)},
		}, nil
	}
}

func failWith(err error) func(context.Context, llm.ChatRequest, func(llm.Delta) error) (llm.ChatResponse, error) {
	return func(context.Context, llm.ChatRequest, func(llm.Delta) error) (llm.ChatResponse, error) {
		return llm.ChatResponse{}, err
	}
}

// hang waits for the context, as a provider that does not answer.
func hang(ctx context.Context, _ llm.ChatRequest, _ func(llm.Delta) error) (llm.ChatResponse, error) {
	<-ctx.Done()
	return llm.ChatResponse{}, fmt.Errorf("%w: %w", llm.ErrProvider, ctx.Err())
}

func chatReq(model string) llm.ChatRequest {
	return llm.ChatRequest{Model: model, Messages: []llm.Message{{Role: "user", Content: "hi"}}}
}

func TestRouterChatFallback(t *testing.T) {
	providerErr := fmt.Errorf("%w: HTTP 503", llm.ErrProvider)
	tests := []struct {
		name      string
		a         func(context.Context, llm.ChatRequest, func(llm.Delta) error) (llm.ChatResponse, error)
		b         func(context.Context, llm.ChatRequest, func(llm.Delta) error) (llm.ChatResponse, error)
		fallbacks []string
		stream    bool
		timeout   time.Duration
		wantModel string // "" when an error is wanted
		wantErr   error
		wantB     int32 // calls to b
		wantText  string
	}{
		{name: "first answers", a: answer("he", "llo"), b: answer("no"), wantModel: "a/m1", wantText: "hello"},
		{name: "first answers streaming", a: answer("he", "llo"), b: answer("no"), stream: true, wantModel: "a/m1", wantText: "hello"},
		{name: "provider error falls back", a: failWith(providerErr), b: answer("b", "!"), wantModel: "b/m2", wantB: 1, wantText: "b!"},
		{name: "provider error falls back streaming", a: failWith(providerErr), b: answer("b", "!"), stream: true, wantModel: "b/m2", wantB: 1, wantText: "b!"},
		{name: "bad request does not fall back", a: failWith(fmt.Errorf("%w: too long", llm.ErrBadRequest)), b: answer("b"), wantErr: llm.ErrBadRequest},
		{name: "unknown upstream model does not fall back", a: failWith(fmt.Errorf("%w: nope", llm.ErrUnknownModel)), b: answer("b"), wantErr: llm.ErrUnknownModel},
		{
			name: "failure after a delta does not fall back", stream: true, b: answer("b"), wantErr: llm.ErrProvider, wantText: "par",
			a: func(_ context.Context, _ llm.ChatRequest, onDelta func(llm.Delta) error) (llm.ChatResponse, error) {
				if err := onDelta(llm.Delta{Content: "par"}); err != nil {
					return llm.ChatResponse{}, err
				}
				return llm.ChatResponse{}, fmt.Errorf("%w: connection reset", llm.ErrProvider)
			},
		},
		{name: "timeout falls back", a: hang, b: answer("late"), timeout: 20 * time.Millisecond, wantModel: "b/m2", wantB: 1, wantText: "late"},
		{name: "timeout before first delta falls back", a: hang, b: answer("late"), stream: true, timeout: 20 * time.Millisecond, wantModel: "b/m2", wantB: 1, wantText: "late"},
		{
			name: "timeout does not cut a stream that started", stream: true, timeout: 30 * time.Millisecond, b: answer("b"), wantModel: "a/m1", wantText: "slowstream",
			a: func(ctx context.Context, req llm.ChatRequest, onDelta func(llm.Delta) error) (llm.ChatResponse, error) {
				if err := onDelta(llm.Delta{Content: "slow"}); err != nil {
					return llm.ChatResponse{}, err
				}
				select {
				case <-time.After(80 * time.Millisecond):
				case <-ctx.Done():
					return llm.ChatResponse{}, ctx.Err()
				}
				if err := onDelta(llm.Delta{Content: "stream"}); err != nil {
					return llm.ChatResponse{}, err
				}
				return llm.ChatResponse{Content: "slowstream"}, nil
			},
		},
		{name: "both fail", a: failWith(providerErr), b: failWith(providerErr), wantErr: llm.ErrProvider, wantB: 1},
		{name: "no fallbacks configured", a: failWith(providerErr), b: answer("b"), fallbacks: []string{}, wantErr: llm.ErrProvider},
		{name: "fallback to a missing provider is skipped", a: failWith(providerErr), b: answer("b"), fallbacks: []string{"zz/x", "b/m2"}, wantModel: "b/m2", wantB: 1, wantText: "b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &fake{name: "a", chat: tt.a}
			b := &fake{name: "b", chat: tt.b}
			r := llm.NewRouter(a, b)
			r.AttemptTimeout = tt.timeout
			fb := tt.fallbacks
			if fb == nil {
				fb = []string{"b/m2"}
			}
			r.Fallbacks = map[string][]string{"a/m1": fb}
			var got strings.Builder
			var onDelta func(llm.Delta) error
			if tt.stream {
				onDelta = func(d llm.Delta) error { got.WriteString(d.Content); return nil }
			}
			resp, err := r.Chat(context.Background(), "alice", chatReq("a/m1"), onDelta)
			if tt.wantModel == "" {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if resp.Model != tt.wantModel {
					t.Errorf("model = %q, want %q", resp.Model, tt.wantModel)
				}
				if !tt.stream {
					got.WriteString(resp.Content)
				}
			}
			if got.String() != tt.wantText {
				t.Errorf("text = %q, want %q", got.String(), tt.wantText)
			}
			if n := b.calls.Load(); n != tt.wantB {
				t.Errorf("fallback called %d times, want %d", n, tt.wantB)
			}
		})
	}
}

func TestRouterErrorNamesEveryAttempt(t *testing.T) {
	a := &fake{name: "a", chat: failWith(fmt.Errorf("%w: HTTP 500", llm.ErrProvider))}
	b := &fake{name: "b", chat: failWith(fmt.Errorf("%w: HTTP 429", llm.ErrProvider))}
	r := llm.NewRouter(a, b)
	r.Fallbacks = map[string][]string{"a/x": {"b/y"}}
	_, err := r.Chat(context.Background(), "", chatReq("a/x"), nil)
	if !errors.Is(err, llm.ErrProvider) {
		t.Fatalf("err = %v", err)
	}
	for _, s := range []string{"a/x", "HTTP 500", "b/y", "HTTP 429"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
}

func TestRouterCallerCancelDoesNotFallBack(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	a := &fake{name: "a", chat: func(ctx context.Context, req llm.ChatRequest, f func(llm.Delta) error) (llm.ChatResponse, error) {
		cancel()
		return hang(ctx, req, f)
	}}
	b := &fake{name: "b", chat: answer("b")}
	r := llm.NewRouter(a, b)
	r.Fallbacks = map[string][]string{"a/x": {"b/y"}}
	if _, err := r.Chat(ctx, "", chatReq("a/x"), nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if b.calls.Load() != 0 {
		t.Error("fell back after the caller gave up")
	}
}

func TestRouterPassesTheProvidersModelName(t *testing.T) {
	var got llm.ChatRequest
	a := &fake{name: "a", chat: func(_ context.Context, req llm.ChatRequest, _ func(llm.Delta) error) (llm.ChatResponse, error) {
		got = req
		return llm.ChatResponse{Model: "upstream-name-2024"}, nil
	}}
	resp, err := llm.NewRouter(a).Chat(context.Background(), "", chatReq("a/org/model:tag"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Model != "org/model:tag" || got.Stream {
		t.Errorf("provider got model %q stream %v", got.Model, got.Stream)
	}
	if resp.Model != "a/org/model:tag" {
		t.Errorf("response model %q", resp.Model)
	}
}

func TestRouterUnknownModel(t *testing.T) {
	r := llm.NewRouter(&fake{name: "openai"}, &fake{name: "local"})
	_, err := r.Chat(context.Background(), "", chatReq("nope/gpt"), nil)
	if !errors.Is(err, llm.ErrUnknownModel) {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "openai, local") {
		t.Errorf("error %q does not list the providers", err)
	}
	_, err = llm.NewRouter().Chat(context.Background(), "", chatReq("a/b"), nil)
	if !errors.Is(err, llm.ErrNotConfigured) {
		t.Fatalf("no providers: err = %v", err)
	}
}

func TestRouterValidate(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	tests := []struct {
		name string
		edit func(*llm.ChatRequest)
		ok   bool
	}{
		{"valid", func(*llm.ChatRequest) {}, true},
		{"all roles", func(r *llm.ChatRequest) {
			r.Messages = []llm.Message{{Role: "system"}, {Role: "user"}, {Role: "assistant"}}
		}, true},
		{"max tokens at cap", func(r *llm.ChatRequest) { r.MaxTokens = 100 }, true},
		{"bounds", func(r *llm.ChatRequest) { r.Temperature, r.TopP = f(2), f(0) }, true},
		{"no messages", func(r *llm.ChatRequest) { r.Messages = nil }, false},
		{"tool role", func(r *llm.ChatRequest) { r.Messages[0].Role = "tool" }, false},
		{"empty role", func(r *llm.ChatRequest) { r.Messages[0].Role = "" }, false},
		{"max tokens over cap", func(r *llm.ChatRequest) { r.MaxTokens = 101 }, false},
		{"negative max tokens", func(r *llm.ChatRequest) { r.MaxTokens = -1 }, false},
		{"temperature", func(r *llm.ChatRequest) { r.Temperature = f(2.5) }, false},
		{"top_p", func(r *llm.ChatRequest) { r.TopP = f(-0.1) }, false},
		{"too many stops", func(r *llm.ChatRequest) { r.Stop = []string{"a", "b", "c", "d", "e"} }, false},
		{"model without provider", func(r *llm.ChatRequest) { r.Model = "gpt-4o" }, false},
		{"empty model", func(r *llm.ChatRequest) { r.Model = "" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &fake{name: "a", chat: answer("x")}
			r := llm.NewRouter(a)
			r.MaxTokens = 100
			req := chatReq("a/m")
			tt.edit(&req)
			_, err := r.Chat(context.Background(), "", req, nil)
			if tt.ok && err != nil {
				t.Fatalf("err = %v", err)
			}
			if !tt.ok {
				if !errors.Is(err, llm.ErrBadRequest) {
					t.Fatalf("err = %v, want ErrBadRequest", err)
				}
				if a.calls.Load() != 0 {
					t.Error("an invalid request reached the provider")
				}
			}
		})
	}
	if err := llm.NewRouter().Validate(llm.ChatRequest{Model: "a/b", Messages: []llm.Message{{Role: "user"}}, MaxTokens: llm.DefaultMaxTokens + 1}); !errors.Is(err, llm.ErrBadRequest) {
		t.Errorf("default cap: err = %v", err)
	}
}

func TestRouterModels(t *testing.T) {
	r := llm.NewRouter(
		&fake{name: "openai", models: []string{"gpt-4o", "gpt-4o-mini"}},
		&fake{name: "down", err: fmt.Errorf("%w: HTTP 502", llm.ErrProvider)},
		&fake{name: "local", models: []string{"stories260K"}},
	)
	ms, err := r.Models(context.Background())
	want := []string{"openai/gpt-4o", "openai/gpt-4o-mini", "local/stories260K"}
	if !slices.Equal(ms, want) {
		t.Errorf("models = %v, want %v", ms, want)
	}
	if !errors.Is(err, llm.ErrProvider) || !strings.Contains(err.Error(), "down") {
		t.Errorf("err = %v", err)
	}
	if got := r.Providers(); !slices.Equal(got, []string{"openai", "down", "local"}) {
		t.Errorf("providers = %v", got)
	}
}

func TestRouterUsage(t *testing.T) {
	a := &fake{name: "a", chat: answer("x", "y")} // 10 prompt + 2 completion
	b := &fake{name: "b", chat: answer("z")}      // 10 + 1
	c := &fake{name: "c", chat: func(_ context.Context, _ llm.ChatRequest, onDelta func(llm.Delta) error) (llm.ChatResponse, error) {
		onDelta(llm.Delta{Content: "partial"})
		return llm.ChatResponse{Usage: llm.Usage{PromptTokens: 5, CompletionTokens: 1}}, fmt.Errorf("%w: cut", llm.ErrProvider)
	}}
	bad := &fake{name: "bad", chat: failWith(fmt.Errorf("%w: 503", llm.ErrProvider))}
	r := llm.NewRouter(a, b, c, bad)
	r.Fallbacks = map[string][]string{"bad/m": {"b/m"}}
	ctx := context.Background()
	nop := func(llm.Delta) error { return nil }
	for _, call := range []struct {
		caller, model string
		stream        bool
	}{{"alice", "a/m", false}, {"alice", "a/m", true}, {"bob", "b/m", false}, {"bob", "bad/m", false}, {"carol", "c/m", true}} {
		var f func(llm.Delta) error
		if call.stream {
			f = nop
		}
		resp, err := r.Chat(ctx, call.caller, chatReq(call.model), f)
		if call.caller == "carol" {
			// The usage of a stream cut short comes with the error.
			if err == nil || resp.Usage != (llm.Usage{PromptTokens: 5, CompletionTokens: 1, TotalTokens: 6}) {
				t.Errorf("carol: %+v, %v", resp, err)
			}
		}
	}
	if got, want := r.Usage("alice"), (llm.Usage{PromptTokens: 20, CompletionTokens: 4, TotalTokens: 24}); got != want {
		t.Errorf("alice = %+v, want %+v", got, want)
	}
	if got, want := r.Usage("bob"), (llm.Usage{PromptTokens: 20, CompletionTokens: 2, TotalTokens: 22}); got != want {
		t.Errorf("bob = %+v, want %+v", got, want)
	}
	if got, want := r.Usage("carol"), (llm.Usage{PromptTokens: 5, CompletionTokens: 1, TotalTokens: 6}); got != want {
		t.Errorf("carol (stream cut short) = %+v, want %+v", got, want)
	}
	if got := r.Usage("nobody"); got != (llm.Usage{}) {
		t.Errorf("nobody = %+v", got)
	}
	m := r.Metered()
	if got := m.Providers["a"]; got.Requests != 2 || got.Failures != 0 || got.Usage.TotalTokens != 24 {
		t.Errorf("provider a = %+v", got)
	}
	if got := m.Providers["b"]; got.Requests != 2 || got.Usage.TotalTokens != 22 {
		t.Errorf("provider b = %+v", got)
	}
	if got := m.Providers["bad"]; got.Requests != 0 || got.Failures != 1 {
		t.Errorf("provider bad = %+v", got)
	}
	if got := m.Callers["bob"]; got.Requests != 2 || got.Failures != 1 {
		t.Errorf("caller bob = %+v", got)
	}
	if m.Total.TotalTokens != 24+22+6 {
		t.Errorf("total = %+v", m.Total)
	}
	// The snapshot is a copy.
	m.Callers["alice"] = llm.Tally{}
	if r.Usage("alice").TotalTokens != 24 {
		t.Error("snapshot shares the meters")
	}
}

func TestRouterConcurrent(t *testing.T) {
	a := &fake{name: "a", chat: answer("x", "y")}
	b := &fake{name: "b", chat: answer("z")}
	flaky := &fake{name: "flaky"}
	var n atomic.Int32
	flaky.chat = func(ctx context.Context, req llm.ChatRequest, onDelta func(llm.Delta) error) (llm.ChatResponse, error) {
		if n.Add(1)%2 == 0 {
			return llm.ChatResponse{}, fmt.Errorf("%w: 429", llm.ErrProvider)
		}
		return answer("f")(ctx, req, onDelta)
	}
	r := llm.NewRouter(a, b, flaky)
	r.Fallbacks = map[string][]string{"flaky/m": {"b/m"}}
	r.AttemptTimeout = time.Second
	const goroutines, each = 16, 50
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			caller := fmt.Sprintf("c%d", g%4)
			for i := range each {
				model := []string{"a/m", "b/m", "flaky/m"}[i%3]
				var f func(llm.Delta) error
				if i%2 == 0 {
					f = func(llm.Delta) error { return nil }
				}
				if _, err := r.Chat(context.Background(), caller, chatReq(model), f); err != nil {
					t.Error(err)
				}
				r.Usage(caller)
				r.Metered()
			}
			r.Models(context.Background())
		})
	}
	wg.Wait()
	m := r.Metered()
	var requests int64
	for _, c := range m.Callers {
		requests += c.Requests
	}
	if requests != goroutines*each {
		t.Errorf("requests = %d, want %d", requests, goroutines*each)
	}
	var sum llm.Usage
	for _, p := range m.Providers {
		sum = sum.Add(p.Usage)
	}
	if sum != m.Total {
		t.Errorf("providers sum %+v, callers total %+v", sum, m.Total)
	}
}

func TestNewRouterPanics(t *testing.T) {
	for name, ps := range map[string][]llm.Provider{
		"duplicate": {&fake{name: "a"}, &fake{name: "a"}},
		"slash":     {&fake{name: "a/b"}},
		"empty":     {&fake{name: ""}},
		"nil":       {nil},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			llm.NewRouter(ps...)
		})
	}
}
