// Package worker is the host half of a worker: it talks to the chain over
// RPC, keeps the enclave's sealed files on disk, serves HTTP, and carries
// what the enclave signs to the chain. It holds no secret of the enclave:
// only ciphertext, public keys and signed messages pass through it. The
// operator's account key, which pays fees, is the host's own.
package worker

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"github.com/phalanetwork/phala/agentio"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/progress"
	"github.com/phalanetwork/phala/pruntime"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/shielded/ceremony"
	"github.com/phalanetwork/phala/tee"
)

// Options configure a worker.
type Options struct {
	// Home holds the sealed store (Home/sealed).
	Home    string
	Genesis *cmttypes.GenesisDoc
	NodeURL string
	// Operator is the account that registers the worker and pays its fees.
	Operator ed25519.PrivateKey
	Provider tee.Provider
	// Listen is the HTTP address; "127.0.0.1:0" picks a port.
	Listen string
	// PublicURL is the endpoint registered on chain; default http://<listen>.
	PublicURL string
	Logger    *slog.Logger
	// Poll is how often the worker looks for new blocks.
	Poll time.Duration
	// BenchmarkTime is how long the CPU benchmark runs.
	BenchmarkTime time.Duration
	// Agents configures what agents reach: the egress policy of fetch and
	// the AI router.
	Agents pruntime.AgentRuntime
	// BenchmarkEvery is how often a registered worker re-runs the benchmark
	// and reports the score through the mq (default one hour).
	BenchmarkEvery time.Duration
	// KMS, for a TDX provider, is its sealing-key source: Start first gets
	// the key from the gatekeepers' KMS into it (docs/keys.md, "KMS").
	KMS *KMSKey
	// EVM, when set, bridges an EVM anchor's requests to the agents of
	// this worker's clusters (evmbridge.go).
	EVM *EVMBridge
	// Clock is the host's clock, what the enclave is told the time is
	// (time.Now when nil). The operator sets it, so the enclave trusts it
	// for nothing the chain's verified time decides; tests set it to play
	// an operator who moves the machine's clock.
	Clock func() time.Time
}

// Worker is a running worker.
type Worker struct {
	o        Options
	enclave  *pruntime.Enclave
	client   *client.Client
	src      chainsync.Source
	operator address.Address
	log      *slog.Logger
	http     *http.Server
	listener net.Listener
	cancel   context.CancelFunc
	done     chan struct{}

	mu         sync.Mutex
	status     Status
	registered chan struct{}
	// settled is the height of the worker's last committed transaction:
	// the verified state lags the chain by a block, and the worker acts on
	// it only once it includes that transaction, so it never repeats one.
	settled int64
	// txBytes is how large a transaction submit packs mq messages into:
	// the chain's default limit until the chain refuses one as too large.
	txBytes int
	// benchmarked is when the score was last measured; guarded by mu.
	benchmarked time.Time
	// agentMetrics count agent calls; set when the HTTP routes are built.
	agentMetrics *agentMetrics
	// bridgeDone is closed when the EVM bridge, if any, has stopped.
	bridgeDone chan struct{}

	// snapshots bounds each requester's POST /contracts/snapshot.
	snapshots *requestBudget

	// rounds decides when a poll runs the roles' chain reads; only the
	// loop's goroutine uses it.
	rounds rounds
	// ceremonyStates holds the shielded setup ceremony's states this
	// worker made or fetched, served at ceremony.PathStates.
	ceremonyStates *ceremony.Store
}

// Status is what /info shows and the host loop tracks.
type Status struct {
	ID      string `json:"id"`
	ECDHKey string `json:"ecdh_pubkey"`
	// EthAddress is the address of the enclave's secp256k1 signing key
	// (GET /v1/attestation/report?signing_algo=ecdsa attests it).
	EthAddress   string `json:"eth_address"`
	TEE          string `json:"tee"`
	ChainID      string `json:"chain_id"`
	Operator     string `json:"operator"`
	Endpoint     string `json:"endpoint"`
	SyncedHeight int64  `json:"synced_height"`
	Registered   bool   `json:"registered"`
	Benchmark    uint64 `json:"benchmark_score"`
	// Inbox counts the chain's messages to this worker read so far.
	Inbox     uint64 `json:"inbox"`
	LastError string `json:"last_error,omitempty"`
}

// Start opens the enclave and starts the worker's loop and HTTP server.
func Start(ctx context.Context, o Options) (*Worker, error) {
	o.Logger = cmp.Or(o.Logger, slog.New(slog.DiscardHandler))
	o.Poll = cmp.Or(o.Poll, 500*time.Millisecond)
	o.BenchmarkTime = cmp.Or(o.BenchmarkTime, time.Second)
	o.BenchmarkEvery = cmp.Or(o.BenchmarkEvery, time.Hour)
	o.Listen = cmp.Or(o.Listen, "127.0.0.1:0")
	if o.Clock == nil {
		o.Clock = time.Now
	}
	c, err := client.New(o.NodeURL)
	if err != nil {
		return nil, err
	}
	w := &Worker{
		o: o, client: c, src: chainsync.NewRPCSource(c.RPC),
		operator: address.FromPubKey(o.Operator.Public().(ed25519.PublicKey)),
		done:     make(chan struct{}), registered: make(chan struct{}),
		snapshots: newRequestBudget(snapshotBudget, snapshotBudgetWindow, time.Now),
	}
	if o.KMS != nil {
		key, err := acquireKMSKey(ctx, o, w)
		if err != nil {
			return nil, err
		}
		o.KMS.set(key)
	}
	enc, err := pruntime.Open(o.Provider, filepath.Join(o.Home, "sealed"), o.Genesis, o.Clock)
	if err != nil {
		return nil, err
	}
	enc.SetAgentRuntime(o.Agents)
	enc.SetAgentPeers(newStatePeers(w))
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return nil, fmt.Errorf("worker: listen on %s: %w", o.Listen, err)
	}
	if o.PublicURL == "" {
		o.PublicURL = "http://" + ln.Addr().String()
	}
	w.o, w.enclave, w.listener = o, enc, ln
	w.ceremonyStates = ceremony.NewStore(filepath.Join(o.Home, "ceremony"), w.client.CeremonyPeers)
	w.log = o.Logger.With("worker", enc.ID().String()[:16])
	w.status = Status{ID: enc.ID().String(), ECDHKey: fmt.Sprintf("%x", enc.ECDHPublicKey()), EthAddress: agentio.EthAddressHex(enc.EthAddress()), TEE: string(enc.Kind()),
		ChainID: enc.ChainID(), Operator: w.operator.String(), Endpoint: o.PublicURL}
	w.http = &http.Server{Handler: w.routes(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := w.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			w.log.Error("http server stopped", "err", err)
		}
	}()
	loopCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	w.cancel = cancel
	go w.loop(loopCtx)
	w.bridgeDone = make(chan struct{})
	go func() {
		defer close(w.bridgeDone)
		if o.EVM != nil {
			w.runBridge(loopCtx, *o.EVM)
		}
	}()
	w.log.Info("worker started", "tee", enc.Kind(), "endpoint", o.PublicURL, "operator", w.operator)
	if n := enc.PendingReceipts(); n > 0 {
		w.log.Info("usage receipts kept across the restart, to post", "receipts", n)
	}
	return w, nil
}

// ID is the worker id.
func (w *Worker) ID() registry.WorkerID { return w.enclave.ID() }

// Endpoint is the worker's public URL.
func (w *Worker) Endpoint() string { return w.o.PublicURL }

// Status returns a snapshot of the worker's state.
func (w *Worker) Status() Status {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.status
}

// Registered is closed once the chain has this worker's record.
func (w *Worker) Registered() <-chan struct{} { return w.registered }

// Stop ends the loop and the HTTP server, and seals the light client's
// latest header, which Sync seals only every core.CheckpointEvery blocks,
// so a restart resumes where this run stopped.
func (w *Worker) Stop() error {
	w.cancel()
	<-w.done
	<-w.bridgeDone
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return errors.Join(w.enclave.SealCheckpoint(), w.http.Shutdown(ctx))
}

func (w *Worker) setStatus(f func(*Status)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	f(&w.status)
}

// loop follows the chain and drives registration, the endpoint and the
// outbox, one step per poll.
func (w *Worker) loop(ctx context.Context) {
	defer close(w.done)
	t := time.NewTicker(w.o.Poll)
	defer t.Stop()
	for {
		err := w.step(ctx)
		w.setStatus(func(s *Status) {
			s.LastError = ""
			if err != nil {
				s.LastError = err.Error()
			}
		})
		if err != nil && ctx.Err() == nil {
			w.log.Warn("worker step failed; retrying", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// step verifies the new headers and, when a round is due (rounds.due),
// does the roles' work against the verified state.
func (w *Worker) step(ctx context.Context) error {
	h, err := w.sync(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	if !w.rounds.due(h, now) {
		return nil
	}
	if err := w.round(ctx); err != nil {
		w.rounds = rounds{} // retried on the next poll
		return err
	}
	w.rounds.done(h, now)
	return nil
}

// sync has the enclave verify the chain's new headers.
func (w *Worker) sync(ctx context.Context) (int64, error) {
	var rep *progress.Reporter
	report := func(height, target int64) {
		if rep == nil {
			rep = progress.New(nil, w.log, "catching up with the chain", target, "blocks")
		}
		rep.Set(height)
	}
	h, err := w.enclave.Sync(ctx, w.src, report)
	if errors.Is(err, chainsync.ErrWithheld) {
		// Perhaps pruned: start from a signed checkpoint (trustcp.go).
		if joined, jerr := w.joinIfPruned(ctx); jerr != nil {
			err = errors.Join(err, jerr)
		} else if joined {
			h, err = w.enclave.Sync(ctx, w.src, report)
		}
	}
	if rep != nil {
		rep.Done()
	}
	w.setStatus(func(s *Status) { s.SyncedHeight = h })
	if err != nil {
		return h, fmt.Errorf("sync: %w", err)
	}
	return h, nil
}

// round does the roles' work once: registration, the inbox, the enclave's
// duties, snapshots, the endpoint, the benchmark and the outbox. Where it
// stops early without failing (the enclave's view not new enough, a
// transaction sent and not yet in the verified state) only a new verified
// block can change that.
func (w *Worker) round(ctx context.Context) error {
	// Nothing runs from the sealed store until the enclave has read the
	// chain as of its start and found the store not rolled back.
	if err := w.enclave.Fresh(ctx, w.src); errors.Is(err, chainsync.ErrBehind) {
		return nil
	} else if err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	rec, ok, stateHeight, err := w.enclave.RegisteredWorker(ctx, w.src)
	if errors.Is(err, chainsync.ErrBehind) {
		return nil // the first blocks: nothing verified to read yet
	}
	if err != nil {
		return err
	}
	if stateHeight < w.settled {
		return nil
	}
	if !ok {
		return w.register(ctx)
	}
	w.markRegistered(rec)
	if err := w.readInbox(ctx); err != nil {
		return err
	}
	if err := w.enclaveSteps(ctx); err != nil {
		return err
	}
	if err := w.fetchSnapshots(ctx); err != nil {
		return err
	}
	if rec.Endpoint != w.o.PublicURL {
		if err := w.updateEndpoint(ctx); err != nil {
			return err
		}
	}
	w.mu.Lock()
	due := time.Since(w.benchmarked) >= w.o.BenchmarkEvery
	w.mu.Unlock()
	if due {
		if _, err := w.ReportBenchmark(ctx); err != nil {
			return fmt.Errorf("benchmark: %w", err)
		}
	}
	if err := w.flushOutbox(ctx); err != nil {
		return err
	}
	return w.flushContractResults(ctx)
}

func (w *Worker) register(ctx context.Context) error {
	msg, err := w.enclave.Registration(w.operator, w.o.BenchmarkTime)
	if err != nil {
		return err
	}
	score := msg.Info.BenchmarkScore
	w.mu.Lock()
	w.benchmarked = time.Now()
	w.mu.Unlock()
	w.setStatus(func(s *Status) { s.Benchmark = score })
	height, err := w.sendSettled(ctx, "register", msg)
	if err != nil {
		return err
	}
	w.log.Info("worker registered", "height", height, "benchmark", score)
	return nil
}

// sendSettled sends msg as the operator and marks its block height as
// settled, so that the next round reads no state from before it.
func (w *Worker) sendSettled(ctx context.Context, what string, msg tx.Msg) (int64, error) {
	res, err := w.client.Send(ctx, w.o.Operator, pha.Amount{}, "", msg)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	w.settled = res.Height
	return res.Height, nil
}

func (w *Worker) markRegistered(rec registry.Worker) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.status.Registered {
		w.status.Registered = true
		w.status.Benchmark = rec.BenchmarkScore
		close(w.registered)
	}
}

func (w *Worker) updateEndpoint(ctx context.Context) error {
	msg, err := w.enclave.EndpointUpdate(w.o.PublicURL)
	if err != nil {
		return err
	}
	if _, err := w.sendSettled(ctx, "update endpoint", msg); err != nil {
		return err
	}
	w.log.Info("endpoint registered", "endpoint", w.o.PublicURL)
	return nil
}

// readInbox takes in the chain's messages to this worker. The registry's
// confirmation is the only one today; gatekeepers' key dispatch arrives the
// same way.
func (w *Worker) readInbox(ctx context.Context) error {
	from := w.Status().Inbox
	msgs, next, err := w.enclave.Inbox(ctx, w.src, from)
	for _, m := range msgs {
		w.log.Info("message from the chain", "topic", m.Topic)
	}
	w.setStatus(func(s *Status) { s.Inbox = next })
	return err
}

// ReportBenchmark has the enclave measure its benchmark score and post it
// through the mq.
func (w *Worker) ReportBenchmark(ctx context.Context) (mq.SignedMessage, error) {
	w.mu.Lock()
	w.benchmarked = time.Now()
	w.mu.Unlock()
	m, err := w.enclave.ReportBenchmark(ctx, w.src, w.o.BenchmarkTime)
	if err != nil {
		return m, err
	}
	w.setStatus(func(s *Status) { s.Benchmark = pruntime.BenchmarkScore(m) })
	return m, nil
}

// flushOutbox submits the enclave's pending messages unchanged. The chain
// uses a worker's slot even when the message's module refuses it (an
// mq_refused event), so a message is refused only before its slot (its
// origin unknown, say): it stays pending and goes again next round; the
// enclave never signs another message under its sequence.
func (w *Worker) flushOutbox(ctx context.Context) error {
	pending, err := w.enclave.Pending(ctx, w.src)
	if errors.Is(err, chainsync.ErrBehind) {
		return nil // next round, once the enclave reads the chain as of its start
	}
	if err != nil {
		return err
	}
	return w.submit(ctx, pending, func(m mq.SignedMessage, err error) error {
		return fmt.Errorf("mq message %s #%d refused; kept to send again: %w", m.Topic, m.Sequence, err)
	})
}

// flushContractResults submits the contract results the chain lacks. Every
// replica sends the same results; the first in block order wins each slot
// and the others are stale, which is how it should be.
func (w *Worker) flushContractResults(ctx context.Context) error {
	pending, err := w.enclave.ContractResults(ctx, w.src)
	if err != nil {
		return err
	}
	return w.submit(ctx, pending, func(m mq.SignedMessage, err error) error {
		w.log.Warn("contract result refused", "origin", m.Origin.String(), "input", m.Sequence, "err", err)
		return nil
	})
}

// enclaveSteps runs the enclave's per-round duties in order, stopping at
// the first that fails; the order matters (a rotation settles before the
// gatekeeper serves, cluster keys arrive before contracts run).
func (w *Worker) enclaveSteps(ctx context.Context) error {
	steps := []struct {
		name string
		run  func(context.Context, chainsync.Source) error
	}{
		{"key rotation", w.enclave.RotationStep},
		{"gatekeeper", w.enclave.GatekeeperStep},
		{"clusters", w.enclave.ClusterStep},
		{"contracts", w.enclave.ContractStep},
		{"agents", w.enclave.AgentStep},
		{"computation", w.enclave.ComputationStep},
		// Last: a state it cannot fetch yet fails only this step.
		{"shielded ceremony", func(ctx context.Context, src chainsync.Source) error {
			return w.enclave.CeremonyStep(ctx, src, w.ceremonyStates)
		}},
	}
	for _, s := range steps {
		if err := s.run(ctx, w.src); errors.Is(err, chainsync.ErrBehind) {
			return nil // the enclave's view is not new enough yet; next round
		} else if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	return nil
}
