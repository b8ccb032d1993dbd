package gateway

import "github.com/prometheus/client_golang/prometheus"

// metrics are the gateway's Prometheus series.
type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	retries  *prometheus.CounterVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "phala_gateway_requests_total", Help: "Requests by route and status."}, []string{"route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "phala_gateway_upstream_seconds", Help: "Time to a worker's answer by route.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)}, []string{"route"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "phala_gateway_retries_total", Help: "Calls retried on another worker."}, []string{"route"}),
	}
	reg.MustRegister(m.requests, m.latency, m.retries)
	return m
}
