package worker

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/contractio"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/core"
	"github.com/phalanetwork/phala/pruntime/replica"
	"github.com/phalanetwork/phala/shielded/ceremony"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

func (w *Worker) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(rw http.ResponseWriter, _ *http.Request) {
		rw.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(rw http.ResponseWriter, _ *http.Request) {
		s := w.Status()
		if !s.Registered {
			http.Error(rw, "not registered yet", http.StatusServiceUnavailable)
			return
		}
		rw.Write([]byte("ready\n"))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(w.newMetrics(), promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /info", func(rw http.ResponseWriter, _ *http.Request) {
		writeJSON(rw, w.Status())
	})
	mux.HandleFunc("POST /contracts/query", w.serveQuery)
	mux.Handle("GET "+ceremony.PathStates+"{sum}", w.ceremonyStates)
	mux.HandleFunc("POST "+PathContractSnapshot, w.serveContractSnapshot)
	mux.HandleFunc("/agents/{id}/{rest...}", w.serveAgent)
	mux.HandleFunc("GET /agents/{id}/"+agentio.PathWorkers, w.serveAgentWorkers)
	mux.Handle("/v1/", w.enclave.LLMHandler(w.src))
	mux.HandleFunc("GET /v1/attestation/report", w.serveSigningReport)
	mux.HandleFunc("GET /v1/signature/{id}", w.serveSignature)
	mux.HandleFunc("GET /attestation", w.serveAttestation)
	mux.HandleFunc("POST /agentstate/replicate", w.serveReplicate)
	mux.HandleFunc("POST /agentstate/snapshot", w.serveAgentSnapshot)
	mux.HandleFunc("POST /agentstate/head", w.serveAgentHead)
	mux.HandleFunc("GET "+PathEVMMaster, w.serveEVMMaster)
	mux.HandleFunc("POST "+PathEVMAuthorize, w.serveEVMAuthorize)
	mux.HandleFunc("POST "+PathEVMRotation, w.serveEVMRotation)
	mux.HandleFunc("GET "+PathCheckpoint, w.serveCheckpoint)
	return mux
}

// maxQueryBody bounds a query request.
const maxQueryBody = 64 << 10

// readBody reads r's body of at most limit bytes; on failure it answers
// the request (400, or 413 naming what is too long) and returns false.
func readBody(rw http.ResponseWriter, r *http.Request, limit int, what string) ([]byte, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, int64(limit)+1))
	if err != nil {
		http.Error(rw, "read body: "+err.Error(), http.StatusBadRequest)
		return nil, false
	}
	if len(body) > limit {
		http.Error(rw, fmt.Sprintf("%s over %d bytes", what, limit), http.StatusRequestEntityTooLarge)
		return nil, false
	}
	return body, true
}

// writeJSON answers 200 with v as JSON.
func writeJSON(rw http.ResponseWriter, v any) {
	rw.Header().Set("Content-Type", "application/json")
	json.NewEncoder(rw).Encode(v)
}

// serveQuery answers a contract query sealed to this worker. The body is
// an encoded envelope (contractio.NewQuery); the answer is a JSON
// contractio.QueryResponse, sealed to the caller and signed by the worker.
func (w *Worker) serveQuery(rw http.ResponseWriter, r *http.Request) {
	body, ok := readBody(rw, r, maxQueryBody, "query")
	if !ok {
		return
	}
	resp, err := w.enclave.Query(r.Context(), w.src, body, w.o.Clock())
	switch {
	case errors.Is(err, replica.ErrNotRunning):
		http.Error(rw, err.Error(), http.StatusNotFound)
		return
	case errors.Is(err, contractio.ErrQuerySignature), errors.Is(err, contractio.ErrQueryStale),
		errors.Is(err, contractio.ErrCertExpired), errors.Is(err, contractio.ErrCertSignature):
		http.Error(rw, err.Error(), http.StatusUnauthorized)
		return
	case errors.Is(err, replica.ErrBadQuery):
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	case errors.Is(err, core.ErrBusy), errors.Is(err, chainsync.ErrBehind):
		http.Error(rw, err.Error(), w.loadStatus(rw, "contract query", err, http.StatusServiceUnavailable))
		return
	case err != nil:
		w.log.Warn("query failed", "err", err)
		http.Error(rw, "query failed: "+err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(rw, resp)
}

// serveAttestation answers GET /attestation?nonce=<hex>: fresh evidence
// binding the caller's nonce to this worker's identity.
func (w *Worker) serveAttestation(rw http.ResponseWriter, r *http.Request) {
	nonce, err := hex.DecodeString(r.URL.Query().Get("nonce"))
	if err != nil {
		http.Error(rw, "nonce must be hex", http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), quoteWait)
	defer cancel()
	rep, err := w.enclave.Attest(ctx, nonce)
	if err != nil {
		http.Error(rw, err.Error(), w.loadStatus(rw, "attestation", err, http.StatusBadRequest))
		return
	}
	writeJSON(rw, rep)
}

// quoteWait is how long a caller's attestation request waits for one of
// the enclave's public quote slots (core.PublicQuoteSlots) before it is
// refused with 503.
const quoteWait = time.Second

// loadStatus is the status of a failed request: 503 for a refusal for load
// (core.ErrBusy), with Retry-After set and the refusal logged for the
// operator (the route and the limit hit, never a payload); status
// otherwise.
func (w *Worker) loadStatus(rw http.ResponseWriter, route string, err error, status int) int {
	if !errors.Is(err, core.ErrBusy) {
		return status
	}
	w.log.Warn("refused: worker busy", "route", route, "err", err)
	rw.Header().Set("Retry-After", "1")
	return http.StatusServiceUnavailable
}
