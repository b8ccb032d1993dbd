package gateway

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"

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
		raw, err := g.askWorker(r.Context(), ep+"/v1/attestation/report?"+r.URL.RawQuery)
		if err != nil {
			lastErr = err.Error()
			continue
		}
		var rep map[string]any
		if err := json.Unmarshal(raw, &rep); err != nil {
			lastErr = fmt.Sprintf("%s: report: %v", ep, err)
			continue
		}
		addr, _ := rep["signing_address"].(string)
		if want != "" && !strings.EqualFold(addr, want) {
			lastErr = "no worker has signing address " + want
			continue
		}
		worker, _ := rep["worker"].(string)
		if rep["registration"], err = g.registration(r.Context(), worker); err != nil {
			lastErr = err.Error()
			continue
		}
		g.writeJSON(w, "attestation", rep)
		return
	}
	g.failJSON(w, http.StatusNotFound, lastErr)
}

// serveSignature answers GET /v1/signature/{id}?signing_algo=...: the
// signature of the answer of id by the worker that served it (the gateway
// asks its workers in turn: one of them holds it).
func (g *Gateway) serveSignature(w http.ResponseWriter, r *http.Request) {
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
		raw, err := g.askWorker(r.Context(), ep+r.URL.RequestURI())
		if err != nil {
			lastErr = err.Error()
			continue
		}
		g.writeJSON(w, "signature", json.RawMessage(raw))
		return
	}
	g.failJSON(w, http.StatusNotFound, lastErr)
}

// askWorker GETs url and returns a 200 answer's body (at most 1 MiB).
func (g *Gateway) askWorker(ctx context.Context, url string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, g.o.IdleTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := g.fwd.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	return body, nil
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

func (g *Gateway) writeJSON(w http.ResponseWriter, route string, v any) {
	g.metrics.requests.WithLabelValues(route, "200").Inc()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
