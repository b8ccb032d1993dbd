package gateway

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/registry"
)

// maxBody bounds a request body the gateway buffers for retries.
const maxBody = 1 << 20

// cacheFor is how long chain lookups are reused.
const cacheFor = 2 * time.Second

// agentWorkers returns the endpoints of the workers holding the key of an
// agent's cluster: the holders of its current epoch or, while a new epoch
// has none yet (right after a rotation or a member's removal), its current
// members, which keep every earlier epoch's key and serve with the one the
// agent's keys are still published for. Never any other worker: the list
// is empty, not nil, when there is none (healthy takes nil for every
// known worker).
func (g *Gateway) agentWorkers(ctx context.Context, id [32]byte) ([]string, error) {
	return g.cachedOr("agent/"+hex.EncodeToString(id[:]), func() ([]string, error) {
		var a agents.AgentView
		if _, err := g.chain.Query(ctx, agents.AgentPath(id), &a); err != nil {
			return nil, err
		}
		cid, err := a.Cluster.Array32()
		if err != nil {
			return nil, fmt.Errorf("agent %x: cluster: %w", id, err)
		}
		cl, err := g.chain.Cluster(ctx, cid)
		if err != nil {
			return nil, err
		}
		ids := cl.Holders
		if len(ids) == 0 {
			ids = cl.Members
		}
		return g.endpoints(ctx, []clusters.Cluster{{ID: cl.ID, Members: ids}})
	})
}

// allWorkers returns every registered worker endpoint.
func (g *Gateway) allWorkers(ctx context.Context) ([]string, error) {
	return g.cachedOr("all", func() ([]string, error) {
		ws, err := g.chain.Workers(ctx)
		if err != nil {
			return nil, err
		}
		var out []string
		for _, w := range ws {
			if w.Endpoint != "" {
				out = append(out, strings.TrimRight(w.Endpoint, "/"))
			}
		}
		return out, nil
	})
}

// routerWorkers returns the endpoints of the workers that serve the AI
// router: the registered workers that are members of a cluster (the
// chain settles router receipts, and grants escrow holds, only to those).
func (g *Gateway) routerWorkers(ctx context.Context) ([]string, error) {
	return g.cachedOr("router", func() ([]string, error) {
		cls, err := g.chain.Clusters(ctx)
		if err != nil {
			return nil, err
		}
		return g.endpoints(ctx, cls)
	})
}

// endpoints returns the endpoints of the registered members of cls (an
// empty list, not nil, when there is none), noting each one's id.
func (g *Gateway) endpoints(ctx context.Context, cls []clusters.Cluster) ([]string, error) {
	out := []string{}
	for _, cl := range cls {
		for _, m := range cl.Members {
			wid, err := m.Array32()
			if err != nil {
				return nil, fmt.Errorf("cluster %x: member: %w", []byte(cl.ID), err)
			}
			if w, err := g.chain.Worker(ctx, registry.WorkerID(wid)); err == nil && w.Endpoint != "" {
				out = append(out, strings.TrimRight(w.Endpoint, "/"))
				g.noteID(out[len(out)-1], wid)
			}
		}
	}
	return out, nil
}

// cachedOr returns the endpoints cached under key while they are fresh,
// else those load finds, which it caches.
func (g *Gateway) cachedOr(key string, load func() ([]string, error)) ([]string, error) {
	if v, ok := g.cached(key); ok {
		return v, nil
	}
	out, err := load()
	if err != nil {
		return nil, err
	}
	g.store(key, out)
	return out, nil
}

func (g *Gateway) cached(key string) ([]string, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	c, ok := g.cache[key]
	return c.val, ok && time.Since(c.at) < cacheFor
}

// remember caches a lookup that names no endpoints.
func (g *Gateway) remember(key string, v []string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.cache[key] = cached{at: time.Now(), val: v}
}

func (g *Gateway) store(key string, v []string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.cache[key] = cached{at: time.Now(), val: v}
	for _, e := range v {
		if _, ok := g.health[e]; !ok {
			g.health[e] = true // optimistic until the first probe
		}
	}
}

// byAffinity orders an agent's workers for its calls: the healthy ones
// first, each group ranked by rendezvous hashing of the agent id and the
// endpoint. Every call of an agent goes to the same worker while that one
// is up, so the agent's kv and log (kept by the serving worker) stay
// consistent, and different agents spread over a cluster's members. When
// the first is down the next in rank takes over, the same one for every
// call.
func (g *Gateway) byAffinity(agent [32]byte, eps []string) []string {
	type ranked struct {
		score [32]byte
		ep    string
	}
	rs := make([]ranked, len(eps))
	for i, ep := range eps {
		rs[i] = ranked{sha256.Sum256(append(append([]byte("phala/gateway-affinity/v1\x00"), agent[:]...), ep...)), ep}
	}
	slices.SortFunc(rs, func(a, b ranked) int { return -bytes.Compare(a.score[:], b.score[:]) })
	order := make([]string, len(rs))
	for i, r := range rs {
		order[i] = r.ep
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	good, bad := g.splitLocked(order)
	return append(good, bad...)
}

// splitLocked splits endpoints, keeping their order, into the healthy ones
// and the rest. Callers hold g.mu.
func (g *Gateway) splitLocked(eps []string) (good, bad []string) {
	for _, e := range eps {
		if g.health[e] {
			good = append(good, e)
		} else {
			bad = append(bad, e)
		}
	}
	return good, bad
}

// healthy orders candidates for one call: healthy ones first, rotated so
// calls spread over them, then the rest as a last resort. With nil it
// lists every endpoint known healthy.
func (g *Gateway) healthy(candidates []string) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if candidates == nil {
		var out []string
		for e, ok := range g.health {
			if ok {
				out = append(out, e)
			}
		}
		return out
	}
	good, bad := g.splitLocked(candidates)
	if len(good) > 0 {
		g.next++
		k := g.next % len(good)
		good = append(good[k:], good[:k]...)
	}
	return append(good, bad...)
}

func (g *Gateway) markDown(endpoint string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.health[endpoint] = false
}

// probesMissed is how many failed probes in a row take a worker that was
// healthy out of rotation. A failed call takes it out at once.
const probesMissed = 2

// recordProbe notes one probe of endpoint: healthy on an answer, down once
// a worker that was healthy has missed probesMissed in a row (one that
// never answered stays down).
func (g *Gateway) recordProbe(endpoint string, ok bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if ok {
		g.missed[endpoint] = 0
	} else {
		g.missed[endpoint]++
	}
	g.health[endpoint] = ok || (g.health[endpoint] && g.missed[endpoint] < probesMissed)
}

// probeLoop checks every known worker's /readyz.
func (g *Gateway) probeLoop(ctx context.Context) {
	defer close(g.done)
	t := time.NewTicker(g.o.ProbeEvery)
	defer t.Stop()
	probe := &http.Client{Timeout: time.Second}
	for {
		g.allWorkers(ctx)
		g.mu.Lock()
		eps := make([]string, 0, len(g.health))
		for e := range g.health {
			eps = append(eps, e)
		}
		g.mu.Unlock()
		for _, e := range eps {
			ok := false
			if resp, err := probe.Get(e + "/readyz"); err == nil {
				ok = resp.StatusCode == http.StatusOK
				resp.Body.Close()
			}
			g.recordProbe(e, ok)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// authenticate is the gateway's front-line check of the caller; the
// enclave checks again and is what counts.
func (g *Gateway) authenticate(ctx context.Context, r *http.Request, agent [32]byte, body []byte) error {
	// A signed request is screened here (headers well formed, time within
	// the skew) but its signature is verified by the worker it names
	// alone: the enclave's check is the one that counts, and one here
	// would only filter forgeries, which cost a worker no more than the
	// requests anyone can sign with a fresh key for nothing. It cost every
	// call one more ed25519 verification (about 60 us of CPU).
	if signed, err := agentio.ScreenRequest(r.Header, time.Now()); signed {
		return err
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		return agentio.ErrUnsigned
	}
	h := sha256.Sum256([]byte(tok))
	ck := "apikey/" + hex.EncodeToString(h[:])
	var k agents.APIKey
	if v, ok := g.cached(ck); ok && len(v) == 1 {
		k.Agent, _ = hex.DecodeString(v[0])
	} else {
		if _, err := g.chain.Query(ctx, agents.APIKeyPath(h), &k); err != nil {
			return fmt.Errorf("unknown API key")
		}
		g.remember(ck, []string{hex.EncodeToString(k.Agent)})
	}
	if len(k.Agent) == 0 {
		return nil
	}
	only, err := k.Agent.Array32()
	if err != nil {
		return fmt.Errorf("API key: agent: %w", err)
	}
	if only != agent {
		return fmt.Errorf("this API key is limited to agent %x", []byte(k.Agent))
	}
	return nil
}

func (g *Gateway) serveAgent(w http.ResponseWriter, r *http.Request) {
	id, err := hex.DecodeString(r.PathValue("id"))
	if err != nil || len(id) != 32 {
		g.fail(w, "agent", http.StatusBadRequest, "agent id must be 64 hex characters")
		return
	}
	body, ok := g.readBody(w, r, "agent")
	if !ok {
		return
	}
	if err := g.authenticate(r.Context(), r, [32]byte(id), body); err != nil {
		g.fail(w, "agent", http.StatusUnauthorized, err.Error())
		return
	}
	eps, err := g.agentWorkers(r.Context(), [32]byte(id))
	if err != nil {
		g.fail(w, "agent", http.StatusNotFound, err.Error())
		return
	}
	if r.PathValue("rest") == "_logs" {
		g.gatherLogs(w, r, eps)
		return
	}
	if order, ok := g.targeted(w, r, "agent", eps); ok {
		g.forward(w, r, "agent", body, order)
	} else if order == nil {
		g.forward(w, r, "agent", body, g.byAffinity([32]byte(id), eps))
	}
}

// gatherLogs asks every worker of the agent's cluster for its part of the
// owner's log and returns the sealed parts together.
func (g *Gateway) gatherLogs(w http.ResponseWriter, r *http.Request, eps []string) {
	var parts []agentio.LogPart
	for _, ep := range eps {
		ctx, cancel := context.WithTimeout(r.Context(), g.o.IdleTimeout)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, ep+r.URL.RequestURI(), nil)
		if err != nil {
			cancel()
			continue
		}
		req.Header = r.Header.Clone()
		resp, err := g.fwd.Do(req)
		if err != nil {
			cancel()
			parts = append(parts, agentio.LogPart{Endpoint: ep, Status: http.StatusBadGateway})
			continue
		}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
		resp.Body.Close()
		cancel()
		parts = append(parts, agentio.LogPart{Endpoint: ep, Status: resp.StatusCode, Header: resp.Header, Body: b})
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(parts)
	g.metrics.requests.WithLabelValues("logs", "200").Inc()
}

func (g *Gateway) serveRouter(w http.ResponseWriter, r *http.Request) {
	body, ok := g.readBody(w, r, "router")
	if !ok {
		return
	}
	if err := g.authenticate(r.Context(), r, [32]byte{}, body); err != nil {
		g.failJSON(w, http.StatusUnauthorized, err.Error())
		return
	}
	eps, err := g.routerWorkers(r.Context())
	if err != nil {
		g.failJSON(w, http.StatusBadGateway, err.Error())
		return
	}
	if order, ok := g.targeted(w, r, "router", eps); ok {
		g.forward(w, r, "router", body, order)
	} else if order == nil {
		g.forward(w, r, "router", body, g.healthy(eps))
	}
}

func (g *Gateway) serveAttestation(w http.ResponseWriter, r *http.Request) {
	id, err := registry.ParseWorkerID(r.PathValue("id"))
	var wr registry.Worker
	if err == nil {
		wr, err = g.chain.Worker(r.Context(), id)
	}
	if err != nil || wr.Endpoint == "" {
		g.fail(w, "attestation", http.StatusNotFound, "no such worker with an endpoint")
		return
	}
	r.URL.Path = "/attestation"
	g.forward(w, r, "attestation", nil, []string{strings.TrimRight(wr.Endpoint, "/")})
}

func (g *Gateway) readBody(w http.ResponseWriter, r *http.Request, route string) ([]byte, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		g.fail(w, route, http.StatusBadRequest, "read body: "+err.Error())
		return nil, false
	}
	if len(body) > maxBody {
		g.fail(w, route, http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", maxBody))
		return nil, false
	}
	return body, true
}

// hopHeaders are not forwarded.
var hopHeaders = map[string]bool{"Connection": true, "Keep-Alive": true, "Proxy-Authorization": true, "Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true}

// forward sends the request to the first reachable endpoint of order,
// trying the next ones on failure, and streams the answer back
// (server-sent events and trailers included, so a stream's signature
// reaches the caller). A worker silent for the idle timeout is cut off;
// an answer that keeps coming has no time limit.
func (g *Gateway) forward(w http.ResponseWriter, r *http.Request, route string, body []byte, order []string) {
	if len(order) == 0 {
		g.fail(w, route, http.StatusServiceUnavailable, "no worker available")
		return
	}
	start := time.Now()
	var lastErr error
	for i, ep := range order {
		if i > g.o.Retries {
			break
		}
		ctx, cancel := context.WithCancel(r.Context())
		idle := time.AfterFunc(g.o.IdleTimeout, cancel)
		req, err := http.NewRequestWithContext(ctx, r.Method, ep+r.URL.RequestURI(), bytes.NewReader(body))
		if err != nil {
			idle.Stop()
			cancel()
			g.fail(w, route, http.StatusBadRequest, err.Error())
			return
		}
		for k, v := range r.Header {
			if !hopHeaders[k] {
				req.Header[k] = v
			}
		}
		resp, err := g.fwd.Do(req)
		if err != nil {
			idle.Stop()
			cancel()
			if r.Context().Err() != nil {
				return
			}
			lastErr = err
			g.markDown(ep)
			g.metrics.retries.WithLabelValues(route).Inc()
			continue
		}
		for k, v := range resp.Header {
			if !hopHeaders[k] {
				w.Header()[k] = v
			}
		}
		for k := range resp.Trailer {
			w.Header().Add("Trailer", k)
		}
		w.WriteHeader(resp.StatusCode)
		buf, _ := g.bufs.Get().(*[]byte)
		if buf == nil {
			buf = new([]byte)
			*buf = make([]byte, 32<<10)
		}
		copyFlushing(w, resp.Body, *buf, func() { idle.Reset(g.o.IdleTimeout) })
		g.bufs.Put(buf)
		resp.Body.Close()
		idle.Stop()
		cancel()
		copyTrailers(w.Header(), resp.Trailer)
		g.metrics.requests.WithLabelValues(route, fmt.Sprint(resp.StatusCode)).Inc()
		g.metrics.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
		return
	}
	g.fail(w, route, http.StatusBadGateway, fmt.Sprintf("no worker answered: %v", lastErr))
}

// copyTrailers sets the trailers the worker sent (known once its body was
// read to the end) on the caller's response: declared ones by name, others
// with http.TrailerPrefix.
func copyTrailers(h http.Header, trailer http.Header) {
	declared := map[string]bool{}
	for _, k := range h.Values("Trailer") {
		declared[http.CanonicalHeaderKey(k)] = true
	}
	for k, v := range trailer {
		if len(v) == 0 {
			continue // declared but not sent
		}
		if declared[k] {
			h[k] = v
		} else {
			h[http.TrailerPrefix+k] = v
		}
	}
}

// copyFlushing copies a body through buf, flushing after each read so
// streamed events reach the caller as they come; alive is called after
// every read.
func copyFlushing(w http.ResponseWriter, r io.Reader, buf []byte, alive func()) {
	f, _ := w.(http.Flusher)
	for {
		n, err := r.Read(buf)
		alive()
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return
			}
			if f != nil {
				f.Flush()
			}
		}
		if err != nil {
			return // io.EOF, or the caller or the worker went away
		}
	}
}

func (g *Gateway) fail(w http.ResponseWriter, route string, status int, msg string) {
	g.metrics.requests.WithLabelValues(route, fmt.Sprint(status)).Inc()
	http.Error(w, msg, status)
}

// failJSON answers in the OpenAI error shape, for /v1 clients.
func (g *Gateway) failJSON(w http.ResponseWriter, status int, msg string) {
	g.metrics.requests.WithLabelValues("router", fmt.Sprint(status)).Inc()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"message":%q,"type":"gateway_error","code":%d}}`, msg, status)
}
