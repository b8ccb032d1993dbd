package worker

import (
	"encoding/hex"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/phalanetwork/phala/pruntime/agenthost"
	"github.com/phalanetwork/phala/sandbox"
)

// agentMetrics are the agent runtime's Prometheus series. Agent ids are
// public (on chain); no payload, caller or secret becomes a label.
//
// Anyone can send a request naming any agent id, and a series is never
// freed, so an id becomes a label only once a call to it was served (the
// handler ran: the agent exists and the caller passed its checks); calls
// for other ids share the series of agent "-". Deploying an agent costs
// a fee, which bounds the labels.
type agentMetrics struct {
	calls   *prometheus.CounterVec
	latency *prometheus.HistogramVec
	limits  *prometheus.CounterVec
	log     *slog.Logger // where limit hits are reported to the operator

	mu     sync.Mutex
	served map[[32]byte]string // agents a call was served for: their label
}

// unservedAgent is the label of calls for agents no call was served for.
const unservedAgent = "-"

func newAgentMetrics(reg *prometheus.Registry, w *Worker) *agentMetrics {
	m := &agentMetrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "phala_worker_agent_calls_total",
			Help: "Agent calls served, by agent and HTTP status."}, []string{"agent", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "phala_worker_agent_call_seconds",
			Help: "Time to serve an agent call, by agent.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)}, []string{"agent"}),
		limits: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "phala_worker_sandbox_limit_hits_total",
			Help: "Agent calls stopped by a sandbox limit, by limit."}, []string{"limit"}),
		log: w.log,
	}
	reg.MustRegister(m.calls, m.latency, m.limits)
	// Tokens per provider, read from the router's meter at scrape time.
	router := w.enclave.Router()
	for _, p := range router.Providers() {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "phala_worker_llm_tokens_total",
			Help: "LLM tokens used through this worker's AI router, by provider.", ConstLabels: prometheus.Labels{"provider": p}},
			func() float64 { return float64(router.Metered().Providers[p].Usage.TotalTokens) }))
	}
	return m
}

// observe records one call to agent. A call a sandbox limit stopped is
// also logged, with the agent and the limit only: the error's text is left
// out, since around the limit's name it may carry what the script threw.
func (m *agentMetrics) observe(agent [32]byte, status int, d time.Duration, err error) {
	if m == nil {
		return
	}
	limit := sandbox.LimitOf(err)
	label := m.label(agent, err == nil || limit != "" || errors.Is(err, agenthost.ErrAgentFailed))
	m.calls.WithLabelValues(label, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(label).Observe(d.Seconds())
	if limit != "" {
		m.limits.WithLabelValues(limit).Inc()
		if m.log != nil {
			m.log.Warn("agent call stopped by a sandbox limit", "agent", label, "limit", limit, "after", d.Round(time.Millisecond))
		}
	}
}

// label returns the label of agent's calls, making it the agent's id if
// served says a call to it was served now.
func (m *agentMetrics) label(agent [32]byte, served bool) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, ok := m.served[agent]
	if !ok && served {
		if m.served == nil {
			m.served = make(map[[32]byte]string)
		}
		l = hex.EncodeToString(agent[:])
		m.served[agent] = l
	}
	if l == "" {
		return unservedAgent
	}
	return l
}
