package worker

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/phalanetwork/phala/pruntime/agenthost"
)

// The RedPill / NEAR AI verification endpoints: the verifiers their users
// run ask a gateway (which passes these to the worker) for a signing key's
// fresh attestation and for the signature of one answer. docs/answers.md
// describes both.

// signingAlgo reads ?signing_algo= (default ecdsa, as NEAR AI's).
func signingAlgo(r *http.Request) string {
	if a := r.URL.Query().Get("signing_algo"); a != "" {
		return a
	}
	return "ecdsa"
}

// serveSigningReport answers GET /v1/attestation/report?nonce=<64
// hex>&signing_algo=ed25519|ecdsa with fresh evidence binding the nonce
// to the worker's signing key of that algorithm.
func (w *Worker) serveSigningReport(rw http.ResponseWriter, r *http.Request) {
	nonce, err := hex.DecodeString(r.URL.Query().Get("nonce"))
	if err != nil || len(nonce) != 32 {
		writeJSONError(rw, http.StatusBadRequest, "nonce must be 64 hex characters (32 bytes)")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), quoteWait)
	defer cancel()
	rep, err := w.enclave.AttestSigning(ctx, signingAlgo(r), [32]byte(nonce))
	if err != nil {
		writeJSONError(rw, w.loadStatus(rw, "signing key attestation", err, http.StatusBadRequest), err.Error())
		return
	}
	writeJSON(rw, rep)
}

// serveSignature answers GET /v1/signature/{id}?signing_algo=...: the
// signature of a recent answer's text, sha256(request body) ":"
// sha256(response bytes).
func (w *Worker) serveSignature(rw http.ResponseWriter, r *http.Request) {
	sig, err := w.enclave.Signature(r.PathValue("id"), signingAlgo(r))
	switch {
	case errors.Is(err, agenthost.ErrNoSignature):
		writeJSONError(rw, http.StatusNotFound, err.Error())
		return
	case err != nil:
		writeJSONError(rw, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(rw, sig)
}

// writeJSONError answers in the OpenAI error shape, for /v1 clients.
func writeJSONError(rw http.ResponseWriter, status int, msg string) {
	rw.Header().Set("Content-Type", "application/json")
	rw.WriteHeader(status)
	json.NewEncoder(rw).Encode(map[string]any{"error": map[string]any{"message": msg, "type": "invalid_request_error", "code": status}})
}
