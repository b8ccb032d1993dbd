package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/phalanetwork/phala/chain/app"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/pha"
)

// chainMetrics are the app's Prometheus metrics, kept in the node's own
// registry (no global state).
type chainMetrics struct {
	height    prometheus.Gauge
	blockTime prometheus.Gauge
	txs       *prometheus.CounterVec
	fees      prometheus.Counter
}

func newChainMetrics(reg *prometheus.Registry) *chainMetrics {
	m := &chainMetrics{
		height: prometheus.NewGauge(prometheus.GaugeOpts{Name: "phala_block_height", Help: "Height of the last finalized block."}),
		blockTime: prometheus.NewGauge(prometheus.GaugeOpts{Name: "phala_block_time_seconds",
			Help: "Header time of the last finalized block, as a Unix time."}),
		txs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "phala_txs_total",
			Help: "Transactions executed, by first message type and result (ok or codespace/code)."}, []string{"type", "result"}),
		fees: prometheus.NewCounter(prometheus.CounterOpts{Name: "phala_fees_pha_total", Help: "Fees paid to the treasury, in PHA."}),
	}
	reg.MustRegister(m.height, m.blockTime, m.txs, m.fees)
	return m
}

// registerKeyGauges adds gauges read from the keys module's state at
// scrape time: the master-key generation and whether a rotation runs.
func registerKeyGauges(reg *prometheus.Registry, a *app.App) {
	read := func() (keys.State, bool) {
		res, err := a.Query(context.Background(), &abci.RequestQuery{Path: keys.StatePath()})
		if err != nil || res.Code != 0 {
			return keys.State{}, false
		}
		var st keys.State
		return st, json.Unmarshal(res.Value, &st) == nil
	}
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "phala_key_generation", Help: "Current master-key generation (-1 before the first)."}, func() float64 {
			if st, ok := read(); ok && st.Generation != nil {
				return float64(st.Generation.Number)
			}
			return -1
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "phala_key_rotation_running", Help: "1 while a master-key rotation runs."}, func() float64 {
			if st, ok := read(); ok && st.Running != nil {
				return 1
			}
			return 0
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "phala_key_traffic_resume_height", Help: "Height from which gatekeeper-to-worker key traffic flows after the last rotation."}, func() float64 {
			st, _ := read()
			return float64(st.ResumeHeight)
		}),
	)
}

// Block implements app.Observer.
func (m *chainMetrics) Block(height int64, t time.Time, txs []app.TxOutcome, fees pha.Amount) {
	m.height.Set(float64(height))
	m.blockTime.Set(float64(t.UnixNano()) / 1e9)
	for _, tx := range txs {
		result := "ok"
		if tx.Code != 0 {
			result = fmt.Sprintf("%s/%d", tx.Codespace, tx.Code)
		}
		m.txs.WithLabelValues(tx.Type, result).Inc()
	}
	if !fees.IsZero() {
		// A float is fine here: metrics are for humans, never for state.
		f, _ := new(big.Float).Quo(new(big.Float).SetInt(fees.Big()), big.NewFloat(1e12)).Float64()
		m.fees.Add(f)
	}
}

// OpsAddress is the ops listen address from the node's config
// (instrumentation.prometheus_listen_addr).
func (n *Node) OpsAddress() string { return n.cfg.Instrumentation.PrometheusListenAddr }

// ServeOps serves /metrics, /healthz and /readyz on addr ("127.0.0.1:0"
// picks a port) until ctx ends, and returns the address it listens on.
// /readyz answers 200 once the node has a block and is not catching up.
func (n *Node) ServeOps(ctx context.Context, addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("ops listener on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(n.metrics, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if n.cmt.BlockStore().Height() == 0 || n.cmt.ConsensusReactor().WaitSync() {
			http.Error(w, "not ready: no block yet or catching up", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			n.log.Error("ops server stopped", "err", err)
		}
	}()
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	n.log.Info("serving metrics and health", "addr", ln.Addr().String())
	return ln.Addr().String(), nil
}
