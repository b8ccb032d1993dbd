package openai

import (
	"context"
	"encoding/json"
	"io"

	"github.com/phalanetwork/phala/llm"
)

// Capabilities implements llm.Capable: an OpenAI-compatible endpoint is
// sent every feature as it is (an upstream that does not support one
// answers 400, which is passed on), unless WithCapabilities narrowed them.
func (p *Provider) Capabilities(string) llm.Capabilities {
	if p.caps != nil {
		return *p.caps
	}
	return llm.Capabilities{Tools: true, JSONObject: true, JSONSchema: true, N: true, Logprobs: true, Penalties: true,
		LogitBias: true, Seed: true, User: true, ParallelToolCall: true, Multimodal: true}
}

// WithCapabilities declares what the upstream supports, for one that
// ignores fields it does not know (the router then refuses them with a
// 400 instead of letting them be dropped).
func WithCapabilities(c llm.Capabilities) Option {
	return func(p *Provider) { p.caps = &c }
}

// Embed implements llm.Embedder: POST {base}/embeddings.
func (p *Provider) Embed(ctx context.Context, req llm.EmbedRequest) (llm.EmbedResponse, error) {
	body := struct {
		Model          string   `json:"model"`
		Input          []string `json:"input"`
		EncodingFormat string   `json:"encoding_format"`
		Dimensions     int      `json:"dimensions,omitempty"`
		User           string   `json:"user,omitempty"`
	}{req.Model, req.Input, "float", req.Dimensions, req.User}
	hreq, err := p.newPost(ctx, "/embeddings", body)
	if err != nil {
		return llm.EmbedResponse{}, err
	}
	resp, err := p.do(hreq)
	if err != nil {
		return llm.EmbedResponse{}, err
	}
	defer resp.Body.Close()
	var er struct {
		Model string `json:"model"`
		Data  []struct {
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		} `json:"data"`
		Usage *llm.Usage `json:"usage"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxBodyBytes)).Decode(&er); err != nil {
		return llm.EmbedResponse{}, p.errorf(llm.ErrProvider, "answer is not an OpenAI embedding list: %v", err)
	}
	out := llm.EmbedResponse{Model: er.Model, Embeddings: make([][]float32, len(req.Input))}
	for _, d := range er.Data {
		if d.Index < 0 || d.Index >= len(req.Input) || out.Embeddings[d.Index] != nil {
			return llm.EmbedResponse{}, p.errorf(llm.ErrProvider, "answer has embedding index %d for %d inputs", d.Index, len(req.Input))
		}
		out.Embeddings[d.Index] = d.Embedding
	}
	for i, e := range out.Embeddings {
		if e == nil {
			return llm.EmbedResponse{}, p.errorf(llm.ErrProvider, "answer has no embedding for input %d", i)
		}
	}
	if er.Usage != nil {
		out.Usage = completeUsage(*er.Usage)
	} else {
		for _, in := range req.Input {
			out.Usage.PromptTokens += estimateText(in)
		}
		out.Usage = completeUsage(out.Usage)
	}
	return out, nil
}

var (
	_ llm.Embedder = (*Provider)(nil)
	_ llm.Capable  = (*Provider)(nil)
)
