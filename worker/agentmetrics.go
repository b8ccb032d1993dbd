package worker

import (
	"errors"
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
}

func newAgentMetrics(reg *prometheus.Registry, w *Worker) *agentMetrics {
	m := &agentMetrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "phala_worker_agent_calls_total",
			Help: "Agent calls served, by agent and HTTP status."}, []string{"agent", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "phala_worker_agent_call_seconds",
			Help: "Time to serve an agent call, by agent.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)}, []string{"agent"}),
		limits: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "phala_worker_sandbox_limit_hits_total",
			Help: "Agent calls stopped by a sandbox limit, by limit."}, []string{"limit"}),
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

// observe records one agent call.
func (m *agentMetrics) observe(agent string, status int, d time.Duration, err error) {
	if m == nil {
		return
	}
	m.calls.WithLabelValues(agent, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(agent).Observe(d.Seconds())
	for _, l := range []struct {
		err  error
		name string
	}{
		{sandbox.ErrTimeout, "time"}, {sandbox.ErrMemory, "memory"}, {sandbox.ErrStackOverflow, "stack"},
		{sandbox.ErrOutputTooLarge, "output"}, {sandbox.ErrOutOfGas, "gas"},
	} {
		if errors.Is(err, l.err) {
			m.limits.WithLabelValues(l.name).Inc()
		}
	}
}
