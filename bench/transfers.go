// Package bench measures committed transfers per second through a real
// phala node (mempool → blocks → commit) and puts the number in context
// with two ratios measured in the same run: against the limit of this
// machine (ed25519 verifications per second and state writes per second)
// and against CometBFT's kvstore example app on the same engine with the
// same settings.
//
// It is a benchmark, not a timed test: it prints numbers and ratios and
// reports a missed goal instead of failing on it.
package bench

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtcfg "github.com/cometbft/cometbft/config"
	cmtpubsub "github.com/cometbft/cometbft/libs/pubsub"
	"github.com/cometbft/cometbft/mempool"
	nm "github.com/cometbft/cometbft/node"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/phalanetwork/phala/chain/app"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/node"
	"github.com/phalanetwork/phala/pha"
)

// ChainID of the benchmark chains.
const ChainID = "phala-bench"

// Defaults of Options.
const (
	DefaultTxs         = 20_000
	DefaultSenders     = 100
	DefaultBlockTime   = 200 * time.Millisecond
	DefaultMeasureTime = time.Second
)

// Goals from the issue: committed transfers per second on one validator,
// and the fraction of this machine's limit that must be reached.
const (
	GoalTxPerSec   = 10_000
	GoalLimitRatio = 0.5
)

// Options configure a run. Zero fields take the defaults.
type Options struct {
	// Txs is the number of signed transfers (and of kvstore txs).
	Txs int
	// Senders is the number of funded accounts the transfers come from,
	// round-robin, each with sequential nonces.
	Senders int
	// BlockTime is CometBFT's timeout_commit, the same for both apps.
	BlockTime time.Duration
	// Submitters is the number of goroutines submitting to the mempool
	// at once, as several RPC clients or peers would; each owns a subset
	// of the senders, so every sender's nonces still arrive in order.
	Submitters int
	// MeasureTime is how long each part of the machine limit (signature
	// verification, state writes) is measured.
	MeasureTime time.Duration
	// Out receives progress lines; nil discards them.
	Out io.Writer
	// Logger receives the nodes' logs; nil discards them.
	Logger *slog.Logger
}

func (o *Options) defaults() error {
	if o.Txs == 0 {
		o.Txs = DefaultTxs
	}
	if o.Senders == 0 {
		o.Senders = DefaultSenders
	}
	if o.BlockTime == 0 {
		o.BlockTime = DefaultBlockTime
	}
	if o.Submitters == 0 {
		o.Submitters = 1
	}
	if o.MeasureTime == 0 {
		o.MeasureTime = DefaultMeasureTime
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	switch {
	case o.Txs < 1:
		return fmt.Errorf("bench: txs must be positive, not %d", o.Txs)
	case o.Senders < 1:
		return fmt.Errorf("bench: senders must be positive, not %d", o.Senders)
	case o.Senders > 100_000:
		return fmt.Errorf("bench: at most 100000 senders, not %d", o.Senders)
	case o.Submitters < 1:
		return fmt.Errorf("bench: submitters must be positive, not %d", o.Submitters)
	case o.BlockTime < 0 || o.MeasureTime < 0:
		return errors.New("bench: durations must not be negative")
	}
	return nil
}

// Transfers runs the benchmark: phala's node, then the kvstore anchor, then
// the machine limit, and returns the report. A missed goal is in the
// report (Pass, Verdict), not an error; an error means the harness could
// not measure, e.g. a transaction failed or did not commit in time.
func Transfers(ctx context.Context, o Options) (*Report, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "phala-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)

	r := newReport(o)
	fmt.Fprintf(o.Out, "signing %d transfers from %d senders...\n", o.Txs, o.Senders)
	w := newWorkload(o.Txs, o.Senders)
	r.TxBytes = w.avgSize()

	fmt.Fprintf(o.Out, "phala node: submitting %d transfers through the mempool...\n", o.Txs)
	ours, err := runEngine(ctx, o, filepath.Join(dir, "phala"), w, oursEngine)
	if err != nil {
		return nil, fmt.Errorf("phala node: %w", err)
	}
	r.Ours = *ours
	fmt.Fprintf(o.Out, "phala node: %d committed in %.2fs, %.0f tx/s\n", ours.Committed, ours.Seconds, ours.TxPerSec)

	kvTxs := kvstoreTxs(o.Txs, r.TxBytes)
	fmt.Fprintf(o.Out, "kvstore: submitting %d txs of %d bytes...\n", o.Txs, r.TxBytes)
	kv, err := runEngine(ctx, o, filepath.Join(dir, "kvstore"), &workload{txs: kvTxs}, kvstoreEngine)
	if err != nil {
		return nil, fmt.Errorf("kvstore anchor: %w", err)
	}
	r.KVStore = *kv
	fmt.Fprintf(o.Out, "kvstore: %d committed in %.2fs, %.0f tx/s\n", kv.Committed, kv.Seconds, kv.TxPerSec)

	fmt.Fprintf(o.Out, "measuring the machine limit (%s each)...\n", o.MeasureTime)
	batch := int(ours.AvgTxsPerBlock + 0.5)
	lim, err := measureLimit(ctx, filepath.Join(dir, "limit"), w, o.Senders, batch, o.MeasureTime)
	if err != nil {
		return nil, fmt.Errorf("machine limit: %w", err)
	}
	r.Limit = *lim
	r.finish()
	return r, nil
}

// workload is the transactions of one run, pre-encoded, plus what the
// limit measurement needs from them.
type workload struct {
	txs [][]byte
	// signed are the decoded transfers, for the verification measurement.
	signed []*tx.Tx
	// addrs are the sender addresses, in sender order.
	addrs []address.Address
}

func (w *workload) avgSize() int {
	if len(w.txs) == 0 {
		return 0
	}
	n := 0
	for _, t := range w.txs {
		n += len(t)
	}
	return (n + len(w.txs)/2) / len(w.txs)
}

// senderKey derives the key of sender i, so runs are reproducible.
func senderKey(i int) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte("phala/bench/sender/" + strconv.Itoa(i)))
	return ed25519.NewKeyFromSeed(seed[:])
}

// newWorkload signs n transfers, round-robin over the senders with
// sequential nonces per sender. Each sender pays the next one, so the
// state keeps the same accounts throughout (payments between existing
// accounts), and pays the minimum fee.
func newWorkload(n, senders int) *workload {
	keys := make([]ed25519.PrivateKey, senders)
	w := &workload{txs: make([][]byte, n), signed: make([]*tx.Tx, n), addrs: make([]address.Address, senders)}
	for i := range keys {
		keys[i] = senderKey(i)
		w.addrs[i] = address.FromPubKey(keys[i].Public().(ed25519.PublicKey))
	}
	fee := app.DefaultParams().MinFee
	for k := 0; k < n; k++ {
		s := k % senders
		to := w.addrs[(s+1)%senders]
		if senders == 1 {
			to = address.Module("bench-recipient")
		}
		t := &tx.Tx{
			ChainID: ChainID,
			Nonce:   uint64(k / senders),
			Fee:     fee,
			Msgs:    []tx.Msg{&balances.MsgTransfer{To: to, Amount: pha.Units(1)}},
		}
		t.Sign(keys[s])
		w.txs[k] = t.Encode()
		w.signed[k] = t
	}
	return w
}

// engine starts one app on CometBFT from a home that initHome prepared,
// with configure applied to the config, and returns the CometBFT node and
// a function that stops everything.
type engine struct {
	name  string
	start func(ctx context.Context, home string, logger *slog.Logger, configure func(*cmtcfg.Config)) (*nm.Node, func() error, error)
}

var oursEngine = engine{
	name: "phala (IAVL on LevelDB)",
	start: func(ctx context.Context, home string, logger *slog.Logger, configure func(*cmtcfg.Config)) (*nm.Node, func() error, error) {
		n, err := node.Start(ctx, home, logger, configure)
		if err != nil {
			return nil, nil, err
		}
		return n.Comet(), n.Stop, nil
	},
}

// initHome creates a one-validator home whose genesis funds the senders.
// Both apps get the same kind of home; kvstore ignores the app state.
func initHome(home string, senders []address.Address) error {
	c := node.DefaultConfig()
	c.Moniker = "bench-validator"
	pub, err := node.InitFiles(home, c)
	if err != nil {
		return err
	}
	accts := make([]node.GenesisAccount, len(senders))
	for i, a := range senders {
		accts[i] = node.GenesisAccount{Name: "sender-" + strconv.Itoa(i), Address: a}
	}
	// 300M PHA are left after the subsidy pool; give the senders at most
	// two thirds of it, which pays for millions of minimum-fee transfers.
	per := pha.Whole(uint64(min(1_000_000, 200_000_000/max(1, len(senders)))))
	doc, err := node.NewGenesis(ChainID, []node.GenesisValidator{{Name: c.Moniker, PubKey: pub, Power: 10}}, accts, per, app.DefaultParams())
	if err != nil {
		return err
	}
	return doc.SaveAs(filepath.Join(home, "config", "genesis.json"))
}

// configure is the node configuration both apps run with: phala's
// defaults (kv tx indexing on, as on a real node; mempool recheck on) with
// loopback ports picked by the OS, timeout_commit = BlockTime and a
// mempool and cache that hold every transaction of the run.
func configure(o Options, txBytes int) func(*cmtcfg.Config) {
	return func(c *cmtcfg.Config) {
		c.RPC.ListenAddress = "tcp://127.0.0.1:0"
		c.P2P.ListenAddress = "tcp://127.0.0.1:0"
		// One validator needs no peer discovery, whose address book is
		// written to disk after Stop returns.
		c.P2P.PexReactor = false
		c.Consensus.TimeoutCommit = o.BlockTime
		c.Mempool.Size = max(c.Mempool.Size, o.Txs)
		c.Mempool.CacheSize = max(c.Mempool.CacheSize, 2*o.Txs)
		c.Mempool.MaxTxsBytes = max(c.Mempool.MaxTxsBytes, int64(2*o.Txs*(txBytes+64)))
		c.TxIndex.Indexer = "kv"
	}
}

// runEngine starts the engine on a fresh home, waits for the first block,
// submits every tx of w through the node's mempool and counts committed
// txs from the NewBlock events until all are committed.
func runEngine(ctx context.Context, o Options, home string, w *workload, e engine) (*EngineRun, error) {
	var senders []address.Address
	if w.addrs != nil {
		senders = w.addrs
	} else {
		senders = newWorkloadAddrs(o.Senders)
	}
	if err := initHome(home, senders); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var stopping atomic.Bool
	logger := slog.New(quietHandler{o.Logger.Handler(), &stopping})
	cmt, stop, err := e.start(ctx, home, logger, configure(o, w.avgSize()))
	if err != nil {
		return nil, err
	}
	res, err := drive(ctx, o, cmt, w.txs)
	cancel() // ends the submitters early when drive failed
	stopping.Store(true)
	if serr := stop(); serr != nil && err == nil {
		err = serr
	}
	if err != nil {
		return nil, err
	}
	res.App = e.name
	return res, nil
}

// newWorkloadAddrs returns the sender addresses without signing anything,
// for homes whose app does not read them.
func newWorkloadAddrs(senders int) []address.Address {
	out := make([]address.Address, senders)
	for i := range out {
		out[i] = address.FromPubKey(senderKey(i).Public().(ed25519.PublicKey))
	}
	return out
}

// drive submits txs and waits for them to commit.
func drive(ctx context.Context, o Options, cmt *nm.Node, txs [][]byte) (*EngineRun, error) {
	const subscriber = "phala-bench"
	bus := cmt.EventBus()
	sub, err := bus.Subscribe(ctx, subscriber, cmttypes.EventQueryNewBlock, 10_000)
	if err != nil {
		return nil, fmt.Errorf("subscribe to blocks: %w", err)
	}
	defer bus.Unsubscribe(context.Background(), subscriber, cmttypes.EventQueryNewBlock) //nolint:errcheck
	if err := awaitStart(ctx, cmt, sub); err != nil {
		return nil, err
	}

	total := len(txs)
	timeout := 2*time.Minute + time.Duration(total)*time.Millisecond
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()

	start := time.Now()
	sm := startSubmission(ctx, o, cmt.Mempool(), txs)
	var submitEnd time.Time
	run := &EngineRun{Txs: total}
	submitting := true
	for run.Committed < total {
		select {
		case err := <-sm.done:
			submitting = false
			submitEnd = time.Now()
			if err := sm.check(err, total); err != nil {
				return nil, err
			}
		case msg := <-sub.Out():
			if err := run.countBlock(msg, start); err != nil {
				return nil, err
			}
		case <-sub.Canceled():
			return nil, fmt.Errorf("block subscription cancelled: %v", sub.Err())
		case <-deadline.C:
			return nil, fmt.Errorf("timeout after %s: %d of %d txs committed", timeout, run.Committed, total)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if submitting {
		// Every tx committed, so every CheckTx has returned.
		if err := <-sm.done; err != nil {
			return nil, err
		}
		submitEnd = time.Now()
	}
	if run.Committed != total {
		return nil, fmt.Errorf("%d txs committed, %d submitted", run.Committed, total)
	}
	run.SubmitSeconds = submitEnd.Sub(start).Seconds()
	run.TxPerSec = float64(run.Committed) / run.Seconds
	run.AvgTxsPerBlock = float64(run.Committed) / float64(run.Blocks)
	return run, nil
}

// awaitStart waits for height 1, so startup is not part of the
// measurement, and drains the blocks committed before the first submission.
func awaitStart(ctx context.Context, cmt *nm.Node, sub cmttypes.Subscription) error {
	if cmt.BlockStore().Height() < 1 {
		if err := node.WaitBlock(ctx, sub, 30*time.Second); err != nil {
			return fmt.Errorf("first block: %w", err)
		}
	}
	for len(sub.Out()) > 0 {
		<-sub.Out()
	}
	return nil
}

// submission is the submitters' progress: done receives their joined error
// once all have returned; failed and first count and name the txs CheckTx
// rejected.
type submission struct {
	done   chan error
	failed atomic.Int64
	first  atomic.Pointer[string]
}

// startSubmission starts min(Submitters, Senders, len(txs)) submitters
// that send txs to pool.
func startSubmission(ctx context.Context, o Options, pool mempool.Mempool, txs [][]byte) *submission {
	sm := &submission{done: make(chan error, 1)}
	submitters := min(o.Submitters, o.Senders, len(txs))
	go func() {
		errs := make(chan error, submitters)
		for j := 0; j < submitters; j++ {
			go func() { errs <- submit(ctx, pool, txs, o.Senders, submitters, j, &sm.failed, &sm.first) }()
		}
		var err error
		for j := 0; j < submitters; j++ {
			err = errors.Join(err, <-errs)
		}
		sm.done <- err
	}()
	return sm
}

// check turns the submitters' error and the mempool's rejections of the
// total txs into drive's error.
func (sm *submission) check(err error, total int) error {
	if err != nil {
		return err
	}
	if n := sm.failed.Load(); n > 0 {
		return fmt.Errorf("%d of %d txs rejected by the mempool; first: %s", n, total, *sm.first.Load())
	}
	return nil
}

// countBlock adds the txs of a NewBlock event to run, failing on any tx
// that did not succeed; start is when submission began.
func (run *EngineRun) countBlock(msg cmtpubsub.Message, start time.Time) error {
	ev, ok := msg.Data().(cmttypes.EventDataNewBlock)
	if !ok {
		return nil
	}
	n := len(ev.ResultFinalizeBlock.TxResults)
	if n == 0 {
		return nil
	}
	for i, res := range ev.ResultFinalizeBlock.TxResults {
		if res.Code != abci.CodeTypeOK {
			return fmt.Errorf("tx %d of block %d failed: code %d %s: %s", i, ev.Block.Height, res.Code, res.Codespace, res.Log)
		}
	}
	run.Committed += n
	run.Blocks++
	run.MaxTxsPerBlock = max(run.MaxTxsPerBlock, n)
	run.Seconds = time.Since(start).Seconds()
	return nil
}

// submit sends submitter j's share of txs to the mempool in order: the txs
// of senders s with s % submitters == j (tx k is from sender k % senders).
func submit(ctx context.Context, pool mempool.Mempool, txs [][]byte, senders, submitters, j int, failed *atomic.Int64, first *atomic.Pointer[string]) error {
	for i, t := range txs {
		if (i%senders)%submitters != j {
			continue
		}
		cb := func(res *abci.ResponseCheckTx) {
			if res.Code != abci.CodeTypeOK {
				failed.Add(1)
				msg := fmt.Sprintf("tx %d rejected by CheckTx: code %d %s: %s", i, res.Code, res.Codespace, res.Log)
				first.CompareAndSwap(nil, &msg)
			}
		}
		if err := pool.CheckTx(t, cb, mempool.TxInfo{}); err != nil {
			return fmt.Errorf("submit tx %d: %w", i, err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// quietHandler drops every record once the bench stops a node: CometBFT
// logs its own closed listeners as errors while shutting down. A failure
// to stop is still returned by the stop function.
type quietHandler struct {
	slog.Handler
	stopping *atomic.Bool
}

func (h quietHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return !h.stopping.Load() && h.Handler.Enabled(ctx, l)
}

func (h quietHandler) WithAttrs(a []slog.Attr) slog.Handler {
	return quietHandler{h.Handler.WithAttrs(a), h.stopping}
}

func (h quietHandler) WithGroup(name string) slog.Handler {
	return quietHandler{h.Handler.WithGroup(name), h.stopping}
}
