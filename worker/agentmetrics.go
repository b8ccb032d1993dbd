package worker

import (
	"log/slog"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/phalanetwork/phala/sandbox"
)

// agentMetrics are the agent runtime's Prometheus series. Agent ids are
// public (on chain); no payload, caller or secret becomes a label.
type agentMetrics struct {
	calls   *prometheus.CounterVec
	latency *prometheus.HistogramVec
	limits  *prometheus.CounterVec
	log     *slog.Logger // where limit hits are reported to the operator
}

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

// observe records one agent call. A call a sandbox limit stopped is also
// logged, with the agent and the limit only: the error's text is left out,
// since around the limit's name it may carry what the script threw.
func (m *agentMetrics) observe(agent string, status int, d time.Duration, err error) {
	if m == nil {
		return
	}
	m.calls.WithLabelValues(agent, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(agent).Observe(d.Seconds())
	if limit := sandbox.LimitOf(err); limit != "" {
		m.limits.WithLabelValues(limit).Inc()
		if m.log != nil {
			m.log.Warn("agent call stopped by a sandbox limit", "agent", agent, "limit", limit, "after", d.Round(time.Millisecond))
		}
	}
}
