package gateway

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/phalanetwork/phala/agentio"
)

// A signed request names the one worker it is for (agentio.HeaderTarget):
// only that worker serves it, once. The gateway routes such a request to
// that worker and nowhere else (retrying on another would only be
// refused), and lists an agent's workers in its routing order at
// GET /agents/{id}/workers, so a client signs for the first and, when the
// gateway answers 502 or 503, signs again for the next.

// parseTarget reads the worker a request names; ok is false when it names
// none or the header is malformed.
func parseTarget(h http.Header) (id [32]byte, ok bool) {
	b, err := hex.DecodeString(h.Get(agentio.HeaderTarget))
	if err != nil || len(b) != 32 {
		return id, false
	}
	return [32]byte(b), true
}

// noteID remembers the worker id behind an endpoint.
func (g *Gateway) noteID(endpoint string, id [32]byte) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.ids[endpoint] = id
}

// idOf is the worker id behind an endpoint, if known.
func (g *Gateway) idOf(endpoint string) ([32]byte, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	id, ok := g.ids[endpoint]
	return id, ok
}

// targeted picks the endpoint of the worker a request names among eps. It
// returns ok with that one endpoint; nil and not ok when the request names
// no worker (route it as usual); or an empty order and not ok after
// answering a request that names a worker outside eps.
func (g *Gateway) targeted(w http.ResponseWriter, r *http.Request, route string, eps []string) ([]string, bool) {
	if r.Header.Get(agentio.HeaderTarget) == "" {
		return nil, false
	}
	target, ok := parseTarget(r.Header)
	if !ok {
		g.fail(w, route, http.StatusBadRequest, agentio.HeaderTarget+" must be a worker id (64 hex characters)")
		return []string{}, false
	}
	for _, ep := range eps {
		if id, ok := g.idOf(ep); ok && id == target {
			return []string{ep}, true
		}
	}
	msg := fmt.Sprintf("%s names worker %x, which does not serve this here (an agent's calls go to its cluster's workers, listed by GET /agents/<id>/%s; router calls to members of a cluster)", agentio.HeaderTarget, target[:8], agentio.PathWorkers)
	if route == "router" {
		g.failJSON(w, http.StatusMisdirectedRequest, msg)
	} else {
		g.fail(w, route, http.StatusMisdirectedRequest, msg)
	}
	return []string{}, false
}

// serveAgentWorkers answers GET /agents/{id}/workers: the agent's workers
// in the order the gateway routes its calls (affinity, healthy first).
func (g *Gateway) serveAgentWorkers(w http.ResponseWriter, r *http.Request) {
	id, err := hex.DecodeString(r.PathValue("id"))
	if err != nil || len(id) != 32 {
		g.fail(w, "workers", http.StatusBadRequest, "agent id must be 64 hex characters")
		return
	}
	eps, err := g.agentWorkers(r.Context(), [32]byte(id))
	if err != nil {
		g.fail(w, "workers", http.StatusNotFound, err.Error())
		return
	}
	out := []agentio.WorkerTarget{}
	for _, ep := range g.byAffinity([32]byte(id), eps) {
		if wid, ok := g.idOf(ep); ok {
			g.mu.Lock()
			healthy := g.health[ep]
			g.mu.Unlock()
			out = append(out, agentio.WorkerTarget{Worker: hex.EncodeToString(wid[:]), Healthy: healthy})
		}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
	g.metrics.requests.WithLabelValues("workers", "200").Inc()
}
