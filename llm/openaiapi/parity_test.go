package openaiapi_test

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/phalanetwork/phala/llm"
	"github.com/phalanetwork/phala/llm/openai"
	"github.com/phalanetwork/phala/llm/openai/openaitest"
	"github.com/phalanetwork/phala/llm/openaiapi"
)

// parityServer serves the OpenAI API from a router whose provider "up" is
// the stand-in upstream, with mallory limited to 2 requests a minute.
func parityServer(t *testing.T) *httptest.Server {
	t.Helper()
	up := openaitest.New("gpt-4o")
	t.Cleanup(up.Close)
	p, err := openai.New("up", up.URL+"/v1", "sk-test")
	if err != nil {
		t.Fatal(err)
	}
	r := llm.NewRouter(p)
	r.Limiter = &llm.Limiter{PerCaller: map[string]llm.Limits{"mallory": {RPM: 2}}}
	srv := httptest.NewServer(openaiapi.New(r, func(r *http.Request) string { return r.Header.Get("X-Caller") },
		openaiapi.WithCost(func(u llm.Usage) string { return "7" })))
	t.Cleanup(srv.Close)
	return srv
}

func postJSON(t *testing.T, url, body string, caller string) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("X-Caller", caller)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp, m
}

const weatherTool = `"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]`

func TestParityWhole(t *testing.T) {
	srv := parityServer(t)
	tests := []struct {
		name, body string
		check      func(t *testing.T, m map[string]any)
	}{
		{"tool call", `{"model":"up/gpt-4o","messages":[{"role":"user","content":"weather?"}],` + weatherTool + `}`, func(t *testing.T, m map[string]any) {
			c := m["choices"].([]any)[0].(map[string]any)
			msg := c["message"].(map[string]any)
			call := msg["tool_calls"].([]any)[0].(map[string]any)
			fn := call["function"].(map[string]any)
			if c["finish_reason"] != "tool_calls" || msg["content"] != nil || fn["name"] != "get_weather" || fn["arguments"] != `{"city":"x"}` || call["id"] != "call_0" {
				t.Errorf("choice %v", c)
			}
		}},
		{"tool result", `{"model":"up/gpt-4o","messages":[{"role":"user","content":"weather?"},{"role":"assistant","content":null,"tool_calls":[{"id":"call_0","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"x\"}"}}]},{"role":"tool","tool_call_id":"call_0","content":"sunny"}],` + weatherTool + `}`, func(t *testing.T, m map[string]any) {
			if got := content(m, 0); got != "The tool said: sunny" {
				t.Errorf("content %q", got)
			}
		}},
		{"json_schema", `{"model":"up/gpt-4o","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema","json_schema":{"name":"p","strict":true,"schema":{"type":"object","properties":{"n":{"type":"integer"},"tag":{"enum":["a","b"]}}}}}}`, func(t *testing.T, m map[string]any) {
			if got := content(m, 0); got != `{"n":1,"tag":"a"}` {
				t.Errorf("content %q", got)
			}
		}},
		{"n and logprobs", `{"model":"up/gpt-4o","messages":[{"role":"user","content":"x"}],"n":2,"logprobs":true,"top_logprobs":2,"seed":5,"presence_penalty":0.5,"logit_bias":{"50256":-100}}`, func(t *testing.T, m map[string]any) {
			if content(m, 1) != "Hello from gpt-4o (choice 1)" {
				t.Errorf("choice 1 %q", content(m, 1))
			}
			lp := m["choices"].([]any)[0].(map[string]any)["logprobs"].(map[string]any)["content"].([]any)
			top := lp[0].(map[string]any)["top_logprobs"].([]any)
			if len(lp) != 3 || len(top) != 2 {
				t.Errorf("logprobs %v", lp)
			}
			if u := m["usage"].(map[string]any); u["cost"] != "7" {
				t.Errorf("usage %v", u)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, m := postJSON(t, srv.URL+"/v1/chat/completions", tt.body, "alice")
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %v", resp.StatusCode, m)
			}
			tt.check(t, m)
		})
	}
}

func content(m map[string]any, i int) string {
	c, _ := m["choices"].([]any)[i].(map[string]any)["message"].(map[string]any)["content"].(string)
	return c
}

// TestParityStreamToolCalls: streamed tool-call deltas reach the client
// as OpenAI sends them, and each choice of n=2 streams under its index.
func TestParityStreamToolCalls(t *testing.T) {
	srv := parityServer(t)
	body := `{"model":"up/gpt-4o","stream":true,"stream_options":{"include_usage":true},"n":2,"messages":[{"role":"user","content":"weather?"}],` + weatherTool + `}`
	resp, err := http.Post(srv.URL+"/v1/chat/completions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	args := map[float64]string{}
	finish := map[float64]string{}
	var usage map[string]any
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok || data == "[DONE]" {
			continue
		}
		var ch map[string]any
		if err := json.Unmarshal([]byte(data), &ch); err != nil {
			t.Fatalf("%s: %v", data, err)
		}
		if u, ok := ch["usage"].(map[string]any); ok {
			usage = u
		}
		for _, c := range ch["choices"].([]any) {
			c := c.(map[string]any)
			idx := c["index"].(float64)
			if fr, ok := c["finish_reason"].(string); ok {
				finish[idx] = fr
			}
			d := c["delta"].(map[string]any)
			for _, tc := range asList(d["tool_calls"]) {
				args[idx] += tc.(map[string]any)["function"].(map[string]any)["arguments"].(string)
			}
		}
	}
	if args[0] != `{"city":"x"}` || args[1] != `{"city":"x"}` || finish[0] != "tool_calls" || finish[1] != "tool_calls" {
		t.Errorf("arguments %v, finish %v", args, finish)
	}
	if usage == nil || usage["cost"] != "7" || usage["total_tokens"].(float64) != 20 {
		t.Errorf("usage %v", usage)
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func TestParityEmbeddingsAndCompletions(t *testing.T) {
	srv := parityServer(t)
	resp, m := postJSON(t, srv.URL+"/v1/embeddings", `{"model":"up/text-embedding-3-small","input":["a","b"],"encoding_format":"base64","dimensions":4}`, "alice")
	if resp.StatusCode != 200 {
		t.Fatalf("embeddings: %d %v", resp.StatusCode, m)
	}
	data := m["data"].([]any)
	raw, err := base64.StdEncoding.DecodeString(data[1].(map[string]any)["embedding"].(string))
	if len(data) != 2 || err != nil || len(raw) != 16 || m["model"] != "up/text-embedding-3-small" {
		t.Errorf("embeddings %v", m)
	}
	resp, m = postJSON(t, srv.URL+"/v1/completions", `{"model":"up/gpt-4o","prompt":"Say hi","max_tokens":5}`, "alice")
	if resp.StatusCode != 200 || m["object"] != "text_completion" || m["choices"].([]any)[0].(map[string]any)["text"] != "Hello from gpt-4o" {
		t.Errorf("completions %d %v", resp.StatusCode, m)
	}
}

// TestRedTeamRateLimitSpray: a key past its requests per minute gets
// OpenAI's 429 with Retry-After, and its request never reaches the
// upstream.
func TestRedTeamRateLimitSpray(t *testing.T) {
	srv := parityServer(t)
	body := `{"model":"up/gpt-4o","messages":[{"role":"user","content":"x"}]}`
	for i := range 2 {
		if resp, m := postJSON(t, srv.URL+"/v1/chat/completions", body, "mallory"); resp.StatusCode != 200 {
			t.Fatalf("request %d: %d %v", i, resp.StatusCode, m)
		}
	}
	resp, m := postJSON(t, srv.URL+"/v1/chat/completions", body, "mallory")
	e, _ := m["error"].(map[string]any)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" || e["code"] != "rate_limit_exceeded" || !strings.Contains(e["message"].(string), "rpm") {
		t.Fatalf("third request: %d %v %v", resp.StatusCode, resp.Header, m)
	}
	if resp, _ := postJSON(t, srv.URL+"/v1/embeddings", `{"model":"up/e","input":"x"}`, "mallory"); resp.StatusCode != 429 {
		t.Errorf("embeddings past the limit: %d", resp.StatusCode)
	}
}

// TestParityLegacyStream: a streamed /v1/completions sends text_completion
// chunks whose texts make the answer, then the usage and [DONE].
func TestParityLegacyStream(t *testing.T) {
	srv := parityServer(t)
	resp, err := http.Post(srv.URL+"/v1/completions", "application/json",
		strings.NewReader(`{"model":"up/gpt-4o","prompt":"hi","stream":true,"stream_options":{"include_usage":true}}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var text strings.Builder
	done, usage := false, false
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		switch {
		case !ok:
		case data == "[DONE]":
			done = true
		default:
			var ch struct {
				Object  string
				Choices []struct{ Text string }
				Usage   *struct{ Cost string }
			}
			if err := json.Unmarshal([]byte(data), &ch); err != nil || ch.Object != "text_completion" {
				t.Fatalf("chunk %s: %v", data, err)
			}
			for _, c := range ch.Choices {
				text.WriteString(c.Text)
			}
			usage = usage || ch.Usage != nil && ch.Usage.Cost == "7"
		}
	}
	if text.String() != "Hello from gpt-4o" || !done || !usage {
		t.Errorf("text %q, done %v, usage %v", text.String(), done, usage)
	}
}
