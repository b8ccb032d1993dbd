// Package app is the phala ABCI++ application: it decodes and checks
// transactions, runs the modules in a fixed order, and commits state to the
// versioned Merkle store whose root is the AppHash.
//
// Everything here is deterministic: block time and height come from the
// header, maps are never iterated for state, and no goroutine touches state.
package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/computation"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/modules/dao"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/modules/shielded"
	"github.com/phalanetwork/phala/modules/stakepool"
	"github.com/phalanetwork/phala/modules/vault"

	"github.com/phalanetwork/phala/pha"
)

// Version is reported through ABCI Info.
const Version = "0.1.0"

// AppProtocolVersion is the ABCI app version in block headers.
const AppProtocolVersion = 1

// App is the ABCI application.
type App struct {
	abci.BaseApplication

	log      *slog.Logger
	store    *state.Store
	registry *tx.Registry
	modules  []module.Module
	byName   map[string]module.Module
	balances *balances.Module

	// mu serialises access to state: CometBFT calls the mempool, consensus
	// and query connections from different goroutines. Stateless checks
	// (decoding, signatures) run outside it, so the mempool verifies
	// signatures on one core while a block executes on the other.
	mu sync.Mutex
	// rules holds the chain id and params that stateless checks need;
	// replaced whole, never mutated.
	rules atomic.Pointer[txRules]
	check *checkState
	sigs  *sigCache
	// fees collected in the block being finalized, credited to the
	// treasury once at the end of the block.
	blockFees pha.Amount
	// lastBlockTime is the header time of the last finalized block, the
	// best clock the mempool has. It is not state.
	lastBlockTime time.Time
	// keepVersions is how many recent state versions commits keep (0:
	// all). It is not state.
	keepVersions atomic.Int64
	// retainBlocks is how many recent blocks Commit asks CometBFT to keep
	// (0: all); see SetRetainBlocks.
	retainBlocks atomic.Int64
	// snaps serves and restores state sync snapshots (statesync.go).
	snaps snapshotSet
	// txTypes collects the first message type of each tx of the block for
	// the observer; observer is told about each finalized block. Neither
	// affects state.
	txTypes  []string
	observer Observer
	// supplySum is the sum of all balances at the last commit, and
	// blockSum after the block being finalized; see blockSupply. Not
	// state: recomputed from the store when the app opens.
	supplySum, blockSum pha.Amount
	// prepared identifies the last block this validator proposed, so
	// ProcessProposal need not check it twice. Not state.
	prepared [32]byte
	// halted is closed, with haltErr set, when a block fails in a way
	// every validator fails alike (a broken invariant): the node must
	// stop rather than go on.
	halted  chan struct{}
	haltErr error
}

// Observer is told about every finalized block, for metrics. It runs on
// the consensus path, so it must be quick, and it must not touch state.
type Observer interface {
	Block(height int64, t time.Time, txs []TxOutcome, fees pha.Amount)
}

// TxOutcome is what an Observer learns about one transaction.
type TxOutcome struct {
	// Type is the first message's type, or "invalid".
	Type      string
	Codespace string
	Code      uint32
}

// SetObserver installs o; call it before the node starts.
func (a *App) SetObserver(o Observer) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.observer = o
}

// New opens an app over store. Modules run in the order given here; the
// order is part of the protocol.
func New(store *state.Store, logger *slog.Logger) (*App, error) {
	mods, bal := newModules()
	a := &App{
		log:      logger,
		store:    store,
		registry: tx.NewRegistry(),
		byName:   map[string]module.Module{},
		balances: bal,
		sigs:     newSigCache(200_000),
		halted:   make(chan struct{}),
	}
	store.Watch(balances.AccountsPrefix())
	for _, m := range mods {
		a.modules = append(a.modules, m)
		a.byName[m.Name()] = m
		m.RegisterMsgs(a.registry)
	}
	// The DAO weighs votes with the state as each proposal started.
	a.byName[dao.Name].(*dao.Module).SetHistory(func(h int64) (state.KV, error) { return store.At(h) })
	if store.Version() > 0 {
		if err := a.loadCommitted(); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// newModules returns the modules in protocol order, wired to each other.
func newModules() ([]module.Module, *balances.Module) {
	bal := balances.New()
	reg := registry.New()
	queue := mq.New()
	queue.SetResolver(mq.OriginWorker, reg.ResolveWorkerKey)
	queue.Route(registry.Name, reg.HandleMQ)
	reg.SetQueue(queue)
	gk := keys.New(reg, queue)
	queue.Route(keys.Name, gk.HandleMQ)
	cl := clusters.New(reg, gk, queue)
	queue.Route(clusters.Name, cl.HandleMQ)
	gk.OnGeneration(cl.NewGeneration)
	ct := contracts.New(cl, queue)
	queue.SetResolver(mq.OriginContract, ct.ResolveContractKey)
	queue.Route(contracts.Name, ct.HandleMQ)
	ag := agents.New(ct, cl, reg)
	queue.Route(agents.Name, ag.HandleMQ)
	comp := computation.New(reg)
	queue.Route(computation.Name, comp.HandleMQ)
	pools := stakepool.New(reg, comp)
	ag.SetPools(pools)
	ct.SetFeeRecipients(pools, reg)
	vaults := vault.New(pools)
	gov := dao.New(bal, reg, gk, pools)
	gov.AddWeightSource(vaults)
	sh := shielded.New()
	queue.Route(shielded.Name, sh.HandleMQ)
	return []module.Module{bal, reg, gk, cl, ct, ag, comp, pools, vaults, gov, queue, sh}, bal
}

// NewRegistry returns a registry of every message type the app accepts,
// for clients that decode transactions.
func NewRegistry() *tx.Registry {
	mods, _ := newModules()
	reg := tx.NewRegistry()
	for _, m := range mods {
		m.RegisterMsgs(reg)
	}
	return reg
}

// Registry returns the message registry, for clients that decode txs.
func (a *App) Registry() *tx.Registry { return a.registry }

// Store returns the app's state store, for tests and tools.
func (a *App) Store() *state.Store { return a.store }

func (a *App) loadCommitted() error {
	p, err := loadParams(a.store)
	if err != nil {
		return err
	}
	a.rules.Store(&txRules{chainID: string(a.store.Get(keyChainID)), params: p})
	if a.supplySum, err = CheckSupply(a.store, a.store.Version()); err != nil {
		return err
	}
	return a.resetCheckState()
}

func (a *App) resetCheckState() error {
	view, err := a.store.At(0)
	if err != nil {
		return err
	}
	a.check = newCheckState(view, a.lastBlockTime)
	return nil
}

// Info reports the last committed height and AppHash, so CometBFT replays
// exactly the blocks the app has not committed.
func (a *App) Info(_ context.Context, _ *abci.RequestInfo) (*abci.ResponseInfo, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	res := &abci.ResponseInfo{
		Data:             "phala",
		Version:          Version,
		AppVersion:       AppProtocolVersion,
		LastBlockHeight:  a.store.Version(),
		LastBlockAppHash: nil,
	}
	if res.LastBlockHeight > 0 {
		res.LastBlockAppHash = a.store.Hash()
	}
	return res, nil
}

// InitChain loads the genesis app state.
func (a *App) InitChain(_ context.Context, req *abci.RequestInitChain) (*abci.ResponseInitChain, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.store.Version() != 0 {
		return nil, fmt.Errorf("init chain: state already at height %d", a.store.Version())
	}
	if req.InitialHeight > 1 {
		a.store.SetInitialVersion(uint64(req.InitialHeight))
	}
	var gs GenesisState
	if err := json.Unmarshal(req.AppStateBytes, &gs); err != nil {
		return nil, fmt.Errorf("init chain: decode app_state: %w", err)
	}
	for name := range gs {
		if name != SectionParams && a.byName[name] == nil {
			return nil, fmt.Errorf("init chain: app_state has unknown section %q", name)
		}
	}
	var p Params
	if err := json.Unmarshal(gs[SectionParams], &p); err != nil {
		return nil, fmt.Errorf("init chain: params: %w", err)
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("init chain: %w", err)
	}
	storeParams(a.store, p)
	a.store.Set(keyChainID, []byte(req.ChainId))
	gen, err := module.GenesisOfInitChain(req)
	if err != nil {
		return nil, fmt.Errorf("init chain: %w", err)
	}
	module.SetGenesisHash(a.store, module.GenesisHash(gen))
	ctx := &module.Context{KV: a.store, ChainID: req.ChainId, Height: req.InitialHeight, Time: req.Time}
	for _, m := range a.modules {
		if err := m.InitGenesis(ctx, gs[m.Name()]); err != nil {
			return nil, fmt.Errorf("init chain: %s genesis: %w", m.Name(), err)
		}
	}
	a.rules.Store(&txRules{chainID: req.ChainId, params: p})
	a.log.Info("chain initialised", "chain_id", req.ChainId, "validators", len(req.Validators))
	return &abci.ResponseInitChain{AppHash: a.store.WorkingHash()}, nil
}

// CheckTx admits a transaction to the mempool if it would pay its fee with
// the right nonce against the committed state plus the transactions already
// admitted since.
func (a *App) CheckTx(_ context.Context, req *abci.RequestCheckTx) (*abci.ResponseCheckTx, error) {
	rules := a.rules.Load()
	if rules == nil {
		return checkResult(errors.New("chain not initialised")), nil
	}
	t, err := a.decodeAndVerify(rules, req.Tx, true)
	if err != nil {
		return checkResult(err), nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return checkResult(a.simulateTx(rules, t)), nil
}

// FinalizeBlock executes a decided block.
func (a *App) FinalizeBlock(_ context.Context, req *abci.RequestFinalizeBlock) (*abci.ResponseFinalizeBlock, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.haltErr != nil {
		return nil, a.haltErr
	}
	ctx := &module.Context{KV: a.store, ChainID: a.rules.Load().chainID, Height: req.Height, Time: req.Time}
	a.blockFees = pha.Amount{}
	a.lastBlockTime = req.Time
	module.RecordBlockHash(a.store, req.Height, req.Hash)
	results := make([]*abci.ExecTxResult, len(req.Txs))
	a.txTypes = a.txTypes[:0]
	for i, raw := range req.Txs {
		results[i] = a.deliverTx(ctx, raw)
	}
	for _, m := range a.modules {
		if err := m.EndBlock(ctx); err != nil {
			// An EndBlock failure is a bug in deterministic code; every
			// validator hits it alike, so halting is the honest answer.
			return nil, a.halt(fmt.Errorf("end block %d: %s: %w", req.Height, m.Name(), err))
		}
	}
	if !a.blockFees.IsZero() {
		if err := a.balances.Keeper.Add(a.store, balances.Treasury, a.blockFees); err != nil {
			return nil, a.halt(fmt.Errorf("end block %d: credit fees: %w", req.Height, err))
		}
	}
	sum, err := a.blockSupply(req.Height)
	if err != nil {
		return nil, a.halt(err)
	}
	a.blockSum = sum
	if a.observer != nil {
		out := make([]TxOutcome, len(results))
		for i, r := range results {
			out[i] = TxOutcome{Type: a.txTypes[i], Codespace: r.Codespace, Code: r.Code}
		}
		a.observer.Block(req.Height, req.Time, out, a.blockFees)
	}
	return &abci.ResponseFinalizeBlock{
		TxResults: results,
		Events:    ctx.Events(),
		AppHash:   a.store.WorkingHash(),
	}, nil
}

// Commit persists the state of the finalized block.
func (a *App) Commit(_ context.Context, _ *abci.RequestCommit) (*abci.ResponseCommit, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	_, version, err := a.store.Commit()
	if err != nil {
		return nil, err
	}
	a.supplySum = a.blockSum
	if keep := a.keepVersions.Load(); keep > 0 {
		// A failure to forget old versions costs disk, not correctness:
		// the chain goes on and the next commit tries again.
		// Open proposals' snapshots stay (dao.OldestSnapshot).
		forget := version - keep
		if oldest := a.byName[dao.Name].(*dao.Module).OldestSnapshot(a.store); oldest > 0 && oldest <= forget {
			forget = oldest - 1
		}
		if err := a.store.Forget(forget); err != nil {
			a.log.Warn("state versions not pruned", "err", err)
		}
	}
	if err := a.resetCheckState(); err != nil {
		return nil, err
	}
	return &abci.ResponseCommit{RetainHeight: retainHeight(version, a.retainBlocks.Load())}, nil
}

// retainHeight is the lowest block CometBFT must keep after committing
// version when the node keeps the last retain blocks (0: every block).
func retainHeight(version, retain int64) int64 {
	if retain <= 0 || version <= retain {
		return 0
	}
	return version - retain + 1
}

// MinRetainBlocks is the fewest blocks SetRetainBlocks accepts: a worker
// verifies the headers from its sealed checkpoint on, which may trail the
// node by some blocks.
const MinRetainBlocks = 100

// SetRetainBlocks makes every commit ask CometBFT (through the response's
// RetainHeight) to prune the blocks older than the last retain (0 keeps
// every block). A worker resumes its light client from its sealed
// checkpoint, so one that keeps up needs only recent blocks; one that
// starts from nothing, or whose next block is pruned, starts from a
// checkpoint the gatekeepers sign. The AppHash does not depend on it.
func (a *App) SetRetainBlocks(retain int64) error {
	return setBound(&a.retainBlocks, retain, MinRetainBlocks, "blocks to retain")
}

// setBound stores n in v if it is 0 (no bound) or at least least.
func setBound(v *atomic.Int64, n, least int64, what string) error {
	if n != 0 && n < least {
		return fmt.Errorf("%d %s: want 0 (all) or at least %d", n, what, least)
	}
	v.Store(n)
	return nil
}

// halt records err as the reason the app stopped, logs it, and returns it.
// Every later FinalizeBlock fails with it.
func (a *App) halt(err error) error {
	if a.haltErr == nil {
		a.haltErr = err
		a.log.Error("halting: the chain cannot go on", "err", err)
		close(a.halted)
	}
	return err
}

// Halted is closed when the app has halted; HaltErr then says why. A node
// stops when it closes: consensus cannot go past the block that failed.
func (a *App) Halted() <-chan struct{} { return a.halted }

// HaltErr is why the app halted, or nil.
func (a *App) HaltErr() error {
	select {
	case <-a.halted:
		return a.haltErr
	default:
		return nil
	}
}

// MinKeepVersions is the fewest state versions SetKeepVersions accepts: a
// worker's light client reads state at the height it has verified, which
// may trail the node by some blocks.
const MinKeepVersions = 100

// SetKeepVersions makes every commit forget the state versions older than
// the last keep (0 keeps every version: an archive node, which the
// explorer's history needs). Queries at a forgotten height fail with
// state.ErrVersionNotFound. The AppHash does not depend on it.
func (a *App) SetKeepVersions(keep int64) error {
	return setBound(&a.keepVersions, keep, MinKeepVersions, "state versions to keep")
}
