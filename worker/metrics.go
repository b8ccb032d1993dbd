package worker

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// newMetrics builds the worker's own Prometheus registry: gauges read from
// the worker's status at scrape time.
func (w *Worker) newMetrics() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	gauge := func(name, help string, f func(Status) float64) {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 { return f(w.Status()) }))
	}
	gauge("phala_worker_synced_height", "Last block header the enclave's light client verified.", func(s Status) float64 { return float64(s.SyncedHeight) })
	gauge("phala_worker_registered", "1 once the chain has this worker's record.", func(s Status) float64 {
		if s.Registered {
			return 1
		}
		return 0
	})
	gauge("phala_worker_benchmark_score", "Last benchmark score P.", func(s Status) float64 { return float64(s.Benchmark) })
	gauge("phala_worker_inbox_messages", "Messages from the chain read so far.", func(s Status) float64 { return float64(s.Inbox) })
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "phala_worker_mq_outbox_pending",
		Help: "Signed mq messages waiting for the chain."}, func() float64 { return float64(w.enclave.PendingCount()) }))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "phala_worker_receipts_pending",
		Help: "Usage receipts of served calls not yet in the mq outbox (kept in the sealed receipt journal)."}, func() float64 { return float64(w.enclave.PendingReceipts()) }))
	w.agentMetrics = newAgentMetrics(reg, w)
	return reg
}
