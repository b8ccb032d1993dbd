package pruntime

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/llm"
	"github.com/phalanetwork/phala/llm/openaiapi"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/tee"
)

// meteredBackend is the router as one request sees it: it counts the
// request's tokens for its receipt.
type meteredBackend struct {
	router *llm.Router
	tokens int
}

func (m *meteredBackend) Models(ctx context.Context) ([]string, error) { return m.router.Models(ctx) }

func (m *meteredBackend) ChatModel(ctx context.Context, caller string, req llm.ChatRequest, onDelta func(model, delta string) error) (llm.ChatResponse, error) {
	resp, err := m.router.ChatModel(ctx, caller, req, onDelta)
	m.tokens += resp.Usage.TotalTokens
	return resp, err
}

// LLMHandler serves the OpenAI-compatible API of the enclave's AI router:
// callers authenticate as for agents (a signed request or an API key),
// pay from their escrow through a usage receipt, and every answer carries
// the worker's signature over the request and the answer.
func (e *Enclave) LLMHandler(src chainsync.Source) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, openaiapi.DefaultMaxBodyBytes+1))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c, err := e.authenticate(r.Context(), src, [32]byte{}, r.Method, r.URL.RequestURI(), r.Header, body)
		if err == nil && len(c.scope) != 0 {
			err = errors.New("forbidden: this API key is limited to one agent")
		}
		if err == nil && r.URL.Path == "/v1/chat/completions" {
			err = e.checkEscrow(r.Context(), src, c.addr, pha.Amount{})
		}
		if err != nil {
			status := http.StatusUnauthorized
			switch {
			case errors.Is(err, ErrPayment):
				status = http.StatusPaymentRequired
			case errors.Is(err, ErrReplay):
				status = http.StatusConflict
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			io.WriteString(w, `{"error":{"message":`+quoteJSON(err.Error())+`,"type":"authentication_error","code":null}}`)
			return
		}
		mb := &meteredBackend{router: e.Router()}
		h := openaiapi.New(mb, func(*http.Request) string { return c.addr.String() },
			openaiapi.WithSign(func(status int, _, resp []byte) map[string]string {
				p := e.prove(c.hash, status, resp)
				return map[string]string{
					agentio.HeaderWorker:            hex.EncodeToString(p.Worker[:]),
					agentio.HeaderRequestHash:       hex.EncodeToString(p.RequestHash[:]),
					agentio.HeaderResponseSignature: hex.EncodeToString(p.Signature),
				}
			}))
		r.Body = io.NopCloser(bytes.NewReader(body))
		h.ServeHTTP(w, r)
		if r.URL.Path == "/v1/chat/completions" {
			e.queueReceipt(agents.Receipt{Caller: c.addr, Request: c.hash, Tokens: uint64(mb.tokens), Issued: c.issued})
		}
	})
}

func quoteJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// AttestationReport is fresh attestation evidence binding a caller's
// nonce to this worker's identity key.
type AttestationReport struct {
	Worker   string `json:"worker"`
	TEE      string `json:"tee"`
	Nonce    string `json:"nonce"`
	Evidence []byte `json:"evidence"`
}

// ReportData is what an attestation report binds: SHA-256 over a domain,
// the worker id and the caller's nonce, in the first 32 bytes.
func ReportData(worker [32]byte, nonce []byte) [tee.ReportDataSize]byte {
	h := sha256.New()
	h.Write([]byte("phala/attestation-report/v1\x00"))
	h.Write(worker[:])
	h.Write(nonce)
	var rd [tee.ReportDataSize]byte
	copy(rd[:], h.Sum(nil))
	return rd
}

// Attest returns an attestation report for a caller's nonce (1 to 64
// bytes), so a client can check that the key signing answers lives in a
// TEE running the expected code.
func (e *Enclave) Attest(nonce []byte) (AttestationReport, error) {
	if len(nonce) == 0 || len(nonce) > 64 {
		return AttestationReport{}, errors.New("nonce must be 1 to 64 bytes")
	}
	id := e.ID()
	ev, err := e.provider.Quote(ReportData(id, nonce))
	if err != nil {
		return AttestationReport{}, err
	}
	return AttestationReport{Worker: id.String(), TEE: string(e.provider.Kind()), Nonce: hex.EncodeToString(nonce), Evidence: ev}, nil
}
