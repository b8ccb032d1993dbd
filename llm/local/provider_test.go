package local

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/phalanetwork/phala/llm"
)

func realProvider(t testing.TB) *Provider {
	t.Helper()
	return NewFromModel(loadReal(t))
}

func user(s string) []llm.Message { return []llm.Message{{Role: "user", Content: s}} }

func ptr[T any](v T) *T { return &v }

// chat runs a Chat, collecting the streamed deltas.
func chat(t testing.TB, p *Provider, req llm.ChatRequest) (llm.ChatResponse, []string) {
	t.Helper()
	var deltas []string
	resp, err := p.Chat(context.Background(), req, func(dl llm.Delta) error {
		d := dl.Content
		if d == "" || !utf8.ValidString(d) {
			t.Errorf("delta %q", d)
		}
		deltas = append(deltas, d)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(deltas, ""); got != resp.Content {
		t.Errorf("deltas %q add up to %q, content %q", deltas, got, resp.Content)
	}
	if resp.Usage.TotalTokens != resp.Usage.PromptTokens+resp.Usage.CompletionTokens {
		t.Errorf("usage %+v", resp.Usage)
	}
	return resp, deltas
}

func TestNew(t *testing.T) {
	loadReal(t) // skips without the model
	p, err := New(realModel)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name() != "local" {
		t.Errorf("name %q", p.Name())
	}
	models, err := p.Models(context.Background())
	if err != nil || !reflect.DeepEqual(models, []string{"stories260K"}) {
		t.Errorf("models %v, %v", models, err)
	}
	if _, err := New(realModel + ".missing"); err == nil {
		t.Error("missing file loaded")
	}
}

func TestUnconfigured(t *testing.T) {
	p := Unconfigured()
	const msg = "no local model loaded: start with --llm-model PATH (a GGUF file, e.g. ../shared/models/stories260K.gguf)"
	if _, err := p.Models(context.Background()); !errors.Is(err, llm.ErrNotConfigured) || err.Error() != msg {
		t.Errorf("Models: %v", err)
	}
	_, err := p.Chat(context.Background(), llm.ChatRequest{Messages: user("hi")}, nil)
	if !errors.Is(err, llm.ErrNotConfigured) || err.Error() != msg {
		t.Errorf("Chat: %v", err)
	}
	if p.Name() != "local" || p.Model() != nil {
		t.Error("name or model")
	}
}

func TestChatGreedy(t *testing.T) {
	p := realProvider(t)
	ref := llamaCppGreedy[0]
	resp, deltas := chat(t, p, llm.ChatRequest{Model: "stories260K", Messages: user(ref.text), MaxTokens: 32})
	if resp.Content != ref.output || resp.FinishReason != "length" || resp.Model != "stories260K" {
		t.Errorf("response %+v", resp)
	}
	if resp.Usage != (llm.Usage{PromptTokens: 5, CompletionTokens: 32, TotalTokens: 37}) {
		t.Errorf("usage %+v", resp.Usage)
	}
	if len(deltas) < 20 {
		t.Errorf("only %d deltas: not streamed token by token", len(deltas))
	}
	// Temperature 0 explicitly is greedy too, and so is a nucleus that
	// holds only the most likely token.
	for _, req := range []llm.ChatRequest{
		{Messages: user(ref.text), MaxTokens: 32, Temperature: ptr(0.0), Seed: ptr(int64(3))},
		{Messages: user(ref.text), MaxTokens: 32, Temperature: ptr(1.0), TopP: ptr(1e-9)},
	} {
		if r, _ := chat(t, p, req); r.Content != ref.output {
			t.Errorf("%+v gave %q", req, r.Content)
		}
	}
	// Messages are joined by newlines.
	split := []llm.Message{{Role: "system", Content: "Once upon"}, {Role: "user", Content: "a time"}}
	joined, _ := chat(t, p, llm.ChatRequest{Messages: user("Once upon\na time"), MaxTokens: 8})
	if r, _ := chat(t, p, llm.ChatRequest{Messages: split, MaxTokens: 8}); r.Content != joined.Content || r.Usage != joined.Usage {
		t.Errorf("messages %q, joined %q", r.Content, joined.Content)
	}
}

func TestChatDefaultMaxTokens(t *testing.T) {
	resp, _ := chat(t, realProvider(t), llm.ChatRequest{Messages: user("Once upon a time")})
	if resp.Usage.CompletionTokens != DefaultMaxTokens || resp.FinishReason != "length" {
		t.Errorf("%d tokens, %s", resp.Usage.CompletionTokens, resp.FinishReason)
	}
}

func TestChatSampling(t *testing.T) {
	p := realProvider(t)
	req := func(seed int64) llm.ChatRequest {
		return llm.ChatRequest{Messages: user("Once upon a time"), MaxTokens: 48, Temperature: ptr(1.0), TopP: ptr(0.9), Seed: ptr(seed)}
	}
	a, _ := chat(t, p, req(1))
	b, _ := chat(t, p, req(1))
	if a.Content != b.Content {
		t.Errorf("same seed:\n%q\n%q", a.Content, b.Content)
	}
	distinct := map[string]bool{a.Content: true}
	for seed := int64(2); seed < 6; seed++ {
		r, _ := chat(t, p, req(seed))
		distinct[r.Content] = true
	}
	if len(distinct) < 4 {
		t.Errorf("5 seeds gave %d distinct completions", len(distinct))
	}
	if a.Content == llamaCppGreedy[0].output {
		t.Error("sampling gave the greedy text")
	}
	// No seed: random, still valid.
	r, _ := chat(t, p, llm.ChatRequest{Messages: user("Once upon a time"), MaxTokens: 8, Temperature: ptr(0.7)})
	if r.Usage.CompletionTokens == 0 {
		t.Error("nothing generated")
	}
}

func TestChatMaxTokens(t *testing.T) {
	p := realProvider(t)
	for _, n := range []int{1, 5, 17} {
		resp, _ := chat(t, p, llm.ChatRequest{Messages: user("Once upon a time"), MaxTokens: n})
		if resp.Usage.CompletionTokens != n || resp.FinishReason != "length" {
			t.Errorf("max %d: %d tokens, %s", n, resp.Usage.CompletionTokens, resp.FinishReason)
		}
	}
}

func TestChatStop(t *testing.T) {
	p := realProvider(t)
	full := llamaCppGreedy[0].output
	for _, stops := range [][]string{{"park"}, {"Lily. She", "zzz"}, {"zzz", "she", ", there"}, {"outside", "loved"}} {
		resp, deltas := chat(t, p, llm.ChatRequest{Messages: user("Once upon a time"), MaxTokens: 32, Stop: stops})
		cut := len(full)
		for _, s := range stops {
			if i := strings.Index(full, s); i >= 0 {
				cut = min(cut, i)
			}
		}
		if resp.Content != full[:cut] || resp.FinishReason != "stop" {
			t.Errorf("stop %q: %q (%s), want %q", stops, resp.Content, resp.FinishReason, full[:cut])
		}
		for _, d := range deltas {
			for _, s := range stops {
				if strings.Contains(d, s) {
					t.Errorf("delta %q streams the stop string %q", d, s)
				}
			}
		}
	}
	// A stop string that never comes holds nothing back at the end.
	resp, _ := chat(t, p, llm.ChatRequest{Messages: user("Once upon a time"), MaxTokens: 32, Stop: []string{"saw!"}})
	if resp.Content != full || resp.FinishReason != "length" {
		t.Errorf("unmatched stop: %q %s", resp.Content, resp.FinishReason)
	}
}

func TestChatEOS(t *testing.T) {
	// Pretend "." (token 426) is the end of sequence: generation stops
	// before it with finish reason "stop", and EOS is not counted.
	m := *loadReal(t)
	tok := *m.Tokenizer
	tok.EOS = 426
	m.Tokenizer = &tok
	resp, _ := chat(t, NewFromModel(&m), llm.ChatRequest{Messages: user("Once upon a time"), MaxTokens: 32})
	if resp.Content != ", there was a little girl named Lily" || resp.FinishReason != "stop" || resp.Usage.CompletionTokens != 10 {
		t.Errorf("%+v", resp)
	}
}

func TestChatContextLength(t *testing.T) {
	p := NewFromModel(parseTiny(t, tiny(defaultTiny))) // context of 12
	resp, _ := chat(t, p, llm.ChatRequest{Messages: user("ab"), MaxTokens: 100})
	if resp.FinishReason != "length" || resp.Usage.TotalTokens != 12 {
		t.Errorf("%+v", resp)
	}
	_, err := p.Chat(context.Background(), llm.ChatRequest{Messages: user("ab ab ab ab ab ab ab ab ab ab ab ab")}, nil)
	if !errors.Is(err, llm.ErrBadRequest) || !strings.Contains(err.Error(), "context") {
		t.Errorf("long prompt: %v", err)
	}
}

func TestChatBadRequests(t *testing.T) {
	p := realProvider(t)
	for _, c := range []struct {
		req  llm.ChatRequest
		want error
	}{
		{llm.ChatRequest{}, llm.ErrBadRequest},
		{llm.ChatRequest{Messages: user("x"), Temperature: ptr(-1.0)}, llm.ErrBadRequest},
		{llm.ChatRequest{Messages: user("x"), TopP: ptr(0.0)}, llm.ErrBadRequest},
		{llm.ChatRequest{Messages: user("x"), TopP: ptr(1.5)}, llm.ErrBadRequest},
		{llm.ChatRequest{Messages: user("x"), MaxTokens: -1}, llm.ErrBadRequest},
		{llm.ChatRequest{Model: "llama-70b", Messages: user("x")}, llm.ErrUnknownModel},
	} {
		if _, err := p.Chat(context.Background(), c.req, nil); !errors.Is(err, c.want) {
			t.Errorf("%+v: %v, want %v", c.req, err, c.want)
		}
	}
}

func TestChatStreamErrorAndCancel(t *testing.T) {
	p := realProvider(t)
	boom := errors.New("client gone")
	calls := 0
	_, err := p.Chat(context.Background(), llm.ChatRequest{Messages: user("Once upon a time"), MaxTokens: 32}, func(llm.Delta) error {
		calls++
		if calls == 3 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) || calls != 3 {
		t.Errorf("onDelta error: %v after %d calls", err, calls)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Chat(ctx, llm.ChatRequest{Messages: user("Once upon a time")}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	ctx, cancel = context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	resp, err := p.Chat(ctx, llm.ChatRequest{Messages: user("Once upon a time"), MaxTokens: 2000}, func(llm.Delta) error {
		time.Sleep(time.Millisecond)
		return nil
	})
	if !errors.Is(err, context.DeadlineExceeded) || resp.Usage.CompletionTokens >= 2000 {
		t.Errorf("deadline: %v after %d tokens", err, resp.Usage.CompletionTokens)
	}
}

func TestChatConcurrent(t *testing.T) {
	p := realProvider(t)
	reqs := []llm.ChatRequest{
		{Messages: user("Once upon a time"), MaxTokens: 40},
		{Messages: user("The cat"), MaxTokens: 40, Temperature: ptr(0.9), Seed: ptr(int64(11))},
		{Messages: user("Lily and Tom went to the park."), MaxTokens: 40, Temperature: ptr(1.2), TopP: ptr(0.8), Seed: ptr(int64(5))},
		{Messages: user("Once upon a time"), MaxTokens: 40, Temperature: ptr(0.5), Seed: ptr(int64(99)), Stop: []string{"park"}},
	}
	want := make([]llm.ChatResponse, len(reqs))
	for i, r := range reqs {
		want[i], _ = chat(t, p, r)
	}
	got := make([]llm.ChatResponse, len(reqs))
	errs := make([]error, len(reqs))
	var wg sync.WaitGroup
	for round := range 2 {
		for i, r := range reqs {
			wg.Go(func() {
				var b strings.Builder
				resp, err := p.Chat(context.Background(), r, func(d llm.Delta) error { b.WriteString(d.Content); return nil })
				if err == nil && b.String() != resp.Content {
					err = fmt.Errorf("streamed %q, content %q", b.String(), resp.Content)
				}
				if round == 0 {
					got[i], errs[i] = resp, err
				}
			})
		}
	}
	wg.Wait()
	for i := range reqs {
		if errs[i] != nil || !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("request %d concurrently: %+v, %v; sequentially %+v", i, got[i], errs[i], want[i])
		}
	}
}

// BenchmarkLocalTokensPerSecond measures generation speed on the real
// model: greedy completions of 128 tokens after a 5-token prompt.
func BenchmarkLocalTokensPerSecond(b *testing.B) {
	p := realProvider(b)
	req := llm.ChatRequest{Messages: user("Once upon a time"), MaxTokens: 128}
	tokens := 0
	b.ResetTimer()
	for b.Loop() {
		resp, err := p.Chat(context.Background(), req, nil)
		if err != nil {
			b.Fatal(err)
		}
		tokens += resp.Usage.CompletionTokens
	}
	b.ReportMetric(float64(tokens)/b.Elapsed().Seconds(), "tokens/s")
}
