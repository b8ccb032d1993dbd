package e2e

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	nm "github.com/cometbft/cometbft/node"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/phalanetwork/phala/chain/app"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/node"
	"github.com/phalanetwork/phala/pha"
)

// junkProposer is a hostile validator: the real app, with PrepareProposal
// changed to put a transaction that fails before paying a fee at the head
// of every block it proposes, each kind of junk in turn.
type junkProposer struct {
	*app.App
	junk     []junkTx
	proposed atomic.Int32
}

// junkTx is a transaction that fails the named check.
type junkTx struct {
	check string
	raw   []byte
}

func (j *junkProposer) PrepareProposal(ctx context.Context, req *abci.RequestPrepareProposal) (*abci.ResponsePrepareProposal, error) {
	res, err := j.App.PrepareProposal(ctx, req)
	if err != nil {
		return nil, err
	}
	n := j.proposed.Add(1)
	res.Txs = append([][]byte{j.junk[int(n-1)%len(j.junk)].raw}, res.Txs...)
	return res, nil
}

// inProcessValidator runs a validator home in this process with abci
// wrapping the real app opened over the home's state; it returns the app
// and stops everything when the test ends.
func inProcessValidator(t *testing.T, home, logName string, wrap func(*app.App) abci.Application) (*app.App, *nm.Node) {
	t.Helper()
	logFile, err := os.Create(filepath.Join(t.TempDir(), logName))
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(logFile, nil))
	store, err := state.Open(filepath.Join(home, "data"), logger)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(store, logger)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := node.Config(home)
	if err != nil {
		t.Fatal(err)
	}
	// Without peer exchange there is no address book, whose saving
	// goroutine outlives Stop and would race the temp dir's removal; the
	// testnet's persistent peers connect the validators.
	cfg.P2P.PexReactor = false
	// The consensus reactor's per-peer maj23 routine reads the block store
	// after each sleep and does not stop with the node: one that wakes
	// after Stop closed the store panics ("leveldb: closed"). It runs once
	// when a peer is added and then sleeps past the test.
	cfg.Consensus.PeerQueryMaj23SleepDuration = time.Hour
	cmt, err := node.StartABCI(context.Background(), cfg, logger, wrap(a))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// CometBFT's consensus reactor keeps a goroutine per peer that
		// reads the block store; stopping the node with peers connected
		// can close the store under it (a panic). Peers go first.
		for _, p := range cmt.Switch().Peers().List() {
			cmt.Switch().StopPeerGracefully(p)
		}
		if cmt.IsRunning() {
			if err := cmt.Stop(); err != nil {
				t.Logf("stop %s: %v", logName, err)
			}
			cmt.Wait()
		}
		t.Logf("stopped %s", logName)
		store.Close()
		if t.Failed() {
			t.Logf("==== %s ====\n%s", logName, tailFile(logFile.Name(), 32<<10))
		}
		logFile.Close()
	})
	return a, cmt
}

// junkTxs are the hostile proposer's stuffing, one per check a
// transaction must pass before it pays: each named by that check.
func junkTxs(t *testing.T, chainID string, alice ed25519.PrivateKey, bob address.Address) []junkTx {
	t.Helper()
	transfer := func(key ed25519.PrivateKey, nonce uint64, fee pha.Amount) []byte {
		x := &tx.Tx{ChainID: chainID, Nonce: nonce, Fee: fee, Msgs: []tx.Msg{&balances.MsgTransfer{To: bob, Amount: pha.Whole(1)}}}
		x.Sign(key)
		return x.Encode()
	}
	minFee := app.DefaultParams().MinFee
	badSig := transfer(alice, 0, minFee)
	badSig[len(badSig)-1] ^= 0x01
	_, pauper, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return []junkTx{
		{"malformed transaction", []byte("free junk: not a transaction at all")},
		{"bad signature", badSig},
		{"wrong nonce", transfer(alice, 1_000_000, minFee)},
		{"insufficient funds for fee", transfer(pauper, 0, minFee)},
	}
}

// TestRedTeamFreeJunk is break 9 driven through real CometBFT consensus:
// four validators from `phala testnet`, three of them `phala node`
// processes and node0 in this process with the real app whose
// PrepareProposal stuffs every block it proposes with transactions that
// fail decoding, signature, nonce and fee checks. The honest validators
// must refuse those blocks naming the check, no committed block may carry
// junk, and the chain must keep committing honest transfers.
func TestRedTeamFreeJunk(t *testing.T) {
	h := newLongHarness(t, "runs a 4-validator network")
	tn := h.initTestnet(4, "300ms")
	genesis, err := cmttypes.GenesisDocFromFile(filepath.Join(tn.homes[0], "config", "genesis.json"))
	if err != nil {
		t.Fatal(err)
	}
	acc := openDevAccounts(t, tn.homes[0])
	junk := junkTxs(t, genesis.ChainID, acc.aliceKey, acc.bob)
	hostile := &junkProposer{junk: junk}
	inProcessValidator(t, tn.homes[0], "node0-hostile.log", func(a *app.App) abci.Application {
		hostile.App = a
		return hostile
	})
	var nodes []*proc
	for i := 1; i < 4; i++ {
		nodes = append(nodes, h.start(fmt.Sprintf("node%d", i), "node", "--home", tn.homes[i]))
	}
	// Runs before inProcessValidator's cleanup: the honest nodes stop
	// first, so they do not dial node0 again while it stops.
	t.Cleanup(func() { stopAll(nodes, t.Logf) })
	honest := tn.clients[1]
	waitHeight(t, honest, 3, 60*time.Second, nodes...)

	// Honest traffic keeps flowing while the hostile validator proposes.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for i := range 3 {
		if _, err := honest.Send(ctx, acc.aliceKey, pha.Amount{}, "honest", &balances.MsgTransfer{To: acc.bob, Amount: pha.Whole(uint64(i + 1))}); err != nil {
			t.Fatalf("honest transfer %d: %v", i, err)
		}
	}
	waitFor(t, 3*time.Minute, "the hostile validator to propose each kind of junk", func() (bool, error) {
		return hostile.proposed.Load() >= int32(len(junk)), nil
	}, nodes...)
	top := mustHeight(t, honest)
	waitHeight(t, honest, top+2, 60*time.Second, nodes...)

	// No committed block carries junk.
	top = mustHeight(t, honest)
	for height := int64(1); height <= top; height++ {
		blk, err := honest.RPC.Block(ctx, &height)
		if err != nil {
			t.Fatalf("block %d: %v", height, err)
		}
		for _, raw := range blk.Block.Txs {
			for _, j := range junk {
				if bytes.Equal(raw, j.raw) {
					t.Errorf("block %d (proposer %s) carries a junk tx that fails %q", height, blk.Block.ProposerAddress, j.check)
				}
			}
		}
	}
	// Every honest validator refused the stuffed blocks, naming each check.
	for i, p := range nodes {
		logs := tailFile(p.stderrPath, 8<<20)
		if !strings.Contains(logs, "proposal refused") {
			t.Errorf("node%d logged no refused proposal", i+1)
			continue
		}
		for _, j := range junk {
			if !strings.Contains(logs, j.check) {
				t.Errorf("node%d's refusals do not name %q", i+1, j.check)
			}
		}
	}
	if t.Failed() {
		return
	}
	t.Logf("the hostile validator proposed %d blocks; none committed with junk; chain at height %d", hostile.proposed.Load(), top)
}

// buggyModule is the real app with a bug of the kind the supply invariant
// exists for: at one height, before the block runs, it credits PHA that no
// account paid, as a module that forgot the debit side would.
type buggyModule struct {
	*app.App
	at     int64
	mint   pha.Amount
	mu     sync.Mutex
	failed error
	// returned is closed once FinalizeBlock has returned the error: the
	// app marks itself halted before its FinalizeBlock returns, so
	// Halted() alone may fire before failed is set.
	returned chan struct{}
}

func (b *buggyModule) FinalizeBlock(ctx context.Context, req *abci.RequestFinalizeBlock) (*abci.ResponseFinalizeBlock, error) {
	if req.Height == b.at {
		if err := (balances.Keeper{}).Add(b.App.Store(), balances.Treasury, b.mint); err != nil {
			return nil, err
		}
	}
	res, err := b.App.FinalizeBlock(ctx, req)
	if err != nil {
		b.mu.Lock()
		if b.failed == nil {
			b.failed = err
			close(b.returned)
		}
		b.mu.Unlock()
	}
	return res, err
}

func (b *buggyModule) err() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.failed
}

// TestRedTeamSupplyBreak: a module bug mints PHA at height 6 of a running
// one-validator node. The node must halt at that height, naming it and the
// difference, and never commit the block.
func TestRedTeamSupplyBreak(t *testing.T) {
	h := newHarness(t)
	tn := h.initTestnet(1, "200ms")
	bug := &buggyModule{at: 6, mint: pha.Whole(42), returned: make(chan struct{})}
	a, _ := inProcessValidator(t, tn.homes[0], "node0-buggy.log", func(a *app.App) abci.Application {
		bug.App = a
		return bug
	})
	c := tn.clients[0]
	waitHeight(t, c, 5, 60*time.Second)
	select {
	case <-a.Halted():
	case <-time.After(30 * time.Second):
		t.Fatalf("the app did not halt after the bug at height %d (chain at %d)", bug.at, mustHeight(t, c))
	}
	select {
	case <-bug.returned:
	case <-time.After(10 * time.Second):
		t.Fatal("the app halted but FinalizeBlock returned no error for the broken block")
	}
	want := []string{"supply invariant broken at height 6", "difference +42PHA"}
	for _, err := range []error{a.HaltErr(), bug.err()} {
		if err == nil {
			t.Fatal("no error from the broken block")
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%q does not name %q", err, w)
			}
		}
	}
	// Consensus decided block 6, but the app never finished it: its state
	// stays at the last good block, and no block follows.
	if got := appHeight(t, c); got != bug.at-1 {
		t.Fatalf("app state at height %d after the halt, want %d", got, bug.at-1)
	}
	if got := mustHeight(t, c); got > bug.at {
		t.Fatalf("chain went on to height %d after the halt at %d", got, bug.at)
	}
}

// appHeight is the last height the node's app committed (ABCI Info).
func appHeight(t *testing.T, c *client.Client) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	info, err := c.RPC.ABCIInfo(ctx)
	if err != nil {
		t.Fatal(errors.Join(errors.New("abci info"), err))
	}
	return info.Response.LastBlockHeight
}
