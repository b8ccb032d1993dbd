package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"

	dbm "github.com/cometbft/cometbft-db"
	abci "github.com/cometbft/cometbft/abci/types"
	cmtcfg "github.com/cometbft/cometbft/config"
	cmtlog "github.com/cometbft/cometbft/libs/log"
	nm "github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/proxy"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/phalanetwork/phala/chain/app"
	"github.com/phalanetwork/phala/chain/state"
)

// Node is a running validator (or full node) with the phala app.
type Node struct {
	cmt   *nm.Node
	app   *app.App
	store *state.Store
	cfg   *cmtcfg.Config
	log   *slog.Logger
	// stopping demotes CometBFT's shutdown errors (closed listeners).
	stopping *atomic.Bool
	// metrics is the node's own Prometheus registry, served by ServeOps.
	metrics *prometheus.Registry
	dbs     *openDBs
}

// Start opens the app state in <home>/data and starts CometBFT with it.
// configure, if not nil, may adjust the config read from home before the
// node starts (ports, timeouts, mempool size).
func Start(ctx context.Context, home string, logger *slog.Logger, configure func(*cmtcfg.Config)) (*Node, error) {
	c, err := Config(home)
	if err != nil {
		return nil, err
	}
	if configure != nil {
		configure(c)
		c.SetRoot(home)
	}
	return StartWithConfig(ctx, c, logger)
}

// StartWithConfig starts a node from a complete config.
func StartWithConfig(ctx context.Context, c *cmtcfg.Config, logger *slog.Logger) (*Node, error) {
	store, err := state.Open(filepath.Join(c.RootDir, "data"), logger.With("component", "state"))
	if err != nil {
		return nil, err
	}
	a, err := app.New(store, logger.With("component", "app"))
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("open app: %w", err)
	}
	// One lock per ABCI connection rather than one for all: the app guards
	// its own state, and the mempool can check signatures while a block
	// executes.
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a.SetObserver(newChainMetrics(reg))
	registerKeyGauges(reg, a)
	stopping := new(atomic.Bool)
	dbs := &openDBs{}
	cmt, err := newComet(ctx, c, newCometLogger(logger, stopping), proxy.NewConnSyncLocalClientCreator(a), dbs)
	if err != nil {
		dbs.closeIndex()
		store.Close()
		return nil, err
	}
	return &Node{cmt: cmt, app: a, store: store, cfg: c, log: logger, stopping: stopping, metrics: reg, dbs: dbs}, nil
}

// Halted is closed when the app halts on a block every validator fails
// alike (a broken invariant); HaltErr says why. Consensus cannot go past
// that block, so whoever runs the node should stop it and report the error.
func (n *Node) Halted() <-chan struct{} { return n.app.Halted() }

// HaltErr is why the node halted, or nil.
func (n *Node) HaltErr() error { return n.app.HaltErr() }

// SetKeepVersions makes the app keep only the last keep versions of its
// state (0: all); see app.App.SetKeepVersions.
func (n *Node) SetKeepVersions(keep int64) error { return n.app.SetKeepVersions(keep) }

// SetRetainBlocks makes the node prune the blocks older than the last
// retain (0: keep all); see app.App.SetRetainBlocks.
func (n *Node) SetRetainBlocks(retain int64) error { return n.app.SetRetainBlocks(retain) }

// SetSnapshotInterval makes the node serve state sync snapshots of every
// interval-th height (0: none); see app.App.SetSnapshotInterval.
func (n *Node) SetSnapshotInterval(interval int64) error {
	return n.app.SetSnapshotInterval(interval)
}

// StartABCI starts CometBFT from a complete config with any ABCI
// application behind a local client. Benchmarks use it to run CometBFT's
// example apps on exactly the engine and settings our app gets.
func StartABCI(ctx context.Context, c *cmtcfg.Config, logger *slog.Logger, a abci.Application) (*nm.Node, error) {
	return newComet(ctx, c, newCometLogger(logger, new(atomic.Bool)), proxy.NewLocalClientCreator(a), &openDBs{})
}

// openDBs remembers the databases CometBFT opens. Its node closes the
// block, state and evidence stores on stop but not the transaction index
// (v0.38), whose file lock would stop the same home from starting again in
// this process; Stop closes that one.
type openDBs struct {
	mu    sync.Mutex
	index []dbm.DB
}

func (o *openDBs) provider(ctx *cmtcfg.DBContext) (dbm.DB, error) {
	db, err := cmtcfg.DefaultDBProvider(ctx)
	if err == nil && ctx.ID == "tx_index" {
		o.mu.Lock()
		o.index = append(o.index, db)
		o.mu.Unlock()
	}
	return db, err
}

func (o *openDBs) closeIndex() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	var errs []error
	for _, db := range o.index {
		if err := db.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close tx index: %w", err))
		}
	}
	o.index = nil
	return errors.Join(errs...)
}

func newComet(ctx context.Context, c *cmtcfg.Config, logger cmtlog.Logger, cc proxy.ClientCreator, dbs *openDBs) (*nm.Node, error) {
	nodeKey, err := p2p.LoadNodeKey(c.NodeKeyFile())
	if err != nil {
		return nil, fmt.Errorf("load node key (run phala init first?): %w", err)
	}
	pv := privval.LoadFilePV(c.PrivValidatorKeyFile(), c.PrivValidatorStateFile())
	n, err := nm.NewNodeWithContext(ctx, c, pv, nodeKey, cc,
		nm.DefaultGenesisDocProviderFunc(c), dbs.provider,
		nm.DefaultMetricsProvider(c.Instrumentation), logger)
	if err != nil {
		return nil, fmt.Errorf("create node: %w", err)
	}
	if err := n.Start(); err != nil {
		return nil, fmt.Errorf("start node: %w", err)
	}
	return n, nil
}

// App returns the node's application.
func (n *Node) App() *app.App { return n.app }

// Comet returns the CometBFT node, for its mempool, event bus and stores.
func (n *Node) Comet() *nm.Node { return n.cmt }

// RPCAddress is the RPC listen address from the config, as an http URL.
func (n *Node) RPCAddress() string { return RPCURL(n.cfg.RPC.ListenAddress) }

// Stop shuts CometBFT down and closes the state database.
func (n *Node) Stop() error {
	var errs []error
	n.stopping.Store(true)
	if n.cmt.IsRunning() {
		if err := n.cmt.Stop(); err != nil {
			errs = append(errs, fmt.Errorf("stop node: %w", err))
		}
		n.cmt.Wait()
	}
	if err := n.dbs.closeIndex(); err != nil {
		errs = append(errs, err)
	}
	if err := n.store.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close state: %w", err))
	}
	return errors.Join(errs...)
}

// RPCURL turns a CometBFT listen address ("tcp://127.0.0.1:26657") into an
// http URL.
func RPCURL(listen string) string {
	if len(listen) > 6 && listen[:6] == "tcp://" {
		return "http://" + listen[6:]
	}
	return listen
}
