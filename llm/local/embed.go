package local

import (
	"context"
	"fmt"
	"math"

	"github.com/phalanetwork/phala/llm"
)

// Pooling types, llama.cpp's llama_pooling_type numbering (Config.Pooling).
const (
	poolNone = 0
	poolMean = 1
	poolCLS  = 2
	poolLast = 3
)

var _ llm.Embedder = (*Provider)(nil)

// Embed computes one embedding per input text from the loaded model's
// final hidden states (after the output norm, as llama.cpp's embeddings):
// pooled as the file's <arch>.pooling_type says (mean, cls: the first
// token, last: the last one; a decoder model that names none is
// mean-pooled), then L2-normalized. Each text is tokenized as a prompt
// (BOS as the vocabulary asks, special tokens not parsed); usage counts
// those tokens.
func (p *Provider) Embed(ctx context.Context, req llm.EmbedRequest) (llm.EmbedResponse, error) {
	if p.model == nil {
		return llm.EmbedResponse{}, errNotConfigured
	}
	m := p.model
	switch {
	case req.Model != "" && req.Model != m.Name:
		return llm.EmbedResponse{}, fmt.Errorf("%w: local serves %q, not %q", llm.ErrUnknownModel, m.Name, req.Model)
	case req.Dimensions > 0 && req.Dimensions != m.Config.Dim:
		return llm.EmbedResponse{}, fmt.Errorf("%w: dimensions %d: the local model's embeddings have %d", llm.ErrBadRequest, req.Dimensions, m.Config.Dim)
	case m.Config.Pooling > poolLast:
		return llm.EmbedResponse{}, fmt.Errorf("%w: the local model's pooling type %d is not mean, cls or last", llm.ErrBadRequest, m.Config.Pooling)
	}
	resp := llm.EmbedResponse{Model: m.Name}
	for i, text := range req.Input {
		toks := m.Tokenizer.Tokenize(text, true, false)
		if text == "" || len(toks) == 0 {
			return resp, fmt.Errorf("%w: input[%d] is empty", llm.ErrBadRequest, i)
		}
		if len(toks) > m.Config.ContextLength {
			return resp, fmt.Errorf("%w: input[%d] is %d tokens, the context %d", llm.ErrBadRequest, i, len(toks), m.Config.ContextLength)
		}
		v, err := m.embed(ctx, toks)
		if err != nil {
			return resp, fmt.Errorf("input[%d]: %w", i, err)
		}
		resp.Embeddings = append(resp.Embeddings, v)
		resp.Usage.PromptTokens += len(toks)
	}
	resp.Usage.TotalTokens = resp.Usage.PromptTokens
	return resp, nil
}

// embed runs toks through the model and pools the final hidden states
// into one L2-normalized vector.
func (m *Model) embed(ctx context.Context, toks []int) ([]float32, error) {
	s := m.NewState()
	sum := make([]float64, m.Config.Dim)
	for i, tok := range toks {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if _, err := s.Forward(tok); err != nil {
			return nil, err
		}
		pool := m.Config.Pooling
		take := pool == poolMean || pool == poolNone || (pool == poolCLS && i == 0) || (pool == poolLast && i == len(toks)-1)
		if take {
			for j, x := range s.hidden() {
				sum[j] += float64(x)
			}
		}
	}
	var norm float64
	for _, x := range sum {
		norm += x * x
	}
	norm = math.Sqrt(norm)
	out := make([]float32, len(sum))
	if norm == 0 {
		return out, nil
	}
	for j, x := range sum {
		out[j] = float32(x / norm)
	}
	return out, nil
}

// hidden is the final hidden state of the token Forward last evaluated,
// after the output norm: Forward leaves it in xb, from which the logits
// were computed.
func (s *State) hidden() []float32 { return s.b.xb[:s.m.Config.Dim] }
