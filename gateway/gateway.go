// Package gateway is the public HTTP entry of a phala network: it routes
// agent calls (/agents/{id}/...) to a healthy worker of the agent's
// cluster and OpenAI-compatible calls (/v1/...) to a healthy worker's AI
// router, retrying on another worker when one cannot be reached. It checks
// callers before forwarding (the enclave checks them again) and holds no
// plaintext that the caller chose to encrypt end to end: bodies pass
// through untouched, and every answer carries the worker's signature.
package gateway

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"github.com/phalanetwork/phala/agentio"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/pruntime/chainsync"
)

// Options configure a gateway.
type Options struct {
	// NodeURL is a CometBFT RPC URL of the chain.
	NodeURL string
	// Listen is the HTTP address ("127.0.0.1:0" picks a port).
	Listen string
	Logger *slog.Logger
	// ProbeEvery is how often workers' /readyz is probed (default 2 s).
	ProbeEvery time.Duration
	// Retries is how many other workers a call tries after a worker that
	// cannot be reached (default 2).
	Retries int
	// IdleTimeout is how long the gateway waits for a worker's answer to
	// start, and then between two reads of its body, before it cuts the
	// call (default 60 s). There is no bound on the total time: a stream
	// lasts as long as the worker keeps sending.
	IdleTimeout time.Duration
	// Mount adds handlers beside the gateway's own (the explorer).
	Mount func(mux *http.ServeMux)
}

// Gateway is a running gateway.
type Gateway struct {
	o       Options
	chain   *client.Client
	chainID string
	log     *slog.Logger
	http    *http.Server
	ln      net.Listener
	cancel  context.CancelFunc
	done    chan struct{}
	fwd     *http.Client
	// bufs holds forward's copy buffers (*[]byte), reused across calls.
	bufs sync.Pool
	// src reads chain state with proofs, for verifiers.
	src     *chainsync.RPCSource
	metrics *metrics

	mu     sync.Mutex
	health map[string]bool // endpoint -> healthy by the probes
	// missed counts each endpoint's failed probes in a row: one slow
	// answer on a busy host does not take a healthy worker out of
	// rotation (and move the agents it serves), two do.
	missed map[string]int
	cache  map[string]cached
	next   int
	// ids maps a worker endpoint to its id, for requests signed for one
	// worker (agentio.HeaderTarget).
	ids map[string][32]byte
}

type cached struct {
	at  time.Time
	val []string
}

// Start connects to the chain and serves.
func Start(ctx context.Context, o Options) (*Gateway, error) {
	o.Logger = cmp.Or(o.Logger, slog.New(slog.DiscardHandler))
	o.ProbeEvery = cmp.Or(o.ProbeEvery, 2*time.Second)
	o.Retries = cmp.Or(o.Retries, 2)
	o.IdleTimeout = cmp.Or(o.IdleTimeout, 60*time.Second)
	c, err := client.New(o.NodeURL)
	if err != nil {
		return nil, err
	}
	chainID, err := c.ChainID(ctx)
	if err != nil {
		return nil, fmt.Errorf("gateway: chain at %s: %w", o.NodeURL, err)
	}
	rpc, err := client.NewRPC(o.NodeURL)
	if err != nil {
		return nil, fmt.Errorf("gateway: chain at %s: %w", o.NodeURL, err)
	}
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return nil, fmt.Errorf("gateway: listen on %s: %w", o.Listen, err)
	}
	g := &Gateway{
		o: o, chain: c, chainID: chainID, src: chainsync.NewRPCSource(rpc), log: o.Logger, ln: ln, done: make(chan struct{}),
		// No total timeout: forward cuts a worker idle for IdleTimeout.
		fwd:    &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64}},
		health: map[string]bool{}, missed: map[string]int{}, cache: map[string]cached{}, ids: map[string][32]byte{},
	}
	reg := prometheus.NewRegistry()
	g.metrics = newMetrics(reg)
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "phala_gateway_healthy_workers",
		Help: "Registered workers whose /readyz answered the last probe."}, func() float64 { return float64(len(g.healthy(nil))) }))
	mux := http.NewServeMux()
	mux.HandleFunc("/agents/{id}/{rest...}", g.serveAgent)
	mux.HandleFunc("GET /agents/{id}/"+agentio.PathWorkers, g.serveAgentWorkers)
	mux.HandleFunc("/v1/", g.serveRouter)
	mux.HandleFunc("GET /v1/attestation/report", g.serveSigningReport)
	mux.HandleFunc("GET /v1/signature/{id}", g.serveSignature)
	mux.HandleFunc("GET /workers/{id}/attestation", g.serveAttestation)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if len(g.healthy(nil)) == 0 {
			http.Error(w, "not ready: no healthy worker yet", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	if o.Mount != nil {
		o.Mount(mux)
	}
	g.http = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	ctx, g.cancel = context.WithCancel(context.Background())
	go func() {
		if err := g.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			g.log.Error("gateway server stopped", "err", err)
		}
	}()
	go g.probeLoop(ctx)
	g.log.Info("gateway serving", "addr", ln.Addr().String())
	return g, nil
}

// URL is the gateway's base URL.
func (g *Gateway) URL() string { return "http://" + g.ln.Addr().String() }

// Name implements the devnet's Service.
func (g *Gateway) Name() string { return "gateway" }

// Stop shuts the gateway down.
func (g *Gateway) Stop() error {
	g.cancel()
	<-g.done
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return g.http.Shutdown(ctx)
}
