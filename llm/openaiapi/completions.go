package openaiapi

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/phalanetwork/phala/llm"
)

// legacyRequest is the body of POST /v1/completions. It is served by the
// chat path: the prompt is one user message.
type legacyRequest struct {
	commonFields
	Prompt   inputTexts `json:"prompt"`
	Logprobs *int       `json:"logprobs"`
	Echo     *bool      `json:"echo"`
	Suffix   *string    `json:"suffix"`
	BestOf   *int       `json:"best_of"`
}

// legacyLogprobs is the completions API's logprobs shape.
type legacyLogprobs struct {
	Tokens        []string             `json:"tokens"`
	TokenLogprobs []float64            `json:"token_logprobs"`
	TopLogprobs   []map[string]float64 `json:"top_logprobs"`
	TextOffset    []int                `json:"text_offset"`
}

type legacyChoice struct {
	Text         string          `json:"text"`
	Index        int             `json:"index"`
	Logprobs     *legacyLogprobs `json:"logprobs"`
	FinishReason *string         `json:"finish_reason"`
}

type legacyCompletion struct {
	head
	Choices []legacyChoice `json:"choices"`
	Usage   *usage         `json:"usage,omitempty"`
}

// parseLegacy turns a completions body into the chat request serving it.
func parseLegacy(body []byte) (llm.ChatRequest, bool, error) {
	var lr legacyRequest
	if err := decodeStrict(body, &lr, jsonNames(legacyRequest{}), nil); err != nil {
		return llm.ChatRequest{}, false, err
	}
	switch {
	case lr.Model == "":
		return llm.ChatRequest{}, false, errors.New("model is required (models are named provider/model)")
	case len(lr.Prompt) != 1:
		return llm.ChatRequest{}, false, fmt.Errorf("prompt must be one string, got %d", len(lr.Prompt))
	case lr.Echo != nil && *lr.Echo:
		return llm.ChatRequest{}, false, errors.New("echo is not supported")
	case lr.Suffix != nil && *lr.Suffix != "":
		return llm.ChatRequest{}, false, errors.New("suffix is not supported")
	case lr.BestOf != nil && *lr.BestOf != 1:
		return llm.ChatRequest{}, false, errors.New("best_of is not supported (only 1)")
	case lr.MaxTokens != nil && *lr.MaxTokens < 0:
		return llm.ChatRequest{}, false, fmt.Errorf("max_tokens %d must not be negative", *lr.MaxTokens)
	}
	req, err := lr.chatRequest()
	if err != nil {
		return llm.ChatRequest{}, false, err
	}
	req.Messages = []llm.Message{{Role: "user", Content: lr.Prompt[0]}}
	if lr.Logprobs != nil {
		req.Logprobs, req.TopLogprobs = true, *lr.Logprobs
	}
	return req, lr.includeUsage(), nil
}

// toLegacy converts chat logprobs to the completions shape.
func toLegacy(lp []llm.TokenLogprob, offset int) *legacyLogprobs {
	if lp == nil {
		return nil
	}
	out := &legacyLogprobs{}
	for _, t := range lp {
		out.Tokens = append(out.Tokens, t.Token)
		out.TokenLogprobs = append(out.TokenLogprobs, t.Logprob)
		top := map[string]float64{}
		for _, a := range t.TopLogprobs {
			top[a.Token] = a.Logprob
		}
		out.TopLogprobs = append(out.TopLogprobs, top)
		out.TextOffset = append(out.TextOffset, offset)
		offset += len(t.Token)
	}
	return out
}

// completions answers POST /v1/completions through the chat path.
func (h *Handler) completions(w http.ResponseWriter, r *http.Request) {
	body, req, includeUsage, ok := h.parsed(w, r, parseLegacy)
	if !ok {
		return
	}
	id := "cmpl-" + newID()[len("chatcmpl-"):]
	w.Header().Set("X-Request-Id", id)
	created := h.now().Unix()
	if req.Stream {
		s := &stream{h: h, w: w, rc: http.NewResponseController(w), reqBody: body, sent: sha256.New(), id: id, created: created, includeUsage: includeUsage, legacy: true}
		h.legacyStream(r, s, req)
		return
	}
	resp, err := h.backend.ChatModel(r.Context(), h.caller(r), req, nil)
	if err != nil {
		h.fail(w, body, err, id)
		return
	}
	u := h.usage(resp.Usage)
	out := legacyCompletion{head: head{ID: id, Object: "text_completion", Created: created, Model: resp.Model, SystemFingerprint: h.fingerprint}, Usage: &u}
	for _, c := range resp.Choices {
		fr := finishReason(c.FinishReason)
		var lp *legacyLogprobs
		if c.Logprobs != nil {
			lp = toLegacy(c.Logprobs.Content, 0)
		}
		out.Choices = append(out.Choices, legacyChoice{Text: c.Message.Content, Index: c.Index, Logprobs: lp, FinishReason: &fr})
	}
	data, _ := json.Marshal(out)
	h.finish(w, body, http.StatusOK, data, nil, id, resp.Model)
}

// legacyStream streams text_completion chunks.
func (h *Handler) legacyStream(r *http.Request, s *stream, req llm.ChatRequest) {
	chunkOf := func(c legacyChoice) legacyCompletion {
		return legacyCompletion{head: head{ID: s.id, Object: "text_completion", Created: s.created, Model: s.model, SystemFingerprint: h.fingerprint}, Choices: []legacyChoice{c}}
	}
	resp, err := h.backend.ChatModel(r.Context(), h.caller(r), req, func(model string, d llm.Delta) error {
		if !s.started {
			if err := s.start(model); err != nil {
				return err
			}
		}
		return s.event(chunkOf(legacyChoice{Text: d.Content, Index: d.Index, Logprobs: toLegacy(d.Logprobs, 0)}))
	})
	if err != nil {
		s.fail(err)
		return
	}
	if !s.started && s.start(resp.Model) != nil {
		return
	}
	s.model = resp.Model
	for _, c := range resp.Choices {
		fr := finishReason(c.FinishReason)
		if s.event(chunkOf(legacyChoice{Index: c.Index, FinishReason: &fr})) != nil {
			return
		}
	}
	if s.includeUsage {
		u := h.usage(resp.Usage)
		if s.event(legacyCompletion{head: head{ID: s.id, Object: "text_completion", Created: s.created, Model: s.model}, Choices: []legacyChoice{}, Usage: &u}) != nil {
			return
		}
	}
	if s.write([]byte("data: [DONE]\n\n")) != nil {
		return
	}
	s.end()
}
