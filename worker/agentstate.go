package worker

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/phalanetwork/phala/internal/httpok"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pruntime/agenthost"
	"github.com/phalanetwork/phala/pruntime/chainsync"
)

// Agent-state replication between a cluster's members (docs/agents.md,
// "Agent state: consistency"): the enclave seals each write and checks
// each ack; this host half only carries the bytes over HTTP.
const (
	// peerTimeout bounds one member's answer: a member that takes longer
	// counts as down for this write.
	peerTimeout = 3 * time.Second
	// peersTTL is how long the members' endpoints read from the chain
	// are reused.
	peersTTL = 10 * time.Second
	// maxStateBody bounds a replication message or snapshot.
	maxStateBody = 4 << 20
)

// statePeers implements agenthost.Peers for a worker.
type statePeers struct {
	w    *Worker
	http *http.Client

	mu    sync.Mutex
	cache map[[32]byte]peerList
}

type peerList struct {
	endpoints []string
	at        time.Time
}

func newStatePeers(w *Worker) *statePeers {
	return &statePeers{w: w, http: &http.Client{Timeout: peerTimeout}, cache: map[[32]byte]peerList{}}
}

// endpoints lists the public URLs of the cluster's other members.
func (p *statePeers) endpoints(ctx context.Context, cluster [32]byte) []string {
	p.mu.Lock()
	pl, ok := p.cache[cluster]
	p.mu.Unlock()
	if ok && time.Since(pl.at) < peersTTL {
		return pl.endpoints
	}
	c, err := p.w.client.Cluster(ctx, cluster)
	if err != nil {
		p.w.log.Warn("agent state: reading the cluster's members", "cluster", hex.EncodeToString(cluster[:8]), "err", err)
		return pl.endpoints
	}
	self := p.w.ID()
	var eps []string
	for _, m := range c.Members {
		if [32]byte(m) == self {
			continue
		}
		rec, err := p.w.client.Worker(ctx, registry.WorkerID(m))
		if err == nil && rec.Endpoint != "" {
			eps = append(eps, rec.Endpoint)
		}
	}
	p.mu.Lock()
	p.cache[cluster] = peerList{endpoints: eps, at: time.Now()}
	p.mu.Unlock()
	return eps
}

// each sends one request to every other member at once and collects the
// bodies of the 200 answers.
func (p *statePeers) each(ctx context.Context, cluster [32]byte, method, path string, body []byte) [][]byte {
	eps := p.endpoints(ctx, cluster)
	out := make([][]byte, len(eps))
	var wg sync.WaitGroup
	for i, ep := range eps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := p.send(ctx, method, ep+path, body)
			if err != nil {
				p.w.log.Debug("agent state: a member did not take it", "member", ep, "path", path, "err", err)
				return
			}
			out[i] = b
		}()
	}
	wg.Wait()
	var got [][]byte
	for _, b := range out {
		if b != nil {
			got = append(got, b)
		}
	}
	return got
}

func (p *statePeers) send(ctx context.Context, method, url string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	return httpok.Do(p.http, req, maxStateBody)
}

// Replicate implements agenthost.Peers.
func (p *statePeers) Replicate(ctx context.Context, cluster [32]byte, msg []byte) [][]byte {
	return p.each(ctx, cluster, http.MethodPost, "/agentstate/replicate", msg)
}

// Snapshots implements agenthost.Peers.
func (p *statePeers) Snapshots(ctx context.Context, cluster [32]byte, query []byte) [][]byte {
	return p.each(ctx, cluster, http.MethodPost, "/agentstate/snapshot", query)
}

// Heads implements agenthost.Peers.
func (p *statePeers) Heads(ctx context.Context, cluster [32]byte, query []byte) [][]byte {
	return p.each(ctx, cluster, http.MethodPost, "/agentstate/head", query)
}

// serveAgentHead answers a member's head query with the enclave's MACed
// head of the agent, or 409 naming the check that refused it.
func (w *Worker) serveAgentHead(rw http.ResponseWriter, r *http.Request) {
	w.serveStateOp(rw, r, maxQueryBody, "head query", w.enclave.AgentHead)
}

// serveReplicate hands a member's replication message to the enclave and
// answers its ack, or 409 naming the check that refused it.
func (w *Worker) serveReplicate(rw http.ResponseWriter, r *http.Request) {
	w.serveStateOp(rw, r, maxStateBody, "replication message", w.enclave.ApplyAgentState)
}

// serveStateOp hands a member's message of at most limit bytes to the
// enclave's op and answers what it answers: 404 for an agent it does not
// know, 503 for a refusal for load, 409 naming any other check that
// refused it.
func (w *Worker) serveStateOp(rw http.ResponseWriter, r *http.Request, limit int, what string, op func(context.Context, chainsync.Source, []byte) ([]byte, error)) {
	body, ok := readBody(rw, r, limit, what)
	if !ok {
		return
	}
	out, err := op(r.Context(), w.src, body)
	if err != nil {
		status := http.StatusConflict
		if errors.Is(err, agenthost.ErrNoAgent) {
			status = http.StatusNotFound
		}
		http.Error(rw, err.Error(), w.loadStatus(rw, what, err, status))
		return
	}
	rw.Header().Set("Content-Type", "application/json")
	rw.Write(out)
}

// serveAgentSnapshot answers a member's snapshot query with the enclave's
// sealed state of the agent, or 409 naming the check that refused it.
func (w *Worker) serveAgentSnapshot(rw http.ResponseWriter, r *http.Request) {
	w.serveStateOp(rw, r, maxQueryBody, "snapshot query", w.enclave.AgentSnapshot)
}
