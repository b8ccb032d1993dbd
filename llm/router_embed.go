package llm

import (
	"context"
	"fmt"
	"strings"
)

// MaxEmbedInputs is the most inputs one embeddings request may carry (as
// OpenAI).
const MaxEmbedInputs = 2048

// Embed computes embeddings with the provider of req.Model
// ("provider/model"), which must implement Embedder (else ErrUnsupported).
// It is admitted and metered like Chat, with no fallback. The response's
// Model is the "provider/model" that served.
func (r *Router) Embed(ctx context.Context, caller string, req EmbedRequest) (EmbedResponse, error) {
	pname, model, err := SplitModel(req.Model)
	if err != nil {
		return EmbedResponse{}, err
	}
	if len(req.Input) == 0 || len(req.Input) > MaxEmbedInputs {
		return EmbedResponse{}, fmt.Errorf("%w: input must hold 1..%d texts, got %d", ErrBadRequest, MaxEmbedInputs, len(req.Input))
	}
	if req.Dimensions < 0 {
		return EmbedResponse{}, fmt.Errorf("%w: dimensions %d must be positive", ErrBadRequest, req.Dimensions)
	}
	p, ok := r.providers[pname]
	if !ok {
		return EmbedResponse{}, fmt.Errorf("%w: %q: no provider %q (available providers: %s)", ErrUnknownModel, req.Model, pname, strings.Join(r.names, ", "))
	}
	e, ok := p.(Embedder)
	if !ok {
		return EmbedResponse{}, fmt.Errorf("%w: embeddings are not supported by provider %s", ErrUnsupported, pname)
	}
	if err := r.Limiter.Admit(caller); err != nil {
		return EmbedResponse{}, err
	}
	attempt := req
	attempt.Model = model
	resp, err := e.Embed(ctx, attempt)
	resp.Usage = r.meter(caller, pname, resp.Usage, err)
	r.Limiter.Record(caller, resp.Usage.TotalTokens)
	if err != nil {
		return EmbedResponse{Usage: resp.Usage}, fmt.Errorf("%s: %w", req.Model, err)
	}
	if len(resp.Embeddings) != len(req.Input) {
		return EmbedResponse{Usage: resp.Usage}, fmt.Errorf("%w: %s: %d embeddings for %d inputs", ErrProvider, req.Model, len(resp.Embeddings), len(req.Input))
	}
	resp.Model = req.Model
	return resp, nil
}
