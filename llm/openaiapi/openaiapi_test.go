package openaiapi_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/phalanetwork/phala/llm"
	"github.com/phalanetwork/phala/llm/openaiapi"
)

// fake is a test double of an external model backend.
type fake struct {
	name   string
	models []string
	chat   func(ctx context.Context, req llm.ChatRequest, onDelta func(llm.Delta) error) (llm.ChatResponse, error)
	mu     sync.Mutex
	got    []llm.ChatRequest
}

func (f *fake) Name() string                             { return f.name }
func (f *fake) Models(context.Context) ([]string, error) { return f.models, nil }
func (f *fake) Chat(ctx context.Context, req llm.ChatRequest, onDelta func(llm.Delta) error) (llm.ChatResponse, error) {
	f.mu.Lock()
	f.got = append(f.got, req)
	f.mu.Unlock()
	return f.chat(ctx, req, onDelta)
}

func (f *fake) last() llm.ChatRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.got[len(f.got)-1]
}

func words(ws ...string) func(context.Context, llm.ChatRequest, func(llm.Delta) error) (llm.ChatResponse, error) {
	return func(_ context.Context, req llm.ChatRequest, onDelta func(llm.Delta) error) (llm.ChatResponse, error) {
		if onDelta != nil {
			for _, w := range ws {
				if err := onDelta(llm.Delta{Content: w}); err != nil {
					return llm.ChatResponse{}, err
				}
			}
		}
		return llm.ChatResponse{Model: req.Model, Content: strings.Join(ws, ""), FinishReason: "stop",
			Usage: llm.Usage{PromptTokens: 7, CompletionTokens: len(ws), TotalTokens: 7 + len(ws)}}, nil
	}
}

func failing(err error) func(context.Context, llm.ChatRequest, func(llm.Delta) error) (llm.ChatResponse, error) {
	return func(context.Context, llm.ChatRequest, func(llm.Delta) error) (llm.ChatResponse, error) {
		return llm.ChatResponse{}, err
	}
}

// setup serves a router with providers "fake" (answers "Hello, world"),
// "down" (fails) and "half" (fails after one delta), falling back from
// down/m to fake/m.
func setup(t *testing.T, opts ...openaiapi.Option) (*httptest.Server, *llm.Router, *fake) {
	f := &fake{name: "fake", models: []string{"m", "org/big"}, chat: words("Hello", ", ", "world")}
	down := &fake{name: "down", models: []string{"m"}, chat: failing(fmt.Errorf("%w: HTTP 503", llm.ErrProvider))}
	half := &fake{name: "half", chat: func(_ context.Context, _ llm.ChatRequest, onDelta func(llm.Delta) error) (llm.ChatResponse, error) {
		if onDelta != nil {
			onDelta(llm.Delta{Content: "Hel"})
		}
		return llm.ChatResponse{}, fmt.Errorf("%w: connection reset", llm.ErrProvider)
	}}
	r := llm.NewRouter(f, down, half)
	r.MaxTokens = 1000
	r.Fallbacks = map[string][]string{"down/fallback": {"fake/m"}}
	h := openaiapi.New(r, func(r *http.Request) string { return r.Header.Get("X-Caller") }, opts...)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, r, f
}

func post(t *testing.T, url, body string, hdr ...string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+"/v1/chat/completions", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func decode(t *testing.T, r io.Reader) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.NewDecoder(r).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// has checks that a JSON object has key with value want (nil: JSON null).
func has(t *testing.T, where string, m map[string]any, key string, want any) {
	t.Helper()
	v, ok := m[key]
	if !ok {
		t.Errorf("%s: no %q in %v", where, key, m)
		return
	}
	if fmt.Sprint(v) != fmt.Sprint(want) {
		t.Errorf("%s: %s = %#v, want %#v", where, key, v, want)
	}
}

func TestChatCompletion(t *testing.T) {
	srv, r, f := setup(t)
	body := `{"model":"fake/m","messages":[{"role":"developer","content":"be brief"},{"role":"user","content":[{"type":"text","text":"hi"},{"type":"text","text":"there"}]},{"role":"assistant","content":null},{"role":"user","content":"again"}],
		"max_tokens":20,"temperature":0.2,"top_p":0.9,"seed":7,"stop":"END","stream":false,"n":1,"user":"u1","frequency_penalty":0,"logprobs":false}`
	resp := post(t, srv.URL, body, "X-Caller", "alice")
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	m := decode(t, resp.Body)
	id, _ := m["id"].(string)
	if !strings.HasPrefix(id, "chatcmpl-") || len(id) < 20 || resp.Header.Get("X-Request-Id") != id {
		t.Errorf("id = %q, X-Request-Id %q", id, resp.Header.Get("X-Request-Id"))
	}
	has(t, "completion", m, "object", "chat.completion")
	has(t, "completion", m, "model", "fake/m")
	if c, ok := m["created"].(float64); !ok || c < 1e9 || c != float64(int64(c)) {
		t.Errorf("created = %v", m["created"])
	}
	if _, ok := m["system_fingerprint"]; ok {
		t.Error("system_fingerprint set without WithSystemFingerprint")
	}
	choices, _ := m["choices"].([]any)
	if len(choices) != 1 {
		t.Fatalf("choices = %v", m["choices"])
	}
	c := choices[0].(map[string]any)
	has(t, "choice", c, "index", 0)
	has(t, "choice", c, "logprobs", nil)
	has(t, "choice", c, "finish_reason", "stop")
	msg := c["message"].(map[string]any)
	has(t, "message", msg, "role", "assistant")
	has(t, "message", msg, "content", "Hello, world")
	has(t, "message", msg, "refusal", nil)
	usage := m["usage"].(map[string]any)
	has(t, "usage", usage, "prompt_tokens", 7)
	has(t, "usage", usage, "completion_tokens", 3)
	has(t, "usage", usage, "total_tokens", 10)

	got := f.last()
	seven := int64(7)
	want := llm.ChatRequest{Model: "m", Messages: []llm.Message{
		{Role: "system", Content: "be brief"}, {Role: "user", Content: "hi\nthere"}, {Role: "assistant"}, {Role: "user", Content: "again"},
	}, MaxTokens: 20, Seed: &seven, Stop: []string{"END"}}
	if got.Model != want.Model || !reflect.DeepEqual(got.Messages, want.Messages) || got.MaxTokens != 20 || *got.Seed != 7 ||
		!slices.Equal(got.Stop, want.Stop) || *got.Temperature != 0.2 || *got.TopP != 0.9 || got.Stream {
		t.Errorf("provider got %+v", got)
	}
	if u := r.Usage("alice"); u.TotalTokens != 10 {
		t.Errorf("alice metered %+v", u)
	}
}

func TestSystemFingerprintAndMaxCompletionTokens(t *testing.T) {
	srv, _, f := setup(t, openaiapi.WithSystemFingerprint("fp_phala"))
	resp := post(t, srv.URL, `{"model":"fake/m","messages":[{"role":"user","content":"hi"}],"max_tokens":5,"max_completion_tokens":9,"stop":["a","b"]}`)
	defer resp.Body.Close()
	has(t, "completion", decode(t, resp.Body), "system_fingerprint", "fp_phala")
	if got := f.last(); got.MaxTokens != 9 || !slices.Equal(got.Stop, []string{"a", "b"}) {
		t.Errorf("provider got %+v", got)
	}
}

// sse reads a stream's events (the data of each) until the body ends.
func sse(t *testing.T, r io.Reader) []string {
	t.Helper()
	var events []string
	sc := bufio.NewScanner(r)
	var data []string
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if len(data) > 0 {
				events = append(events, strings.Join(data, "\n"))
				data = nil
			}
			continue
		}
		v, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			t.Errorf("unexpected line %q", line)
		}
		data = append(data, v)
	}
	if len(data) > 0 {
		t.Errorf("event not ended by a blank line: %q", data)
	}
	return events
}

func TestChatCompletionStream(t *testing.T) {
	for _, includeUsage := range []bool{false, true} {
		for _, model := range []string{"fake/m", "down/fallback"} {
			t.Run(fmt.Sprintf("%s usage=%v", model, includeUsage), func(t *testing.T) {
				srv, r, _ := setup(t)
				body := fmt.Sprintf(`{"model":%q,"messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":%v}}`, model, includeUsage)
				resp := post(t, srv.URL, body, "X-Caller", "bob")
				defer resp.Body.Close()
				if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
					t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
				}
				events := sse(t, resp.Body)
				if len(events) == 0 || events[len(events)-1] != "[DONE]" {
					t.Fatalf("events = %q", events)
				}
				events = events[:len(events)-1]
				wantN := 1 + 3 + 1 // role, 3 deltas, finish
				if includeUsage {
					wantN++
				}
				if len(events) != wantN {
					t.Fatalf("%d events, want %d: %q", len(events), wantN, events)
				}
				var id string
				var text strings.Builder
				for i, e := range events {
					var m map[string]any
					if err := json.Unmarshal([]byte(e), &m); err != nil {
						t.Fatalf("event %d %q: %v", i, e, err)
					}
					where := fmt.Sprintf("chunk %d", i)
					if i == 0 {
						id, _ = m["id"].(string)
						if !strings.HasPrefix(id, "chatcmpl-") {
							t.Errorf("id = %q", id)
						}
					}
					has(t, where, m, "id", id)
					has(t, where, m, "object", "chat.completion.chunk")
					has(t, where, m, "model", "fake/m") // the model that answered
					if _, ok := m["created"].(float64); !ok {
						t.Errorf("%s: created = %v", where, m["created"])
					}
					_, hasUsage := m["usage"]
					if hasUsage != includeUsage {
						t.Errorf("%s: usage present %v, want %v", where, hasUsage, includeUsage)
					}
					choices := m["choices"].([]any)
					if includeUsage && i == len(events)-1 {
						if len(choices) != 0 {
							t.Errorf("usage chunk has choices %v", choices)
						}
						u := m["usage"].(map[string]any)
						has(t, "usage", u, "prompt_tokens", 7)
						has(t, "usage", u, "completion_tokens", 3)
						has(t, "usage", u, "total_tokens", 10)
						continue
					}
					if includeUsage {
						has(t, where, m, "usage", nil)
					}
					if len(choices) != 1 {
						t.Fatalf("%s: choices = %v", where, choices)
					}
					c := choices[0].(map[string]any)
					has(t, where, c, "index", 0)
					has(t, where, c, "logprobs", nil)
					delta := c["delta"].(map[string]any)
					switch {
					case i == 0:
						has(t, where, delta, "role", "assistant")
						has(t, where, delta, "content", "")
						has(t, where, c, "finish_reason", nil)
					case i == 4:
						if len(delta) != 0 {
							t.Errorf("final delta = %v", delta)
						}
						has(t, where, c, "finish_reason", "stop")
					default:
						has(t, where, c, "finish_reason", nil)
						if _, ok := delta["role"]; ok {
							t.Errorf("%s: role repeated", where)
						}
						s, _ := delta["content"].(string)
						text.WriteString(s)
					}
				}
				if text.String() != "Hello, world" {
					t.Errorf("text = %q", text.String())
				}
				if u := r.Usage("bob"); u.TotalTokens != 10 {
					t.Errorf("bob metered %+v", u)
				}
			})
		}
	}
}

func TestStreamFailureAfterStart(t *testing.T) {
	srv, _, _ := setup(t)
	resp := post(t, srv.URL, `{"model":"half/m","messages":[{"role":"user","content":"hi"}],"stream":true}`)
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	events := sse(t, resp.Body)
	if len(events) != 3 || slices.Contains(events, "[DONE]") {
		t.Fatalf("events = %q", events)
	}
	var e struct {
		Error struct{ Message, Type, Code string }
	}
	if err := json.Unmarshal([]byte(events[2]), &e); err != nil || e.Error.Code != "provider_error" || !strings.Contains(e.Error.Message, "connection reset") {
		t.Errorf("error event %q (%v)", events[2], err)
	}
}

func TestErrors(t *testing.T) {
	srv, _, _ := setup(t, openaiapi.WithMaxBodyBytes(2000))
	user := `"messages":[{"role":"user","content":"hi"}]`
	tests := []struct {
		name   string
		method string
		path   string
		body   string
		status int
		typ    string
		code   string
	}{
		{"invalid JSON", "POST", "/v1/chat/completions", `{"model":`, 400, "invalid_request_error", "invalid_request"},
		{"wrong type", "POST", "/v1/chat/completions", `{"model":"fake/m",` + user + `,"max_tokens":"ten"}`, 400, "invalid_request_error", "invalid_request"},
		{"no model", "POST", "/v1/chat/completions", `{` + user + `}`, 400, "invalid_request_error", "invalid_request"},
		{"model without provider", "POST", "/v1/chat/completions", `{"model":"gpt-4o",` + user + `}`, 400, "invalid_request_error", "invalid_request"},
		{"no messages", "POST", "/v1/chat/completions", `{"model":"fake/m","messages":[]}`, 400, "invalid_request_error", "invalid_request"},
		{"tool role", "POST", "/v1/chat/completions", `{"model":"fake/m","messages":[{"role":"tool","content":"x"}]}`, 400, "invalid_request_error", "invalid_request"},
		{"image part", "POST", "/v1/chat/completions", `{"model":"fake/m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]}`, 400, "invalid_request_error", "invalid_request"},
		{"max tokens over cap", "POST", "/v1/chat/completions", `{"model":"fake/m",` + user + `,"max_tokens":1001}`, 400, "invalid_request_error", "invalid_request"},
		{"n=2", "POST", "/v1/chat/completions", `{"model":"fake/m",` + user + `,"n":2}`, 400, "invalid_request_error", "invalid_request"},
		{"tools", "POST", "/v1/chat/completions", `{"model":"fake/m",` + user + `,"tools":[{"type":"function"}]}`, 400, "invalid_request_error", "invalid_request"},
		{"json mode", "POST", "/v1/chat/completions", `{"model":"fake/m",` + user + `,"response_format":{"type":"json_object"}}`, 400, "invalid_request_error", "invalid_request"},
		{"stream: bad request", "POST", "/v1/chat/completions", `{"model":"fake/m","messages":[],"stream":true}`, 400, "invalid_request_error", "invalid_request"},
		{"unknown provider", "POST", "/v1/chat/completions", `{"model":"nope/m",` + user + `}`, 404, "invalid_request_error", "model_not_found"},
		{"provider failure", "POST", "/v1/chat/completions", `{"model":"down/m",` + user + `}`, 502, "server_error", "provider_error"},
		{"stream: provider failure before any text", "POST", "/v1/chat/completions", `{"model":"down/m",` + user + `,"stream":true}`, 502, "server_error", "provider_error"},
		{"body too large", "POST", "/v1/chat/completions", `{"model":"fake/m",` + user + `,"user":"` + strings.Repeat("x", 3000) + `"}`, 413, "invalid_request_error", "request_too_large"},
		{"GET chat", "GET", "/v1/chat/completions", ``, 405, "invalid_request_error", "method_not_allowed"},
		{"POST models", "POST", "/v1/models", ``, 405, "invalid_request_error", "method_not_allowed"},
		{"unknown path", "GET", "/v1/embeddings", ``, 404, "invalid_request_error", "unknown_url"},
		{"unknown model", "GET", "/v1/models/nope/m", ``, 404, "invalid_request_error", "model_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL+tt.path, strings.NewReader(tt.body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.status || resp.Header.Get("Content-Type") != "application/json" {
				t.Errorf("status %d content type %q, want %d JSON", resp.StatusCode, resp.Header.Get("Content-Type"), tt.status)
			}
			m := decode(t, resp.Body)
			e, ok := m["error"].(map[string]any)
			if !ok || len(m) != 1 {
				t.Fatalf("body = %v", m)
			}
			if msg, _ := e["message"].(string); msg == "" {
				t.Error("no message")
			}
			has(t, "error", e, "type", tt.typ)
			has(t, "error", e, "code", tt.code)
			has(t, "error", e, "param", nil)
		})
	}
}

func TestNotConfigured(t *testing.T) {
	for name, h := range map[string]*openaiapi.Handler{
		"nil backend":  openaiapi.New(nil, nil),
		"no providers": openaiapi.New(llm.NewRouter(), nil),
	} {
		t.Run(name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("POST", "/v1/chat/completions", strings.NewReader(`{"model":"a/b","messages":[{"role":"user","content":"hi"}]}`)))
			if rec.Code != 503 || rec.Header().Get("X-Should-Retry") != "false" {
				t.Errorf("status %d, headers %v", rec.Code, rec.Header())
			}
			e := decode(t, rec.Body)["error"].(map[string]any)
			has(t, "error", e, "code", "not_configured")
			rec = httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/models", nil))
			if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"data":[]`) {
				t.Errorf("models: %d %s", rec.Code, rec.Body)
			}
		})
	}
}

func TestModels(t *testing.T) {
	srv, _, _ := setup(t)
	resp, err := http.Get(srv.URL + "/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("content type %q", resp.Header.Get("Content-Type"))
	}
	var list struct {
		Object string
		Data   []struct {
			ID      string `json:"id"`
			Object  string `json:"object"`
			Created int64  `json:"created"`
			OwnedBy string `json:"owned_by"`
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	if list.Object != "list" || len(list.Data) != 3 {
		t.Fatalf("list = %+v", list)
	}
	var ids []string
	for _, m := range list.Data {
		ids = append(ids, m.ID)
		if m.Object != "model" || m.Created == 0 || m.OwnedBy != strings.Split(m.ID, "/")[0] {
			t.Errorf("model %+v", m)
		}
	}
	if !slices.Equal(ids, []string{"fake/m", "fake/org/big", "down/m"}) {
		t.Errorf("ids = %v", ids)
	}
	resp2, err := http.Get(srv.URL + "/v1/models/fake/org/big")
	if err != nil {
		t.Fatal(err)
	}
	defer resp2.Body.Close()
	m := decode(t, resp2.Body)
	has(t, "model", m, "id", "fake/org/big")
	has(t, "model", m, "owned_by", "fake")
}

// sign is a stand-in for the worker's signer: sha256 over the status,
// the content type and both bodies.
func sign(ex openaiapi.Exchange) map[string]string {
	sum := sha256.Sum256(append(append([]byte(fmt.Sprint(ex.Status, ex.Header.Get("Content-Type"))), ex.RequestBody...), ex.BodyHash[:]...))
	return map[string]string{openaiapi.SignatureHeader: hex.EncodeToString(sum[:]), "X-Phala-Extra": "1"}
}

// signOf is sign over a response as a client received it.
func signOf(status int, h http.Header, req, resp []byte) map[string]string {
	return sign(openaiapi.Exchange{Status: status, Header: h, RequestBody: req, BodyHash: sha256.Sum256(resp)})
}

// cutSignatureEvent splits a signed stream into the signed bytes and the
// signature event's data.
func cutSignatureEvent(t *testing.T, body []byte) ([]byte, map[string]string) {
	t.Helper()
	marker := []byte("event: " + openaiapi.SignatureEvent + "\ndata: ")
	i := bytes.LastIndex(body, marker)
	if i < 0 {
		t.Fatalf("no %s event at the end of the stream:\n%s", openaiapi.SignatureEvent, body)
	}
	var ev map[string]string
	if err := json.Unmarshal(bytes.TrimSpace(body[i+len(marker):]), &ev); err != nil {
		t.Fatalf("signature event data: %v", err)
	}
	return body[:i], ev
}

func TestSign(t *testing.T) {
	srv, _, _ := setup(t, openaiapi.WithSign(sign, openaiapi.SignatureHeader, "X-Phala-Extra"))
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprint("stream=", stream), func(t *testing.T) {
			reqBody := fmt.Sprintf(`{"model":"fake/m","messages":[{"role":"user","content":"hi"}],"stream":%v}`, stream)
			resp := post(t, srv.URL, reqBody)
			defer resp.Body.Close()
			respBody, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			got := resp.Header
			var event map[string]string
			if stream {
				if resp.Header.Get(openaiapi.SignatureHeader) != "" {
					t.Error("stream signature in headers")
				}
				got = resp.Trailer
				respBody, event = cutSignatureEvent(t, respBody)
				if !bytes.HasSuffix(respBody, []byte("data: [DONE]\n\n")) {
					t.Errorf("the signature event does not follow [DONE]:\n%s", respBody)
				}
			}
			want := signOf(resp.StatusCode, resp.Header, []byte(reqBody), respBody)
			for k, v := range want {
				if got.Get(k) != v {
					t.Errorf("%s = %q, want %q (headers %v, trailer %v)", k, got.Get(k), v, resp.Header, resp.Trailer)
				}
				if stream && event[k] != v {
					t.Errorf("event %s = %q, want %q", k, event[k], v)
				}
			}
		})
	}
	// Error answers are signed too.
	reqBody := `{"model":"nope/m","messages":[{"role":"user","content":"hi"}]}`
	resp := post(t, srv.URL, reqBody)
	defer resp.Body.Close()
	respBody, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 404 || resp.Header.Get(openaiapi.SignatureHeader) != signOf(404, resp.Header, []byte(reqBody), respBody)[openaiapi.SignatureHeader] {
		t.Errorf("error answer not signed: %d %v", resp.StatusCode, resp.Header)
	}
}

func TestConcurrentStreams(t *testing.T) {
	srv, r, _ := setup(t)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			caller := fmt.Sprint("c", i%3)
			body := fmt.Sprintf(`{"model":"fake/m","messages":[{"role":"user","content":"hi"}],"stream":%v}`, i%2 == 0)
			resp := post(t, srv.URL, body, "X-Caller", caller)
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || !bytes.Contains(b, []byte("world")) {
				t.Errorf("%d %s", resp.StatusCode, b)
			}
		})
	}
	wg.Wait()
	if total := r.Metered().Total.TotalTokens; total != 20*10 {
		t.Errorf("total tokens %d", total)
	}
}
