package openaiapi

import (
	"encoding/json"
	"testing"

	"github.com/phalanetwork/phala/llm"
)

// FuzzParseRequest: whatever body a caller sends to /v1/chat/completions,
// parsing either refuses it with an error or yields a request the router
// can check: a model named, a count of tokens that is not negative, one
// message per message given, n at least 1 when given. Neither parsing nor
// the router's checks panic, and the request survives a JSON round trip
// (it is what an upstream provider is sent).
func FuzzParseRequest(f *testing.F) {
	for _, seed := range []string{
		`{"model":"local/tiny","messages":[{"role":"user","content":"hi"}]}`,
		`{"model":"m","messages":[{"role":"developer","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}],"max_completion_tokens":5,"stop":["x","y"],"stream":true,"stream_options":{"include_usage":true}}`,
		`{"model":"m","messages":[],"max_tokens":-1}`,
		`{"model":"m","n":2}`,
		`{"model":"m","tools":[{}]}`,
		`{"model":"a/m","messages":[{"role":"user","content":"w"},{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c","content":"r"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],"tool_choice":"auto"}`,
		`{"model":"a/m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}],"n":3,"logprobs":true,"top_logprobs":20,"logit_bias":{"1":-100},"frequency_penalty":2,"presence_penalty":-2}`,
		`{"model":"a/m","response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object"},"strict":true}},"models":["b/m"],"provider":{"order":["b"],"allow_fallbacks":false,"only":["a","b"],"ignore":["c"]}}`,
		`{"model":"m","response_format":{"type":"json_object"}}`,
		`{"model":"m","stop":"end","temperature":0.5,"top_p":1,"seed":7,"user":"u","store":false,"metadata":{}}`,
		`{"model":"m","unknown":1}`,
		`{"messages":[{"role":"user","content":{"a":1}}]}`,
		`[]`, `null`, ``, `{`,
	} {
		f.Add([]byte(seed))
	}
	r := llm.NewRouter()
	f.Fuzz(func(t *testing.T, body []byte) {
		req, includeUsage, err := parseRequest(body)
		if err != nil {
			return
		}
		if req.Model == "" || req.MaxTokens < 0 || req.N < 0 {
			t.Fatalf("accepted %q as %+v", body, req)
		}
		if includeUsage && !req.Stream {
			t.Fatalf("include_usage without streaming from %q", body)
		}
		_ = r.Validate(req)
		data, err := json.Marshal(req)
		if err != nil {
			t.Fatalf("re-encoding %+v: %v", req, err)
		}
		var back llm.ChatRequest
		if err := json.Unmarshal(data, &back); err != nil || len(back.Messages) != len(req.Messages) {
			t.Fatalf("round trip of %s: %v", data, err)
		}
	})
}

// FuzzParseLegacy: a /v1/completions body is refused or becomes a chat
// request with one user message.
func FuzzParseLegacy(f *testing.F) {
	for _, seed := range []string{
		`{"model":"a/m","prompt":"hi","max_tokens":5,"logprobs":2,"n":2,"stream":true,"stream_options":{"include_usage":true}}`,
		`{"model":"a/m","prompt":["a","b"]}`, `{"model":"a/m","prompt":[1,2]}`, `{"model":"a/m","prompt":"x","echo":true}`, `{`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, _, err := parseLegacy(body)
		if err == nil && (len(req.Messages) != 1 || req.Model == "" || req.MaxTokens < 0) {
			t.Fatalf("accepted %q as %+v", body, req)
		}
	})
}
