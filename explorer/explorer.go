// Package explorer is the network's web explorer: a single-page UI
// embedded in the binary (plain HTML, CSS and JavaScript under web/, no
// CDN, works offline) and a small JSON API under /explorer/api/ that reads
// the chain through a node's RPC, so the page needs only same-origin
// requests. New blocks and transactions reach the page as server-sent
// events (/explorer/api/events).
//
// The explorer shows public chain state only. Its answers are built from
// the explorer's own view types, field by field: agent secrets, command
// envelopes, contract outputs, mq payloads and attestation evidence are
// never copied into them, only their sizes.
//
//	ex, _ := explorer.New("http://127.0.0.1:26657", logger)
//	ex.Mount(mux) // /explorer/ (and / when nothing else serves it)
package explorer

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/phalanetwork/phala/chain/app"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/client"
)

// Prefix is where Mount serves the explorer.
const Prefix = "/explorer/"

//go:embed web
var webFS embed.FS

// Explorer serves the UI and its API. It is an http.Handler for paths
// under Prefix.
type Explorer struct {
	c      *client.Client
	log    *slog.Logger
	reg    *tx.Registry
	mux    *http.ServeMux
	static http.Handler
	ctx    context.Context
	cancel context.CancelFunc
	hub    *hub
	probe  *prober
	times  blockTimes
	// evm reads the EVM chain for the EVM view, if SetEVM gave one.
	evm *ethclient.Client
}

// New makes an explorer of the chain behind nodeURL (a CometBFT RPC URL).
// It does not contact the node until a page asks.
func New(nodeURL string, logger *slog.Logger) (*Explorer, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	c, err := client.New(nodeURL)
	if err != nil {
		return nil, err
	}
	sub, err := fs.Sub(webFS, "web")
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &Explorer{c: c, log: logger, reg: app.NewRegistry(), mux: http.NewServeMux(),
		static: http.StripPrefix(strings.TrimSuffix(Prefix, "/"), http.FileServerFS(sub)),
		ctx:    ctx, cancel: cancel, probe: newProber()}
	e.hub = newHub(e)
	e.routes()
	return e, nil
}

// Name implements the devnet's Service.
func (e *Explorer) Name() string { return "explorer" }

// Stop ends the live streams (so an HTTP server's Shutdown need not wait
// for them) and the chain polling behind them.
func (e *Explorer) Stop() error {
	e.cancel()
	if e.evm != nil {
		e.evm.Close()
	}
	return nil
}

// Mount serves the explorer at /explorer/ on mux, and redirects / there
// when mux has nothing at /.
func (e *Explorer) Mount(mux *http.ServeMux) {
	mux.Handle(Prefix, e)
	root, _ := http.NewRequest(http.MethodGet, "/", nil)
	if _, pattern := mux.Handler(root); pattern == "" {
		mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, Prefix, http.StatusFound)
		})
	}
}

// ServeHTTP implements http.Handler.
func (e *Explorer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.mux.ServeHTTP(w, r)
}

func (e *Explorer) routes() {
	api := func(pattern string, h func(r *http.Request) (any, error)) {
		e.mux.HandleFunc("GET "+Prefix+"api/"+pattern, func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
			defer cancel()
			v, err := h(r.WithContext(ctx))
			if err != nil {
				e.writeError(w, r, err)
				return
			}
			writeJSON(w, http.StatusOK, v)
		})
	}
	api("status", e.apiStatus)
	api("blocks", e.apiBlocks)
	api("block/{height}", e.apiBlock)
	api("txs", e.apiTxs)
	api("tx/{hash}", e.apiTx)
	api("account/{addr}", e.apiAccount)
	api("workers", e.apiWorkers)
	api("worker/{id}", e.apiWorker)
	api("keys", e.apiKeys)
	api("clusters", e.apiClusters)
	api("cluster/{id}", e.apiCluster)
	api("contracts", e.apiContracts)
	api("contract/{id}", e.apiContract)
	api("agents", e.apiAgents)
	api("agent/{id}", e.apiAgent)
	api("supply", e.apiSupply)
	api("shielded", e.apiShielded)
	api("pools", e.apiPools)
	api("pool/{id}", e.apiPool)
	api("vaults", e.apiVaults)
	api("vault/{id}", e.apiVault)
	api("proposals", e.apiProposals)
	api("proposal/{id}", e.apiProposal)
	api("search", e.apiSearch)
	api("evm", e.apiEVM)
	e.mux.HandleFunc("GET "+Prefix+"api/events", e.serveEvents)
	e.mux.HandleFunc("GET "+Prefix+"api/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, errorBody{Error: "no such API path: " + r.URL.Path})
	})
	e.mux.HandleFunc("GET "+Prefix, e.serveStatic)
}

func (e *Explorer) serveStatic(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// The page loads only its own files and talks only to its own origin.
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-cache")
	e.static.ServeHTTP(w, r)
}

// errNotFound marks answers that are 404s.
var errNotFound = errors.New("not found")

// errBadRequest marks answers that are 400s.
var errBadRequest = errors.New("bad request")

type errorBody struct {
	Error string `json:"error"`
}

func (e *Explorer) writeError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, errNotFound):
		writeJSON(w, http.StatusNotFound, errorBody{Error: err.Error()})
	case errors.Is(err, errBadRequest):
		writeJSON(w, http.StatusBadRequest, errorBody{Error: err.Error()})
	default:
		e.log.Warn("explorer API", "path", r.URL.Path, "err", err)
		writeJSON(w, http.StatusBadGateway, errorBody{Error: "the node did not answer: " + err.Error()})
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}
