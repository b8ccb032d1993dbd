package agenthost

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/llm"
	"github.com/phalanetwork/phala/llm/openaiapi"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/pruntime/chainsync"
)

// meteredBackend is the router as one request sees it: it counts the
// request's tokens for its receipt.
type meteredBackend struct {
	router *llm.Router
	tokens usageMeter
}

func (m *meteredBackend) Models(ctx context.Context) ([]string, error) { return m.router.Models(ctx) }

func (m *meteredBackend) ChatModel(ctx context.Context, caller string, req llm.ChatRequest, onDelta func(model string, d llm.Delta) error) (llm.ChatResponse, error) {
	resp, err := m.router.ChatModel(ctx, caller, req, onDelta)
	m.tokens.add(resp.Usage.TotalTokens)
	return resp, err
}

// LLMHandler serves the OpenAI-compatible API of the enclave's AI router:
// callers authenticate as for agents (a signed request or an API key),
// pay from their escrow through a usage receipt, and every answer carries
// the worker's signature over the request and the answer.
func (host *Host) LLMHandler(src chainsync.Source) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, openaiapi.DefaultMaxBodyBytes+1))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c, err := host.authenticate(r.Context(), src, [32]byte{}, r.Method, r.URL.RequestURI(), r.Header, body, false)
		if err == nil && len(c.scope) != 0 {
			err = errors.New("forbidden: this API key is limited to one agent")
		}
		var p agents.Params
		var cost pha.Amount
		if err == nil && r.URL.Path == "/v1/chat/completions" {
			if p, err = host.params(r.Context(), src); err == nil {
				cost, err = chatHold(p, body)
			}
			if err == nil {
				err = host.reserve(r.Context(), src, c.addr, cost)
			}
		}
		if err != nil {
			status := http.StatusUnauthorized
			switch {
			case errors.Is(err, ErrPayment):
				status = http.StatusPaymentRequired
			case errors.Is(err, ErrReplay):
				status = http.StatusConflict
			case errors.Is(err, ErrWrongWorker):
				status = http.StatusMisdirectedRequest
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			io.WriteString(w, `{"error":{"message":`+quoteJSON(err.Error())+`,"type":"authentication_error","code":null}}`)
			return
		}
		mb := &meteredBackend{router: host.Router()}
		h := openaiapi.New(mb, func(*http.Request) string { return c.addr.String() },
			openaiapi.WithSign(host.llmSigner(agentio.RequestHash(r.Method, r.URL.RequestURI(), r.Header, body)), agentio.HeaderAnswer, agentio.HeaderAnswerSignature),
			openaiapi.WithRecord(func(id string, reqBody []byte, respHash [32]byte) {
				host.texts.put(id, agentio.SignatureText(reqBody, respHash))
			}))
		r.Body = io.NopCloser(bytes.NewReader(body))
		h.ServeHTTP(w, r)
		if r.URL.Path == "/v1/chat/completions" {
			rc := agents.Receipt{Caller: c.addr, Request: c.id, Tokens: min(mb.tokens.total(), p.MaxReceiptTokens), Issued: c.issued}
			c.backing(&rc)
			host.queueReceipt(rc)
			if all, err := p.NetworkFee(rc.Tokens, 0); err == nil && cost.LT(all) {
				extra, _ := all.Sub(cost)
				host.spend(c.addr, extra)
			}
		}
	})
}

// llmSigner signs the router's answers to the request of hash
// requestHash: the provider and model that served, the request and the
// response as sent.
func (host *Host) llmSigner(requestHash [32]byte) openaiapi.Signer {
	return func(ex openaiapi.Exchange) map[string]string {
		provider, model, _ := strings.Cut(ex.Model, "/")
		a := agentio.Answer{Provider: provider, Model: model, Request: requestHash,
			Response: agentio.ResponseHashOf(ex.Status, ex.Header, ex.BodyHash)}
		a, sig := host.core.SignAnswer(a, host.clock())
		h := http.Header{}
		agentio.SetAnswer(h, a, sig)
		return map[string]string{agentio.HeaderAnswer: h.Get(agentio.HeaderAnswer), agentio.HeaderAnswerSignature: h.Get(agentio.HeaderAnswerSignature)}
	}
}

// defaultMaxTokens is what a chat request that names no max_tokens is
// held for.
const defaultMaxTokens = 4096

// chatHold is what a chat completion is held for: the call fee and the
// token fee for max_tokens completion tokens plus the prompt (at most one
// token per byte of the body).
func chatHold(p agents.Params, body []byte) (pha.Amount, error) {
	var req struct {
		MaxTokens           uint64 `json:"max_tokens"`
		MaxCompletionTokens uint64 `json:"max_completion_tokens"`
	}
	json.Unmarshal(body, &req)
	limit := cmp.Or(req.MaxCompletionTokens, req.MaxTokens, defaultMaxTokens)
	return p.NetworkFee(min(limit, p.MaxReceiptTokens)+uint64(len(body)), 0)
}

func quoteJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
