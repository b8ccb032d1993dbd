package gateway

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"

	"github.com/phalanetwork/phala/internal/httpok"
	"github.com/phalanetwork/phala/modules/registry"
)

// The RedPill / NEAR AI verification endpoints (docs/answers.md): the
// gateway asks its workers and, for an attestation report, adds the chain's
// proof that the worker is registered, so a verifier needs to trust neither
// the gateway nor its RPC node.

// maxVerifyAsk bounds how many workers one verification request asks.
const maxVerifyAsk = 16

// Registration is the chain's proof that a worker is registered: its
// record (registry.WorkerKey) at Height with an ICS23 proof against the
// app hash of the header at Height+1.
type Registration struct {
	Height int64               `json:"height"`
	Key    string              `json:"key"`
	Value  json.RawMessage     `json:"value"`
	Proof  *cmtcrypto.ProofOps `json:"proof"`
}

// serveSigningReport answers GET /v1/attestation/report?nonce=<64
// hex>&signing_algo=ed25519|ecdsa[&signing_address=...]: a serving worker's
// fresh report over the nonce (the one whose signing address is asked for,
// if one is) with the proof of its registration.
func (g *Gateway) serveSigningReport(w http.ResponseWriter, r *http.Request) {
	want := r.URL.Query().Get("signing_address")
	g.askWorkers(w, r, "attestation", "/v1/attestation/report?"+r.URL.RawQuery, func(raw []byte) (any, error) {
		var rep map[string]any
		if err := json.Unmarshal(raw, &rep); err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
		if addr, _ := rep["signing_address"].(string); want != "" && !strings.EqualFold(addr, want) {
			return nil, fmt.Errorf("no worker has signing address %s", want)
		}
		worker, _ := rep["worker"].(string)
		reg, err := g.registration(r.Context(), worker)
		rep["registration"] = reg
		return rep, err
	})
}

// serveSignature answers GET /v1/signature/{id}?signing_algo=...: the
// signature of the answer of id by the worker that served it (the gateway
// asks its workers in turn: one of them holds it).
func (g *Gateway) serveSignature(w http.ResponseWriter, r *http.Request) {
	g.askWorkers(w, r, "signature", r.URL.RequestURI(), func(raw []byte) (any, error) {
		return json.RawMessage(raw), nil
	})
}

// askWorkers GETs pathQuery from the healthy workers in turn and answers
// with what accept makes of the first 200 answer it takes; 404 naming the
// last failure when none does.
func (g *Gateway) askWorkers(w http.ResponseWriter, r *http.Request, route, pathQuery string, accept func([]byte) (any, error)) {
	eps, err := g.allWorkers(r.Context())
	if err != nil {
		g.failJSON(w, http.StatusBadGateway, err.Error())
		return
	}
	lastErr := "no worker available"
	for i, ep := range g.healthy(eps) {
		if i >= maxVerifyAsk {
			break
		}
		raw, err := g.askWorker(r.Context(), ep+pathQuery)
		var out any
		if err == nil {
			out, err = accept(raw)
		}
		if err != nil {
			lastErr = fmt.Sprintf("%s: %v", ep, err)
			continue
		}
		g.metrics.requests.WithLabelValues(route, "200").Inc()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(out)
		return
	}
	g.failJSON(w, http.StatusNotFound, lastErr)
}

// askWorker GETs url and returns a 200 answer's body (at most 1 MiB).
func (g *Gateway) askWorker(ctx context.Context, url string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, g.o.IdleTimeout)
	defer cancel()
	return httpok.Get(ctx, g.fwd, url, 1<<20)
}

// registration reads the worker's record with its proof at the height
// before the latest (so the header that commits it exists).
func (g *Gateway) registration(ctx context.Context, workerHex string) (Registration, error) {
	id, err := registry.ParseWorkerID(workerHex)
	if err != nil {
		return Registration{}, fmt.Errorf("report names no worker: %w", err)
	}
	latest, err := g.src.LatestHeight(ctx)
	if err != nil {
		return Registration{}, err
	}
	key := registry.WorkerKey(id)
	val, proof, err := g.src.StateProof(ctx, key, latest-1)
	if err != nil {
		return Registration{}, fmt.Errorf("proof of worker %s: %w", workerHex, err)
	}
	if val == nil {
		return Registration{}, fmt.Errorf("worker %s is not registered", workerHex)
	}
	return Registration{Height: latest - 1, Key: hex.EncodeToString(key), Value: val, Proof: proof}, nil
}
