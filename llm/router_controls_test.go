package llm_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/llm"
)

// capable is a fake provider that declares capabilities.
type capable struct {
	*fake
	caps llm.Capabilities
}

func (c capable) Capabilities(string) llm.Capabilities { return c.caps }

func TestRouterModelsListAndPreferences(t *testing.T) {
	no := false
	down := fmt.Errorf("%w: HTTP 503", llm.ErrProvider)
	tests := []struct {
		name    string
		req     func(*llm.ChatRequest)
		want    string // model that served, or "" for an error
		wantErr string
	}{
		{name: "models list falls back", req: func(r *llm.ChatRequest) { r.Models = []string{"b/m2", "c/m3"} }, want: "c/m3"},
		{name: "only", req: func(r *llm.ChatRequest) {
			r.Models = []string{"c/m3"}
			r.Provider = &llm.ProviderPrefs{Only: []string{"c"}}
		}, want: "c/m3"},
		{name: "order", req: func(r *llm.ChatRequest) {
			r.Models = []string{"c/m3"}
			r.Provider = &llm.ProviderPrefs{Order: []string{"c"}}
		}, want: "c/m3"},
		{name: "no fallbacks", req: func(r *llm.ChatRequest) {
			r.Models = []string{"c/m3"}
			r.Provider = &llm.ProviderPrefs{AllowFallbacks: &no}
		}, wantErr: "HTTP 503"},
		{name: "ignore all", req: func(r *llm.ChatRequest) { r.Provider = &llm.ProviderPrefs{Ignore: []string{"a"}} }, wantErr: "provider preferences"},
		{name: "bad name in models", req: func(r *llm.ChatRequest) { r.Models = []string{"nope"} }, wantErr: "models[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := llm.NewRouter(&fake{name: "a", chat: failWith(down)}, &fake{name: "b", chat: failWith(down)}, &fake{name: "c", chat: answer("ok")})
			req := chatReq("a/m1")
			tt.req(&req)
			resp, err := r.Chat(context.Background(), "alice", req, nil)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || resp.Model != tt.want {
				t.Fatalf("served by %q, %v; want %q", resp.Model, err, tt.want)
			}
			// Billed to the provider that served.
			if m := r.Metered(); m.Providers["c"].Usage.TotalTokens != resp.Usage.TotalTokens {
				t.Errorf("provider c metered %+v, answer %+v", m.Providers["c"], resp.Usage)
			}
		})
	}
}

// TestRouterRefusesUnsupportedFeatures: a feature the provider does not
// declare is a 400 naming the field, never dropped; a fallback that
// supports it serves.
func TestRouterRefusesUnsupportedFeatures(t *testing.T) {
	penalty := 0.5
	tests := []struct {
		field string
		set   func(*llm.ChatRequest)
	}{
		{"tools", func(r *llm.ChatRequest) {
			r.Tools = []llm.Tool{{Type: "function", Function: llm.FunctionDecl{Name: "f"}}}
		}},
		{"tools", func(r *llm.ChatRequest) {
			r.Messages = append(r.Messages, llm.Message{Role: "tool", ToolCallID: "c1", Content: "42"})
		}},
		{"response_format json_object", func(r *llm.ChatRequest) { r.ResponseFormat = &llm.ResponseFormat{Type: "json_object"} }},
		{"response_format json_schema", func(r *llm.ChatRequest) {
			r.ResponseFormat = &llm.ResponseFormat{Type: "json_schema", JSONSchema: &llm.JSONSchema{Name: "x", Schema: []byte(`{}`)}}
		}},
		{"n", func(r *llm.ChatRequest) { r.N = 2 }},
		{"logprobs", func(r *llm.ChatRequest) { r.Logprobs = true }},
		{"frequency_penalty/presence_penalty", func(r *llm.ChatRequest) { r.PresencePenalty = &penalty }},
		{"logit_bias", func(r *llm.ChatRequest) { r.LogitBias = map[string]float64{"1": 5} }},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			plain := &fake{name: "plain", chat: answer("x")}
			full := capable{&fake{name: "full", chat: answer("y")}, llm.Capabilities{Tools: true, JSONObject: true, JSONSchema: true, N: true, Logprobs: true, Penalties: true, LogitBias: true}}
			r := llm.NewRouter(plain, full)
			req := chatReq("plain/m")
			tt.set(&req)
			_, err := r.Chat(context.Background(), "", req, nil)
			if !errors.Is(err, llm.ErrUnsupported) || !errors.Is(err, llm.ErrBadRequest) || !strings.Contains(err.Error(), tt.field+" is not supported by plain/m") {
				t.Fatalf("err = %v", err)
			}
			if plain.calls.Load() != 0 {
				t.Error("the provider was called")
			}
			req.Models = []string{"full/m"}
			if resp, err := r.Chat(context.Background(), "", req, nil); err != nil || resp.Model != "full/m" {
				t.Fatalf("with a capable fallback: %+v, %v", resp, err)
			}
		})
	}
}

func TestRouterValidateExtras(t *testing.T) {
	big := 3.0
	tests := []struct {
		want string
		set  func(*llm.ChatRequest)
	}{
		{"n 9 must be within", func(r *llm.ChatRequest) { r.N = 9 }},
		{"top_logprobs 21", func(r *llm.ChatRequest) { r.Logprobs, r.TopLogprobs = true, 21 }},
		{"top_logprobs needs logprobs", func(r *llm.ChatRequest) { r.TopLogprobs = 2 }},
		{"frequency_penalty", func(r *llm.ChatRequest) { r.FrequencyPenalty = &big }},
		{"logit_bias[5]", func(r *llm.ChatRequest) { r.LogitBias = map[string]float64{"5": 101} }},
		{"tools[0]", func(r *llm.ChatRequest) { r.Tools = []llm.Tool{{Type: "retrieval"}} }},
		{"tool_choice needs tools", func(r *llm.ChatRequest) { r.ToolChoice = []byte(`"auto"`) }},
		{"json_schema needs", func(r *llm.ChatRequest) { r.ResponseFormat = &llm.ResponseFormat{Type: "json_schema"} }},
		{"response_format.type", func(r *llm.ChatRequest) { r.ResponseFormat = &llm.ResponseFormat{Type: "xml"} }},
		{"needs tool_call_id", func(r *llm.ChatRequest) { r.Messages = append(r.Messages, llm.Message{Role: "tool"}) }},
		{"tool_calls[0] needs an id", func(r *llm.ChatRequest) {
			r.Messages = append(r.Messages, llm.Message{Role: "assistant", ToolCalls: []llm.ToolCall{{}}})
		}},
		{"only assistant messages carry tool_calls", func(r *llm.ChatRequest) { r.Messages[0].ToolCallID = "x" }},
	}
	r := llm.NewRouter()
	for _, tt := range tests {
		req := chatReq("a/m")
		tt.set(&req)
		if err := r.Validate(req); !errors.Is(err, llm.ErrBadRequest) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v", tt.want, err)
		}
	}
}

func TestRouterCooldown(t *testing.T) {
	now := time.Unix(1000, 0)
	bad := &fake{name: "bad", chat: failWith(fmt.Errorf("%w: HTTP 500", llm.ErrProvider))}
	good := &fake{name: "good", chat: answer("ok")}
	r := llm.NewRouter(bad, good)
	r.Cooldown = llm.Cooldown{Failures: 2, For: 30 * time.Second}
	r.Clock = func() time.Time { return now }
	req := chatReq("bad/m")
	req.Models = []string{"good/m"}
	for range 5 {
		if resp, err := r.Chat(context.Background(), "", req, nil); err != nil || resp.Model != "good/m" {
			t.Fatalf("%+v, %v", resp, err)
		}
	}
	if n := bad.calls.Load(); n != 2 {
		t.Errorf("the failing provider was called %d times, want 2 (then cooled down)", n)
	}
	req.Models = nil
	if _, err := r.Chat(context.Background(), "", req, nil); !errors.Is(err, llm.ErrProvider) || !strings.Contains(err.Error(), "cooling down") {
		t.Errorf("alone while cooling: %v", err)
	}
	now = now.Add(31 * time.Second)
	r.Chat(context.Background(), "", req, nil)
	if n := bad.calls.Load(); n != 3 {
		t.Errorf("after the cooldown: %d calls, want 3", n)
	}
}

// TestRouterLimits: an attacker with one key sprays requests at the
// router; past its share of RPM, TPM or budget it gets ErrRateLimited
// with a Retry-After, and nothing reaches the provider.
func TestRouterLimits(t *testing.T) {
	tests := []struct {
		name    string
		limits  llm.Limits
		workers int
		allowed int
		limit   string
	}{
		{"rpm", llm.Limits{RPM: 3}, 1, 3, "rpm"},
		{"rpm shared by 3 workers", llm.Limits{RPM: 7}, 3, 3, "rpm"},
		{"tpm", llm.Limits{TPM: 25}, 1, 3, "tpm"}, // 11 tokens each: 0, 11, 22 < 25
		{"budget", llm.Limits{Budget: 30}, 1, 3, "budget"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := time.Unix(1000, 0)
			p := &fake{name: "p", chat: answer("x")} // 11 tokens
			r := llm.NewRouter(p)
			r.Limiter = &llm.Limiter{PerCaller: map[string]llm.Limits{"mallory": tt.limits}, Workers: func() int { return tt.workers }, Clock: func() time.Time { return now }}
			var err error
			n := 0
			for ; n < 100; n++ {
				if _, err = r.Chat(context.Background(), "mallory", chatReq("p/m"), nil); err != nil {
					break
				}
				now = now.Add(time.Second)
			}
			var le *llm.LimitError
			if n != tt.allowed || !errors.As(err, &le) || le.Limit != tt.limit || !strings.Contains(err.Error(), tt.limit+":") {
				t.Fatalf("%d allowed, then %v", n, err)
			}
			if int(p.calls.Load()) != n {
				t.Errorf("provider called %d times for %d admitted", p.calls.Load(), n)
			}
			if tt.limit != "budget" && (le.RetryAfter <= 0 || le.RetryAfter > time.Minute) {
				t.Errorf("retry after %v", le.RetryAfter)
			}
			// Another caller is not limited by mallory's use.
			if _, err := r.Chat(context.Background(), "alice", chatReq("p/m"), nil); err != nil {
				t.Errorf("alice: %v", err)
			}
			if tt.limit != "budget" {
				now = now.Add(time.Minute)
				if _, err := r.Chat(context.Background(), "mallory", chatReq("p/m"), nil); err != nil {
					t.Errorf("a minute later: %v", err)
				}
			}
		})
	}
}

// embedder is a fake provider with embeddings.
type embedder struct{ *fake }

func (embedder) Embed(_ context.Context, req llm.EmbedRequest) (llm.EmbedResponse, error) {
	out := llm.EmbedResponse{Model: req.Model, Usage: llm.Usage{PromptTokens: len(req.Input)}}
	for range req.Input {
		out.Embeddings = append(out.Embeddings, []float32{1, 2})
	}
	return out, nil
}

func TestRouterEmbed(t *testing.T) {
	r := llm.NewRouter(embedder{&fake{name: "e"}}, &fake{name: "plain"})
	resp, err := r.Embed(context.Background(), "alice", llm.EmbedRequest{Model: "e/m", Input: []string{"a", "b"}})
	if err != nil || resp.Model != "e/m" || len(resp.Embeddings) != 2 || resp.Usage.TotalTokens != 2 {
		t.Fatalf("%+v, %v", resp, err)
	}
	for _, tt := range []struct {
		req  llm.EmbedRequest
		want error
	}{
		{llm.EmbedRequest{Model: "plain/m", Input: []string{"a"}}, llm.ErrUnsupported},
		{llm.EmbedRequest{Model: "nope/m", Input: []string{"a"}}, llm.ErrUnknownModel},
		{llm.EmbedRequest{Model: "e/m"}, llm.ErrBadRequest},
		{llm.EmbedRequest{Model: "e", Input: []string{"a"}}, llm.ErrBadRequest},
	} {
		if _, err := r.Embed(context.Background(), "alice", tt.req); !errors.Is(err, tt.want) {
			t.Errorf("%+v: %v, want %v", tt.req, err, tt.want)
		}
	}
}
