package openaiapi

import (
	"testing"
)

// FuzzParseRequest: whatever body a caller sends to /v1/chat/completions,
// parsing either refuses it with an error or yields a request the router
// can check: a model named, a count of tokens that is not negative, one
// message per message given. It never panics.
func FuzzParseRequest(f *testing.F) {
	for _, seed := range []string{
		`{"model":"local/tiny","messages":[{"role":"user","content":"hi"}]}`,
		`{"model":"m","messages":[{"role":"developer","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}],"max_completion_tokens":5,"stop":["x","y"],"stream":true,"stream_options":{"include_usage":true}}`,
		`{"model":"m","messages":[],"max_tokens":-1}`,
		`{"model":"m","n":2}`,
		`{"model":"m","tools":[{}]}`,
		`{"model":"m","response_format":{"type":"json_object"}}`,
		`{"model":"m","stop":"end","temperature":0.5,"top_p":1,"seed":7}`,
		`{"messages":[{"role":"user","content":{"a":1}}]}`,
		`[]`, `null`, ``, `{`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, includeUsage, err := parseRequest(body)
		if err != nil {
			return
		}
		if req.Model == "" || req.MaxTokens < 0 {
			t.Fatalf("accepted %q as %+v", body, req)
		}
		if includeUsage && !req.Stream {
			t.Fatalf("include_usage without streaming from %q", body)
		}
	})
}
