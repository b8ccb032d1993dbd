package worker

import (
	"encoding/hex"
	"errors"
	"net/http"
	"time"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/pruntime"
	"github.com/phalanetwork/phala/pruntime/agenthost"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/core"
)

// maxAgentBody bounds an agent request body.
const maxAgentBody = 1 << 20

// serveAgent hands /agents/{id}/... to the enclave and writes its signed
// answer. The host sees the request and the answer (use end-to-end
// encrypted bodies to keep them from it), never the agent's secrets.
func (w *Worker) serveAgent(rw http.ResponseWriter, r *http.Request) {
	idText := r.PathValue("id")
	id, err := hex.DecodeString(idText)
	if err != nil || len(id) != 32 {
		http.Error(rw, "agent id must be 64 hex characters", http.StatusBadRequest)
		return
	}
	body, ok := readBody(rw, r, maxAgentBody, "request body")
	if !ok {
		return
	}
	start := time.Now()
	rest := "/" + r.PathValue("rest")
	req := pruntime.AgentRequest{Agent: [32]byte(id), Method: r.Method, URI: r.URL.RequestURI(), Path: rest, Query: r.URL.Query(), Headers: r.Header, Body: body}
	var resp pruntime.AgentResponse
	switch rest {
	case "/_logs":
		resp, err = w.enclave.AgentLogs(r.Context(), w.src, req)
	case agentio.PathSetSecret:
		resp, err = w.enclave.SetAgentSecret(r.Context(), w.src, req)
	default:
		resp, err = w.enclave.CallAgent(r.Context(), w.src, req)
	}
	if err != nil {
		status := agentStatus(err)
		w.agentMetrics.observe([32]byte(id), status, time.Since(start), err)
		if status == http.StatusInternalServerError && !errors.Is(err, agenthost.ErrAgentFailed) {
			w.log.Warn("agent call failed", "agent", idText, "err", err)
		}
		http.Error(rw, err.Error(), w.loadStatus(rw, "agent call "+idText, err, status))
		return
	}
	// The enclave signed exactly these headers, status and body (it
	// dropped a handler's X-Phala-* headers and set a Content-Type).
	h := rw.Header()
	for k, v := range resp.Headers {
		h.Set(k, v)
	}
	agentio.SetAnswer(h, resp.Answer, resp.Signature)
	status := resp.Status
	rw.WriteHeader(status)
	rw.Write(resp.Body)
	w.agentMetrics.observe([32]byte(id), status, time.Since(start), nil)
}

// serveAgentWorkers answers GET /agents/{id}/workers on a worker with the
// worker itself, so a client talking to a worker directly signs for it the
// way it does through a gateway.
func (w *Worker) serveAgentWorkers(rw http.ResponseWriter, _ *http.Request) {
	id := w.ID()
	writeJSON(rw, []agentio.WorkerTarget{{Worker: hex.EncodeToString(id[:]), Healthy: true}})
}

// agentStatus maps an enclave error to an HTTP status.
func agentStatus(err error) int {
	switch {
	case errors.Is(err, agenthost.ErrUnauthorized):
		return http.StatusUnauthorized
	case errors.Is(err, agenthost.ErrPayment):
		return http.StatusPaymentRequired
	case errors.Is(err, agenthost.ErrForbidden):
		return http.StatusForbidden
	case errors.Is(err, agenthost.ErrNoAgent):
		return http.StatusNotFound
	case errors.Is(err, agenthost.ErrReplay):
		return http.StatusConflict
	case errors.Is(err, agenthost.ErrWrongWorker):
		return http.StatusMisdirectedRequest
	case errors.Is(err, agenthost.ErrStateUnavailable), errors.Is(err, core.ErrBusy), errors.Is(err, chainsync.ErrBehind):
		// Come back shortly (a light client behind: the worker catches up).
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}
