package openai_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/phalanetwork/phala/llm"
	"github.com/phalanetwork/phala/llm/openai"
	"github.com/phalanetwork/phala/llm/openai/openaitest"
)

// TestPassThroughAndStreamedToolCalls: every feature field reaches the
// upstream as sent, and a streamed answer's tool-call pieces, choices and
// logprobs are assembled as the whole answer has them.
func TestPassThroughAndStreamedToolCalls(t *testing.T) {
	up := openaitest.New("gpt-4o")
	defer up.Close()
	p, err := openai.New("up", up.URL+"/v1", "sk-test")
	if err != nil {
		t.Fatal(err)
	}
	pen := 0.5
	req := llm.ChatRequest{Model: "gpt-4o", N: 2, Logprobs: true, TopLogprobs: 1, PresencePenalty: &pen, LogitBias: map[string]float64{"7": -1}, User: "u",
		Messages: []llm.Message{{Role: "user", Content: "w"}},
		Tools:    []llm.Tool{{Type: "function", Function: llm.FunctionDecl{Name: "f", Parameters: json.RawMessage(`{"type":"object","properties":{"a":{"type":"integer"}}}`)}}}}
	for _, stream := range []bool{false, true} {
		var deltas []llm.Delta
		var onDelta func(llm.Delta) error
		if stream {
			onDelta = func(d llm.Delta) error { deltas = append(deltas, d); return nil }
		}
		resp, err := p.Chat(context.Background(), req, onDelta)
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Choices) != 2 || resp.FinishReason != "tool_calls" {
			t.Fatalf("stream=%v: %+v", stream, resp)
		}
		for i, c := range resp.Choices {
			tc := c.Message.ToolCalls
			if c.Index != i || len(tc) != 1 || tc[0].Function.Name != "f" || tc[0].Function.Arguments != `{"a":1}` || tc[0].ID == "" {
				t.Errorf("stream=%v: choice %d %+v", stream, i, c)
			}
		}
		if stream && len(deltas) < 4 {
			t.Errorf("deltas %+v", deltas)
		}
		body := string(up.LastBody())
		for _, want := range []string{`"tools":[`, `"n":2`, `"logprobs":true`, `"top_logprobs":1`, `"presence_penalty":0.5`, `"logit_bias":{"7":-1}`, `"user":"u"`} {
			if !strings.Contains(body, want) {
				t.Errorf("stream=%v: upstream body %s lacks %s", stream, body, want)
			}
		}
	}
	emb, err := p.Embed(context.Background(), llm.EmbedRequest{Model: "e", Input: []string{"a", "b"}, Dimensions: 3})
	if err != nil || len(emb.Embeddings) != 2 || len(emb.Embeddings[1]) != 3 || emb.Embeddings[1][0] != openaitest.Vector("b", 3)[0] {
		t.Errorf("embed %+v, %v", emb, err)
	}
}
