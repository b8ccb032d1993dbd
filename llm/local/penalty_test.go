package local

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/phalanetwork/phala/llm"
)

// TestLogitAdjust: bias is added; a token seen n times loses
// n·frequency + presence, as llama.cpp's penalties sampler does.
func TestLogitAdjust(t *testing.T) {
	cases := []struct {
		name   string
		req    llm.ChatRequest
		counts map[int]int
		want   []float32
	}{
		{"bias", llm.ChatRequest{LogitBias: map[string]float64{"1": 2.5, "3": -100}}, nil, []float32{1, 3.5, 1, -99}},
		{"frequency", llm.ChatRequest{FrequencyPenalty: ptr(0.5)}, map[int]int{0: 2, 2: 1}, []float32{0, 1, 0.5, 1}},
		{"presence", llm.ChatRequest{PresencePenalty: ptr(-1.0)}, map[int]int{0: 3}, []float32{2, 1, 1, 1}},
		{"both", llm.ChatRequest{FrequencyPenalty: ptr(1.0), PresencePenalty: ptr(1.0), LogitBias: map[string]float64{"0": 1}}, map[int]int{0: 2}, []float32{-1, 1, 1, 1}},
	}
	for _, c := range cases {
		a, err := logitAdjustOf(c.req, 4)
		if err != nil {
			t.Fatal(err)
		}
		logits := []float32{1, 1, 1, 1}
		a.apply(logits, c.counts)
		if !slices.Equal(logits, c.want) {
			t.Errorf("%s: %v, want %v", c.name, logits, c.want)
		}
	}
	if a, err := logitAdjustOf(llm.ChatRequest{FrequencyPenalty: ptr(0.0)}, 4); a != nil || err != nil {
		t.Fatalf("zero penalty: %v, %v", a, err)
	}
}

// TestChatPenaltiesAndBias: the local provider applies logit_bias and
// penalties (they were refused with a 400 before): a +100 bias makes
// every greedy token the biased one, a presence penalty changes a greedy
// story, and a bias key outside the vocabulary is a bad request naming it.
func TestChatPenaltiesAndBias(t *testing.T) {
	p := NewFromModel(loadReal(t))
	tok := p.Model().Tokenizer
	id := tok.Encode("cat", false)[0]
	resp, err := p.Chat(context.Background(), llm.ChatRequest{Messages: user("Once upon a time"), MaxTokens: 8,
		LogitBias: map[string]float64{strconv.Itoa(id): 100}}, nil)
	if err != nil || resp.Content != strings.Repeat(string(tok.Piece(id)), 8) {
		t.Fatalf("biased to %q: %q, %v", tok.Piece(id), resp.Content, err)
	}
	plain, err := p.Chat(context.Background(), llm.ChatRequest{Messages: user("Once upon a time"), MaxTokens: 40}, nil)
	if err != nil {
		t.Fatal(err)
	}
	penalized, err := p.Chat(context.Background(), llm.ChatRequest{Messages: user("Once upon a time"), MaxTokens: 40, PresencePenalty: ptr(2.0), FrequencyPenalty: ptr(1.0)}, nil)
	if err != nil || penalized.Content == plain.Content {
		t.Fatalf("penalized %q, plain %q, %v", penalized.Content, plain.Content, err)
	}
	_, err = p.Chat(context.Background(), llm.ChatRequest{Messages: user("x"), LogitBias: map[string]float64{"99999": 1}}, nil)
	if !errors.Is(err, llm.ErrBadRequest) || !strings.Contains(err.Error(), `"99999"`) {
		t.Fatalf("err = %v, want a bad request naming the key", err)
	}
	if c := p.Capabilities(p.Model().Name); !c.Penalties || !c.LogitBias || !c.Tools {
		t.Fatalf("capabilities %+v", c)
	}
}
