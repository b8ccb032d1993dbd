package openai_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/phalanetwork/phala/llm"
	"github.com/phalanetwork/phala/llm/openai"
)

const apiKey = "sk-test-SECRET-0123456789abcdef"

// upstreamErrors are the upstream's error answers, by model name: status,
// whether the body is labelled JSON, and the body.
var upstreamErrors = map[string]struct {
	status int
	json   bool
	body   string
}{
	"rate":    {429, true, `{"error":{"message":"Rate limit reached for gpt-4o","type":"requests","code":"rate_limit_exceeded"}}`},
	"bad":     {400, true, `{"error":{"message":"max_tokens is too large: 100000.","type":"invalid_request_error","param":"max_tokens","code":null}}`},
	"down":    {503, false, "<html>upstream connect error</html>"},
	"missing": {404, true, `{"error":{"message":"The model 'missing' does not exist","type":"invalid_request_error","code":"model_not_found"}}`},
	// A broken upstream that echoes the key in its error.
	"echo-key": {500, false, `{"error":{"message":"internal error for key ` + apiKey + `"}}`},
}

// upstream emulates the OpenAI API. The model name picks the behaviour.
type upstream struct {
	*httptest.Server
	mu         sync.Mutex
	bodies     []map[string]any
	modelCalls atomic.Int32
}

func newUpstream(t *testing.T) *upstream {
	u := &upstream{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/models", func(w http.ResponseWriter, r *http.Request) {
		if !u.authorized(w, r) {
			return
		}
		u.modelCalls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"object":"list","data":[{"id":"gpt-4o","object":"model","owned_by":"openai"},{"id":"gpt-4o-mini","object":"model","owned_by":"openai"}]}`)
	})
	mux.HandleFunc("POST /v1/chat/completions", func(w http.ResponseWriter, r *http.Request) {
		if !u.authorized(w, r) {
			return
		}
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		u.mu.Lock()
		u.bodies = append(u.bodies, body)
		u.mu.Unlock()
		model, _ := body["model"].(string)
		stream, _ := body["stream"].(bool)
		if e, ok := upstreamErrors[model]; ok {
			if e.json {
				w.Header().Set("Content-Type", "application/json")
			}
			w.WriteHeader(e.status)
			io.WriteString(w, e.body)
			return
		}
		switch model {
		case "slow":
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		case "garbage":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"nope":`)
			return
		}
		if !stream {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"message":{"role":"assistant","content":"Hello there","refusal":null},"logprobs":null,"finish_reason":"length"}],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}}`)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		flush := func(s string) {
			io.WriteString(w, s)
			w.(http.Flusher).Flush()
		}
		chunk := func(delta, finish string) string {
			f := "null"
			if finish != "" {
				f = `"` + finish + `"`
			}
			return fmt.Sprintf(`data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":%s,"logprobs":null,"finish_reason":%s}]}`+"\n\n", delta, f)
		}
		flush(chunk(`{"role":"assistant","content":""}`, ""))
		for _, w := range []string{"Hel", "lo", " there"} {
			flush(chunk(`{"content":"`+w+`"}`, ""))
		}
		switch model {
		case "cut": // the connection ends mid-stream
			return
		case "stream-error":
			flush(`data: {"error":{"message":"overloaded","type":"server_error"}}` + "\n\n")
			return
		}
		flush(": keep-alive comment\n\n")
		flush(chunk(`{}`, "stop"))
		if so, _ := body["stream_options"].(map[string]any); so["include_usage"] == true && model != "no-usage" {
			flush(`data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o-2024-08-06","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}}` + "\n\n")
		}
		flush("data: [DONE]\n\n")
	})
	u.Server = httptest.NewServer(mux)
	t.Cleanup(u.Close)
	return u
}

func (u *upstream) authorized(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("Authorization") != "Bearer "+apiKey {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(401)
		// As OpenAI: the message shows part of the key sent.
		io.WriteString(w, `{"error":{"message":"Incorrect API key provided: `+r.Header.Get("Authorization")+`","type":"invalid_request_error","code":"invalid_api_key"}}`)
		return false
	}
	return true
}

func (u *upstream) lastBody() map[string]any {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.bodies[len(u.bodies)-1]
}

func newProvider(t *testing.T, base string, opts ...openai.Option) *openai.Provider {
	p, err := openai.New("oai", base, apiKey, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func req(model string) llm.ChatRequest {
	temp := 0.5
	return llm.ChatRequest{
		Model:       model,
		Messages:    []llm.Message{{Role: "system", Content: "be brief"}, {Role: "user", Content: "hi"}},
		MaxTokens:   50,
		Temperature: &temp,
		Stop:        []string{"\n\n"},
	}
}

func TestChat(t *testing.T) {
	u := newUpstream(t)
	p := newProvider(t, u.URL+"/v1/")
	resp, err := p.Chat(context.Background(), req("gpt-4o"), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := llm.ChatResponse{Model: "gpt-4o-2024-08-06", Content: "Hello there", FinishReason: "length", Usage: llm.Usage{PromptTokens: 12, CompletionTokens: 3, TotalTokens: 15}}
	resp.Normalize()
	want.Normalize()
	if !reflect.DeepEqual(resp, want) {
		t.Errorf("resp = %+v, want %+v", resp, want)
	}
	body := u.lastBody()
	if body["model"] != "gpt-4o" || body["max_tokens"] != 50.0 || body["temperature"] != 0.5 || body["stream"] != nil || body["stream_options"] != nil {
		t.Errorf("request body = %v", body)
	}
	if msgs, _ := body["messages"].([]any); len(msgs) != 2 {
		t.Errorf("messages = %v", body["messages"])
	}
}

func TestChatStream(t *testing.T) {
	tests := []struct {
		name      string
		model     string
		opts      []openai.Option
		wantUsage llm.Usage
	}{
		// Usage as the upstream reports it.
		{name: "with usage", model: "gpt-4o", wantUsage: llm.Usage{PromptTokens: 12, CompletionTokens: 3, TotalTokens: 15}},
		// Estimated: 3 chunks with text; prompt 4+2 ("be brief") + 4+1 ("hi").
		{name: "upstream omits usage", model: "no-usage", wantUsage: llm.Usage{PromptTokens: 11, CompletionTokens: 3, TotalTokens: 14}},
		{name: "usage not asked", model: "gpt-4o", opts: []openai.Option{openai.WithoutStreamUsage()}, wantUsage: llm.Usage{PromptTokens: 11, CompletionTokens: 3, TotalTokens: 14}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := newUpstream(t)
			p := newProvider(t, u.URL+"/v1", tt.opts...)
			var deltas []string
			resp, err := p.Chat(context.Background(), req(tt.model), func(d llm.Delta) error {
				deltas = append(deltas, d.Content)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(deltas, []string{"Hel", "lo", " there"}) {
				t.Errorf("deltas = %q", deltas)
			}
			if resp.Content != "Hello there" || resp.FinishReason != "stop" || resp.Usage != tt.wantUsage {
				t.Errorf("resp = %+v, want usage %+v", resp, tt.wantUsage)
			}
			body := u.lastBody()
			so, _ := body["stream_options"].(map[string]any)
			if body["stream"] != true || (so["include_usage"] == true) == (tt.opts != nil) {
				t.Errorf("request body = %v", body)
			}
		})
	}
}

func TestChatStreamStopsOnDeltaError(t *testing.T) {
	u := newUpstream(t)
	p := newProvider(t, u.URL+"/v1")
	stop := errors.New("client went away")
	n := 0
	resp, err := p.Chat(context.Background(), req("gpt-4o"), func(llm.Delta) error {
		n++
		return stop
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("err = %v after %d deltas", err, n)
	}
	if resp.Usage.CompletionTokens != 1 {
		t.Errorf("partial usage = %+v", resp.Usage)
	}
}

func TestChatErrors(t *testing.T) {
	u := newUpstream(t)
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	tests := []struct {
		name    string
		base    string
		key     string
		model   string
		stream  bool
		timeout time.Duration
		want    error
		mention string
	}{
		{name: "429", model: "rate", want: llm.ErrProvider, mention: "HTTP 429: Rate limit reached"},
		{name: "429 streaming", model: "rate", stream: true, want: llm.ErrProvider, mention: "HTTP 429"},
		{name: "400", model: "bad", want: llm.ErrBadRequest, mention: "max_tokens is too large"},
		{name: "503 html", model: "down", want: llm.ErrProvider, mention: "HTTP 503"},
		{name: "404 model", model: "missing", want: llm.ErrUnknownModel, mention: "does not exist"},
		{name: "401 with a wrong key", key: apiKey + "-wrong", model: "gpt-4o", want: llm.ErrProvider, mention: "HTTP 401"},
		{name: "500 echoing the key", model: "echo-key", want: llm.ErrProvider, mention: "[redacted]"},
		{name: "not JSON", model: "garbage", want: llm.ErrProvider, mention: "not an OpenAI chat completion"},
		{name: "404 wrong path", base: u.URL + "/wrong", model: "gpt-4o", want: llm.ErrProvider, mention: "HTTP 404"},
		{name: "network", base: dead.URL, model: "gpt-4o", want: llm.ErrProvider},
		{name: "timeout", model: "slow", timeout: 50 * time.Millisecond, want: llm.ErrProvider},
		{name: "stream cut", model: "cut", stream: true, want: llm.ErrProvider, mention: "before [DONE]"},
		{name: "stream error event", model: "stream-error", stream: true, want: llm.ErrProvider, mention: "overloaded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, key := cmpStr(tt.base, u.URL), cmpStr(tt.key, apiKey)
			p, err := openai.New("oai", base+"/v1", key)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			var onDelta func(llm.Delta) error
			if tt.stream {
				onDelta = func(llm.Delta) error { return nil }
			}
			_, err = p.Chat(ctx, req(tt.model), onDelta)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.mention) {
				t.Errorf("error %q does not mention %q", msg, tt.mention)
			}
			if strings.Contains(msg, apiKey) || strings.Contains(msg, "SECRET") {
				t.Errorf("error shows the API key: %q", msg)
			}
		})
	}
}

func cmpStr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func TestModels(t *testing.T) {
	u := newUpstream(t)
	p := newProvider(t, u.URL+"/v1")
	for range 3 {
		ms, err := p.Models(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ms, []string{"gpt-4o", "gpt-4o-mini"}) {
			t.Errorf("models = %v", ms)
		}
	}
	if n := u.modelCalls.Load(); n != 1 {
		t.Errorf("GET /models called %d times, want 1 (cached)", n)
	}
	p = newProvider(t, u.URL+"/v1", openai.WithModelsTTL(0))
	p.Models(context.Background())
	p.Models(context.Background())
	if n := u.modelCalls.Load(); n != 3 {
		t.Errorf("GET /models called %d times, want 3 (no cache)", n)
	}
	static := newProvider(t, u.URL+"/v1", openai.WithModels("llama3"))
	if ms, _ := static.Models(context.Background()); !slices.Equal(ms, []string{"llama3"}) || u.modelCalls.Load() != 3 {
		t.Errorf("static models = %v", ms)
	}
	wrong, _ := openai.New("oai", u.URL+"/v1", "sk-wrong-key-1234")
	if _, err := wrong.Models(context.Background()); !errors.Is(err, llm.ErrProvider) || strings.Contains(err.Error(), "sk-wrong-key-1234") {
		t.Errorf("models with a wrong key: %v", err)
	}
}

// countingTransport is an injected client's transport.
type countingTransport struct{ n atomic.Int32 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

func TestHTTPClientAndHeaders(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		// Answers a stream request in one JSON piece, as some servers do.
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"choices":[{"message":{"content":"whole"},"finish_reason":"stop"}]}`)
	}))
	defer srv.Close()
	tr := &countingTransport{}
	p := newProvider(t, srv.URL, openai.WithHTTPClient(&http.Client{Transport: tr}), openai.WithHeader("HTTP-Referer", "https://phala.network"), openai.WithMaxCompletionTokens())
	var deltas []string
	resp, err := p.Chat(context.Background(), req("m"), func(d llm.Delta) error { deltas = append(deltas, d.Content); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if tr.n.Load() != 1 {
		t.Error("the injected client was not used")
	}
	if got.Get("Authorization") != "Bearer "+apiKey || got.Get("HTTP-Referer") != "https://phala.network" || got.Get("Content-Type") != "application/json" {
		t.Errorf("headers = %v", got)
	}
	if !slices.Equal(deltas, []string{"whole"}) || resp.Content != "whole" || resp.Model != "m" {
		t.Errorf("resp = %+v, deltas %q", resp, deltas)
	}
	// No usage from the server: estimated.
	if resp.Usage.CompletionTokens != 2 || resp.Usage.PromptTokens != 11 {
		t.Errorf("usage = %+v", resp.Usage)
	}
}

func TestMaxCompletionTokens(t *testing.T) {
	u := newUpstream(t)
	p := newProvider(t, u.URL+"/v1", openai.WithMaxCompletionTokens())
	if _, err := p.Chat(context.Background(), req("gpt-4o"), nil); err != nil {
		t.Fatal(err)
	}
	if b := u.lastBody(); b["max_completion_tokens"] != 50.0 || b["max_tokens"] != nil {
		t.Errorf("body = %v", b)
	}
}

func TestNew(t *testing.T) {
	for _, tt := range []struct{ name, base string }{
		{"", "http://x/v1"},
		{"a/b", "http://x/v1"},
		{"a", "ftp://x/v1"},
		{"a", "/v1"},
		{"a", "http://x/v1?key=" + apiKey},
	} {
		_, err := openai.New(tt.name, tt.base, apiKey)
		if err == nil {
			t.Errorf("New(%q, %q) succeeded", tt.name, tt.base)
		} else if strings.Contains(err.Error(), apiKey) {
			t.Errorf("error shows the key: %v", err)
		}
	}
	p, err := openai.New("ollama", "http://localhost:11434/v1", "")
	if err != nil || p.Name() != "ollama" {
		t.Fatalf("New: %v", err)
	}
}
