package local

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/phalanetwork/phala/llm"
	"github.com/phalanetwork/phala/llm/grammar"
)

// TestGrammarConstrainedStories decodes from the real stories260K model
// with a JSON schema's grammar masking the logits, for many seeds: the
// output always parses and matches the schema, whatever the model would
// rather have written.
func TestGrammarConstrainedStories(t *testing.T) {
	skipUnderRace(t)
	m := loadReal(t)
	schema := `{"type": "object", "properties": {"mood": {"enum": ["happy", "sad", "sleepy"]}, "age": {"type": "integer"}, "cat": {"type": "boolean"}, "toys": {"type": "array", "items": {"enum": ["ball", "doll"]}, "maxItems": 3}}, "required": ["mood", "age", "cat"]}`
	g, _, err := grammar.FromJSONSchema([]byte(schema))
	if err != nil {
		t.Fatal(err)
	}
	pieces := make([][]byte, m.Tokenizer.Len())
	for id := range pieces {
		pieces[id] = m.Tokenizer.Piece(id)
	}
	vocab := grammar.NewVocab(pieces)
	prompt := m.Tokenizer.Encode("Once upon a time", true)
	for seed := range uint64(8) {
		out := constrained(t, m, g, vocab, prompt, seed)
		var doc struct {
			Mood *string  `json:"mood"`
			Age  *int64   `json:"age"`
			Cat  *bool    `json:"cat"`
			Toys []string `json:"toys"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("seed %d: %q does not parse: %v", seed, out, err)
		}
		if doc.Mood == nil || doc.Age == nil || doc.Cat == nil {
			t.Fatalf("seed %d: %q lacks a required property", seed, out)
		}
		if *doc.Mood != "happy" && *doc.Mood != "sad" && *doc.Mood != "sleepy" {
			t.Fatalf("seed %d: mood %q is not in the enum", seed, *doc.Mood)
		}
		if len(doc.Toys) > 3 {
			t.Fatalf("seed %d: %d toys, past maxItems", seed, len(doc.Toys))
		}
		for _, toy := range doc.Toys {
			if toy != "ball" && toy != "doll" {
				t.Fatalf("seed %d: toy %q is not in the enum", seed, toy)
			}
		}
	}
}

// constrained samples from m at temperature 1 with the logits of tokens
// the grammar does not allow set to -inf, until the grammar is done and
// the model ends (or nothing may follow).
func constrained(t *testing.T, m *Model, g *grammar.Grammar, vocab *grammar.Vocab, prompt []int, seed uint64) string {
	t.Helper()
	st, logits := feed(t, m, prompt)
	match, err := g.Start()
	if err != nil {
		t.Fatal(err)
	}
	sampler := NewSampler(1, 1, seed)
	var out []byte
	for st.Pos() < m.Config.ContextLength-1 {
		if !match.More() {
			return string(out)
		}
		allowed, err := match.Allowed(vocab)
		if err != nil {
			t.Fatal(err)
		}
		masked := append([]float32(nil), logits...)
		for id := range masked {
			if !allowed[id] && !(id == m.Tokenizer.EOS && match.Done()) {
				masked[id] = float32(math.Inf(-1))
			}
		}
		tok := sampler.Sample(masked)
		if tok == m.Tokenizer.EOS {
			return string(out)
		}
		piece := m.Tokenizer.Piece(tok)
		if match, err = match.AdvanceBytes(piece); err != nil || match.Dead() {
			t.Fatalf("seed %d: sampled %q, which the grammar refuses (%v)", seed, piece, err)
		}
		out = append(out, piece...)
		if logits, err = st.Forward(tok); err != nil {
			t.Fatal(err)
		}
	}
	t.Fatalf("seed %d: no end within the context: %q", seed, out)
	return ""
}

// TestChatResponseFormat: the local provider answers json_schema and
// json_object requests with JSON that parses (and matches the schema), for
// every seed, and refuses a schema it cannot compile with a bad request
// naming the construct.
func TestChatResponseFormat(t *testing.T) {
	p := NewFromModel(loadReal(t))
	schema := `{"type": "object", "properties": {"name": {"enum": ["Lily", "Tom"]}, "happy": {"type": "boolean"}, "friends": {"type": "integer"}}, "required": ["name", "happy", "friends"]}`
	for seed := range int64(6) {
		resp, err := p.Chat(context.Background(), llm.ChatRequest{
			Messages: user("Once upon a time"), MaxTokens: 200, Temperature: ptr(1.0), Seed: ptr(seed),
			ResponseFormat: &llm.ResponseFormat{Type: "json_schema", JSONSchema: &llm.JSONSchema{Name: "kid", Schema: json.RawMessage(schema)}},
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Name    *string `json:"name"`
			Happy   *bool   `json:"happy"`
			Friends *int64  `json:"friends"`
		}
		if err := json.Unmarshal([]byte(resp.Content), &doc); err != nil || doc.Name == nil || doc.Happy == nil || doc.Friends == nil {
			t.Fatalf("seed %d: %q (%s) does not match the schema: %v", seed, resp.Content, resp.FinishReason, err)
		}
		if resp.FinishReason != "stop" {
			t.Fatalf("seed %d: finish reason %q", seed, resp.FinishReason)
		}
	}
	resp, err := p.Chat(context.Background(), llm.ChatRequest{
		Messages: user("Once upon a time"), MaxTokens: 300,
		ResponseFormat: &llm.ResponseFormat{Type: "json_object"},
	}, nil)
	var obj map[string]any
	if err != nil || (resp.FinishReason == "stop" && json.Unmarshal([]byte(resp.Content), &obj) != nil) || !strings.HasPrefix(resp.Content, "{") {
		t.Fatalf("json_object: %q (%s), %v", resp.Content, resp.FinishReason, err)
	}
	_, err = p.Chat(context.Background(), llm.ChatRequest{
		Messages:       user("x"),
		ResponseFormat: &llm.ResponseFormat{Type: "json_schema", JSONSchema: &llm.JSONSchema{Name: "x", Schema: json.RawMessage(`{"type": "string", "pattern": "^a$"}`)}},
	}, nil)
	if !errors.Is(err, llm.ErrBadRequest) || !strings.Contains(err.Error(), `"pattern"`) {
		t.Fatalf("err = %v, want a bad request naming pattern", err)
	}
}

// TestChatNAndLogprobs: n choices come back each whole and streamed under
// its index, and logprobs give each sampled token's log probability with
// its top alternatives (greedy: the top one is the token itself).
func TestChatNAndLogprobs(t *testing.T) {
	p := NewFromModel(loadReal(t))
	streamed := map[int]string{}
	resp, err := p.Chat(context.Background(), llm.ChatRequest{
		Messages: user("Once upon a time"), MaxTokens: 24, Temperature: ptr(2.0), Seed: ptr(int64(7)), N: 3,
	}, func(d llm.Delta) error { streamed[d.Index] += d.Content; return nil })
	if err != nil || len(resp.Choices) != 3 {
		t.Fatalf("%+v, %v", resp, err)
	}
	for i, c := range resp.Choices {
		if c.Index != i || c.Message.Content != streamed[i] || c.Message.Content == "" {
			t.Fatalf("choice %d: %+v, streamed %q", i, c, streamed[i])
		}
	}
	if resp.Choices[0].Message.Content == resp.Choices[1].Message.Content && resp.Choices[1].Message.Content == resp.Choices[2].Message.Content {
		t.Fatalf("three sampled choices are all %q", resp.Choices[0].Message.Content)
	}
	resp, err = p.Chat(context.Background(), llm.ChatRequest{
		Messages: user("Once upon a time"), MaxTokens: 8, Logprobs: true, TopLogprobs: 3,
	}, nil)
	if err != nil || resp.Choices[0].Logprobs == nil {
		t.Fatalf("%+v, %v", resp, err)
	}
	lps := resp.Choices[0].Logprobs.Content
	if len(lps) != resp.Usage.CompletionTokens {
		t.Fatalf("%d logprobs for %d tokens", len(lps), resp.Usage.CompletionTokens)
	}
	var text strings.Builder
	for _, lp := range lps {
		text.WriteString(lp.Token)
		if lp.Logprob > 0 || len(lp.TopLogprobs) != 3 || lp.TopLogprobs[0].Token != lp.Token || lp.TopLogprobs[0].Logprob != lp.Logprob || lp.TopLogprobs[1].Logprob > lp.TopLogprobs[0].Logprob {
			t.Fatalf("greedy token logprob %+v", lp)
		}
	}
	if text.String() != resp.Content {
		t.Fatalf("logprob tokens spell %q, content %q", text.String(), resp.Content)
	}
	for _, bad := range []llm.ChatRequest{{N: 17}, {TopLogprobs: 3}, {Logprobs: true, TopLogprobs: 21}} {
		bad.Messages = user("x")
		if _, err := p.Chat(context.Background(), bad, nil); !errors.Is(err, llm.ErrBadRequest) {
			t.Fatalf("%+v: err = %v, want a bad request", bad, err)
		}
	}
}
