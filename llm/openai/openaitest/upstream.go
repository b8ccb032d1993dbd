// Package openaitest is a stand-in for an OpenAI-compatible upstream in
// tests: a server that answers POST /v1/chat/completions,
// /v1/embeddings and GET /v1/models in OpenAI's shapes, deterministically,
// with tool calls, JSON output, n choices, logprobs and streaming. It is
// not one of this repository's components; it plays OpenAI's part.
//
// Chat answers: with tools and no tool result yet, a call of the first
// tool (tool_choice naming a function picks it) with arguments built from
// its parameters schema; after a tool result, "The tool said: RESULT";
// with response_format json_object, {"answer":"hello"}; with json_schema,
// an instance of the schema; otherwise "Hello from MODEL". Each choice i
// > 0 appends " (choice i)" to text answers. Streams send text word by
// word and tool arguments in pieces. The model "fail" answers 503.
package openaitest

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/phalanetwork/phala/llm"
)

// Server is the stand-in upstream; URL+"/v1" is its API root.
type Server struct {
	*httptest.Server
	mu   sync.Mutex
	last []byte
}

// New starts a stand-in upstream serving models; close it with Close.
func New(models ...string) *Server {
	s := &Server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/models":
			var data []map[string]string
			for _, m := range models {
				data = append(data, map[string]string{"id": m, "object": "model"})
			}
			writeJSON(w, 200, map[string]any{"object": "list", "data": data})
		case "/v1/chat/completions":
			s.chat(w, r)
		case "/v1/embeddings":
			s.embed(w, r)
		default:
			writeJSON(w, 404, map[string]any{"error": map[string]any{"message": "unknown path", "type": "invalid_request_error"}})
		}
	}))
	return s
}

// LastBody is the body of the last request.
func (s *Server) LastBody() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

type request struct {
	llm.ChatRequest
	StreamOptions *llm.StreamOptions `json:"stream_options"`
}

func (s *Server) read(r *http.Request, v any) error {
	body, err := readAll(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.last = body
	s.mu.Unlock()
	return json.Unmarshal(body, v)
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	var req request
	if err := s.read(r, &req); err != nil {
		writeJSON(w, 400, errBody(err.Error()))
		return
	}
	if req.Model == "fail" {
		writeJSON(w, 503, errBody("the model is overloaded"))
		return
	}
	choices := make([]llm.Choice, max(req.N, 1))
	for i := range choices {
		choices[i] = answer(req.ChatRequest, i)
	}
	usage := llm.Usage{PromptTokens: 10, CompletionTokens: 5 * len(choices), TotalTokens: 10 + 5*len(choices)}
	if !req.Stream {
		writeJSON(w, 200, map[string]any{"id": "chatcmpl-up", "object": "chat.completion", "model": req.Model, "choices": choices, "usage": usage})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	event := func(v any) {
		data, _ := json.Marshal(v)
		fmt.Fprintf(w, "data: %s\n\n", data)
	}
	chunk := func(index int, delta map[string]any, lp *llm.Logprobs, finish any) {
		event(map[string]any{"id": "chatcmpl-up", "object": "chat.completion.chunk", "model": req.Model,
			"choices": []any{map[string]any{"index": index, "delta": delta, "logprobs": lp, "finish_reason": finish}}})
	}
	for _, c := range choices {
		chunk(c.Index, map[string]any{"role": "assistant", "content": ""}, nil, nil)
		for ti, tc := range c.Message.ToolCalls {
			args := tc.Function.Arguments
			half := len(args) / 2
			chunk(c.Index, map[string]any{"tool_calls": []any{map[string]any{"index": ti, "id": tc.ID, "type": "function", "function": map[string]any{"name": tc.Function.Name, "arguments": args[:half]}}}}, nil, nil)
			chunk(c.Index, map[string]any{"tool_calls": []any{map[string]any{"index": ti, "function": map[string]any{"arguments": args[half:]}}}}, nil, nil)
		}
		words := strings.SplitAfter(c.Message.Content, " ")
		for wi, word := range words {
			if word == "" {
				continue
			}
			var lp *llm.Logprobs
			if c.Logprobs != nil && wi < len(c.Logprobs.Content) {
				lp = &llm.Logprobs{Content: c.Logprobs.Content[wi : wi+1]}
			}
			chunk(c.Index, map[string]any{"content": word}, lp, nil)
		}
		chunk(c.Index, map[string]any{}, nil, c.FinishReason)
	}
	if req.StreamOptions != nil && req.StreamOptions.IncludeUsage {
		event(map[string]any{"id": "chatcmpl-up", "object": "chat.completion.chunk", "model": req.Model, "choices": []any{}, "usage": usage})
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
}

// answer is choice i of the answer to req.
func answer(req llm.ChatRequest, i int) llm.Choice {
	c := llm.Choice{Index: i, Message: llm.Message{Role: "assistant"}, FinishReason: "stop"}
	last := req.Messages[len(req.Messages)-1]
	suffix := ""
	if i > 0 {
		suffix = fmt.Sprintf(" (choice %d)", i)
	}
	switch {
	case last.Role == "tool":
		c.Message.Content = "The tool said: " + last.Content + suffix
	case len(req.Tools) > 0 && string(req.ToolChoice) != `"none"`:
		tool := req.Tools[0]
		var named struct {
			Function struct{ Name string } `json:"function"`
		}
		if json.Unmarshal(req.ToolChoice, &named) == nil {
			for _, t := range req.Tools {
				if t.Function.Name == named.Function.Name {
					tool = t
				}
			}
		}
		args, _ := json.Marshal(instance(tool.Function.Parameters))
		c.Message.ToolCalls = []llm.ToolCall{{ID: fmt.Sprintf("call_%d", i), Type: "function", Function: llm.FunctionCall{Name: tool.Function.Name, Arguments: string(args)}}}
		c.FinishReason = "tool_calls"
	case req.ResponseFormat != nil && req.ResponseFormat.Type == "json_object":
		c.Message.Content = `{"answer":"hello"}`
	case req.ResponseFormat != nil && req.ResponseFormat.Type == "json_schema" && req.ResponseFormat.JSONSchema != nil:
		out, _ := json.Marshal(instance(req.ResponseFormat.JSONSchema.Schema))
		c.Message.Content = string(out)
	default:
		c.Message.Content = "Hello from " + req.Model + suffix
	}
	if req.Logprobs && c.Message.Content != "" {
		c.Logprobs = &llm.Logprobs{}
		for wi, word := range strings.SplitAfter(c.Message.Content, " ") {
			if word == "" {
				continue
			}
			tl := llm.TokenLogprob{TopLogprob: llm.TopLogprob{Token: word, Logprob: -0.25 * float64(wi+1), Bytes: bytesOf(word)}, TopLogprobs: []llm.TopLogprob{}}
			for k := range req.TopLogprobs {
				alt := fmt.Sprintf("alt%d", k)
				tl.TopLogprobs = append(tl.TopLogprobs, llm.TopLogprob{Token: alt, Logprob: -1 - float64(k), Bytes: bytesOf(alt)})
			}
			c.Logprobs.Content = append(c.Logprobs.Content, tl)
		}
	}
	return c
}

// instance is a value matching a JSON schema's type: objects with every
// property, the first enum value, "x" for strings, 1 for numbers.
func instance(raw json.RawMessage) any {
	var s struct {
		Type       any                        `json:"type"`
		Properties map[string]json.RawMessage `json:"properties"`
		Items      json.RawMessage            `json:"items"`
		Enum       []any                      `json:"enum"`
	}
	json.Unmarshal(raw, &s)
	if len(s.Enum) > 0 {
		return s.Enum[0]
	}
	switch s.Type {
	case "object":
		out := map[string]any{}
		for k, v := range s.Properties {
			out[k] = instance(v)
		}
		return out
	case "array":
		return []any{instance(s.Items)}
	case "string":
		return "x"
	case "integer", "number":
		return 1
	case "boolean":
		return true
	case "null":
		return nil
	}
	return map[string]any{}
}

func (s *Server) embed(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Model      string   `json:"model"`
		Input      []string `json:"input"`
		Dimensions int      `json:"dimensions"`
	}
	if err := s.read(r, &req); err != nil {
		writeJSON(w, 400, errBody("input must be an array of strings: "+err.Error()))
		return
	}
	dims := req.Dimensions
	if dims == 0 {
		dims = 8
	}
	var data []any
	for i, in := range req.Input {
		data = append(data, map[string]any{"object": "embedding", "index": i, "embedding": Vector(in, dims)})
	}
	writeJSON(w, 200, map[string]any{"object": "list", "model": req.Model, "data": data, "usage": llm.Usage{PromptTokens: 2 * len(req.Input), TotalTokens: 2 * len(req.Input)}})
}

// Vector is the stand-in's embedding of text: dims values in [-1, 1]
// derived from SHA-256 of the text.
func Vector(text string, dims int) []float32 {
	out := make([]float32, dims)
	for i := range out {
		h := sha256.Sum256(fmt.Appendf(nil, "%d:%s", i, text))
		out[i] = float32(binary.LittleEndian.Uint32(h[:4]))/float32(math.MaxUint32)*2 - 1
	}
	return out
}

func bytesOf(s string) []int {
	out := make([]int, len(s))
	for i := range len(s) {
		out[i] = int(s[i])
	}
	return out
}

func errBody(msg string) map[string]any {
	return map[string]any{"error": map[string]any{"message": msg, "type": "invalid_request_error"}}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(data)
}

func readAll(r *http.Request) ([]byte, error) {
	defer r.Body.Close()
	return io.ReadAll(io.LimitReader(r.Body, 8<<20))
}
