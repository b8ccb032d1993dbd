package local

import (
	"context"
	"fmt"
	"math"

	"github.com/phalanetwork/phala/llm"
)

// maxN bounds how many choices one request may ask for.
const maxN = 16

// maxTopLogprobs is OpenAI's bound on top_logprobs.
const maxTopLogprobs = 20

// completeN completes req.N choices (1 by default) one after another, each
// with its own seed (the request's plus its index), streaming each
// choice's deltas under its index; usage counts the prompt once and every
// choice's tokens.
func (m *Model) completeN(ctx context.Context, prompt []int, sp sampling, req llm.ChatRequest, onDelta func(llm.Delta) error) (llm.ChatResponse, error) {
	n := max(req.N, 1)
	if n > maxN {
		return llm.ChatResponse{}, fmt.Errorf("%w: n %d is more than the local provider's %d", llm.ErrBadRequest, n, maxN)
	}
	if req.TopLogprobs < 0 || req.TopLogprobs > maxTopLogprobs || (req.TopLogprobs > 0 && !req.Logprobs) {
		return llm.ChatResponse{}, fmt.Errorf("%w: top_logprobs %d must be 0 to %d, with logprobs", llm.ErrBadRequest, req.TopLogprobs, maxTopLogprobs)
	}
	sp.logprobs, sp.topLogprobs = req.Logprobs, req.TopLogprobs
	all := llm.ChatResponse{Model: m.Name}
	all.Usage.PromptTokens = len(prompt)
	for i := range n {
		spi := sp
		spi.seed += uint64(i)
		var cb func(llm.Delta) error
		if onDelta != nil {
			cb = func(d llm.Delta) error { d.Index = i; return onDelta(d) }
		}
		out := newOutput(req.Stop, cb)
		if sp.tools != nil { // the JSON is streamed once read; no stop string cuts it
			out = newOutput(nil, nil)
		}
		r, err := m.complete(ctx, prompt, spi, out)
		c := llm.Choice{Index: i, Message: llm.Message{Role: "assistant", Content: r.Content}, FinishReason: r.FinishReason}
		if sp.tools != nil && err == nil {
			err = sp.tools.answer(&c, cb)
		}
		if sp.logprobs {
			c.Logprobs = &llm.Logprobs{Content: out.logprobs}
		}
		all.Choices = append(all.Choices, c)
		all.Usage.CompletionTokens += r.Usage.CompletionTokens
		if err != nil {
			all.Usage.TotalTokens = all.Usage.PromptTokens + all.Usage.CompletionTokens
			all.Normalize()
			return all, err
		}
	}
	all.Usage.TotalTokens = all.Usage.PromptTokens + all.Usage.CompletionTokens
	all.Normalize()
	return all, nil
}

// tokenLogprob is the log probability of tok under logits (the
// distribution it was sampled from, grammar mask included, before
// temperature) and the top alternatives.
func (m *Model) tokenLogprob(logits []float32, tok, top int) llm.TokenLogprob {
	maxL := math.Inf(-1)
	for _, l := range logits {
		maxL = math.Max(maxL, float64(l))
	}
	var sum float64
	for _, l := range logits {
		sum += math.Exp(float64(l) - maxL)
	}
	lse := maxL + math.Log(sum)
	entry := func(id int) llm.TopLogprob {
		p := m.Tokenizer.Piece(id)
		b := make([]int, len(p))
		for i, c := range p {
			b[i] = int(c)
		}
		return llm.TopLogprob{Token: string(p), Logprob: float64(logits[id]) - lse, Bytes: b}
	}
	lp := llm.TokenLogprob{TopLogprob: entry(tok), TopLogprobs: []llm.TopLogprob{}}
	taken := map[int]bool{}
	for range min(top, len(logits)) {
		best := -1
		for id, l := range logits {
			if !taken[id] && (best < 0 || l > logits[best]) {
				best = id
			}
		}
		taken[best] = true
		lp.TopLogprobs = append(lp.TopLogprobs, entry(best))
	}
	return lp
}
