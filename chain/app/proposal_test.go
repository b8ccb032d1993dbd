package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/phalanetwork/phala/chain/app"
	"github.com/phalanetwork/phala/chain/apptest"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/pha"
)

// logBuffer collects an app's log output for assertions.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newLoggedApp is newApp over store with its log kept in the returned
// buffer.
func newLoggedApp(t testing.TB, store *state.Store) (*app.App, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	a, err := app.New(store, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.InitChain(context.Background(), &abci.RequestInitChain{ChainId: chainID, AppStateBytes: genesis(t), InitialHeight: 1, Time: time.Unix(0, 0)}); err != nil {
		t.Fatal(err)
	}
	return a, logs
}

func signed(t *tx.Tx, from []byte) []byte {
	t.Sign(from)
	return t.Encode()
}

func blockHash(height int64) []byte {
	h := sha256.Sum256([]byte(fmt.Sprint("block", height)))
	return h[:]
}

func process(t *testing.T, a *app.App, height int64, txs [][]byte) abci.ResponseProcessProposal_ProposalStatus {
	t.Helper()
	res, err := a.ProcessProposal(context.Background(), &abci.RequestProcessProposal{Height: height, Hash: blockHash(height), Time: time.Unix(height, 0), Txs: txs})
	if err != nil {
		t.Fatal(err)
	}
	return res.Status
}

func prepare(t *testing.T, a *app.App, height int64, maxBytes int64, txs [][]byte) [][]byte {
	t.Helper()
	res, err := a.PrepareProposal(context.Background(), &abci.RequestPrepareProposal{Height: height, Time: time.Unix(height, 0), MaxTxBytes: maxBytes, Txs: txs})
	if err != nil {
		t.Fatal(err)
	}
	return res.Txs
}

// TestProcessProposalRefusesJunk is the hostile proposer of break 9: it
// proposes blocks carrying transactions that would fail before paying a
// fee. Every validator must refuse such a block, naming the check, and
// PrepareProposal must leave the junk out of the blocks it builds.
func TestProcessProposalRefusesJunk(t *testing.T) {
	minFee := app.DefaultParams().MinFee
	drained, err := pha.Whole(1_000_000).Sub(minFee)
	if err != nil {
		t.Fatal(err)
	}
	drained, _ = drained.Sub(minFee)
	drained, _ = drained.Add(pha.Units(1)) // leaves alice one unit short of a second fee
	cases := []struct {
		name  string
		junk  [][]byte // the first honest tx is bob's nonce 0
		check string   // the refusal the log must name
	}{
		{"undecodable bytes", [][]byte{{0xff, 0x01, 0x02}}, "malformed transaction"},
		{"bad signature", func() [][]byte {
			raw := transfer(alice, 0, bob.Addr, pha.Whole(1))
			raw[len(raw)-1] ^= 1
			return [][]byte{raw}
		}(), "bad signature"},
		{"wrong nonce", [][]byte{transfer(alice, 7, bob.Addr, pha.Whole(1))}, "wrong nonce"},
		{"nonce replayed in the block", [][]byte{transfer(alice, 0, bob.Addr, pha.Whole(1)), transfer(alice, 0, bob.Addr, pha.Whole(2))}, "wrong nonce"},
		{"unpaid fee", [][]byte{transfer(carol, 0, bob.Addr, pha.Whole(1))}, "insufficient funds for fee"},
		{"fee drained earlier in the block", [][]byte{transfer(alice, 0, carol.Addr, drained), transfer(alice, 1, bob.Addr, pha.Units(1))}, "insufficient funds for fee"},
		{"fee below minimum", [][]byte{signed(&tx.Tx{ChainID: chainID, Fee: pha.Units(1), Msgs: []tx.Msg{&balances.MsgTransfer{To: bob.Addr, Amount: pha.Whole(1)}}}, alice.Key)}, "fee below minimum"},
		{"wrong chain", [][]byte{signed(&tx.Tx{ChainID: "other", Fee: minFee, Msgs: []tx.Msg{&balances.MsgTransfer{To: bob.Addr, Amount: pha.Whole(1)}}}, alice.Key)}, "wrong chain id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, logs := newLoggedApp(t, state.OpenMemory())
			// bob pays someone outside the junk, so no junk is funded by it.
			honest := transfer(bob, 0, apptest.NewAccount(9).Addr, pha.Whole(1))
			block := append([][]byte{honest}, c.junk...)
			if got := process(t, a, 1, block); got != abci.ResponseProcessProposal_REJECT {
				t.Fatalf("ProcessProposal of a block with junk: %s, want REJECT", got)
			}
			if !strings.Contains(logs.String(), c.check) {
				t.Fatalf("the refusal does not name %q; log:\n%s", c.check, logs)
			}
			built := prepare(t, a, 1, 1<<20, block)
			if err := keptOut(built, c.junk); err != nil {
				t.Fatal(err)
			}
			if got := process(t, a, 1, built); got != abci.ResponseProcessProposal_ACCEPT {
				t.Fatalf("ProcessProposal of PrepareProposal's own block: %s, want ACCEPT; log:\n%s", got, logs)
			}
			res := finalize(t, a, 1, built...)
			for i, r := range res.TxResults {
				if r.Code != 0 {
					t.Fatalf("tx %d of the prepared block failed: %s", i, r.Log)
				}
			}
		})
	}
}

// keptOut reports an error if the prepared block carries a junk tx that
// fails; the first tx of a sequence may be valid on its own.
func keptOut(built, junk [][]byte) error {
	if len(junk) == 1 {
		for _, b := range built {
			if bytes.Equal(b, junk[0]) {
				return fmt.Errorf("PrepareProposal kept the junk tx")
			}
		}
		return nil
	}
	if len(built) != len(junk) {
		return fmt.Errorf("PrepareProposal built %d txs, want the honest one and the first of the sequence", len(built))
	}
	return nil
}

// TestProcessProposalAcceptsHonestBlocks: the check must not refuse what
// an honest block holds: nonce sequences, senders funded earlier in the
// same block, and transactions whose messages fail but pay their fee.
func TestProcessProposalAcceptsHonestBlocks(t *testing.T) {
	cases := []struct {
		name string
		txs  [][]byte
	}{
		{"nonce sequence", [][]byte{transfer(alice, 0, bob.Addr, pha.Whole(1)), transfer(alice, 1, bob.Addr, pha.Whole(1)), transfer(alice, 2, bob.Addr, pha.Whole(1))}},
		{"sender funded earlier in the block", [][]byte{transfer(alice, 0, carol.Addr, pha.Whole(5)), transfer(carol, 0, bob.Addr, pha.Whole(1))}},
		{"failing message pays its fee", [][]byte{transfer(alice, 0, bob.Addr, pha.Whole(5_000_000)), transfer(alice, 1, bob.Addr, pha.Whole(1))}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, logs := newLoggedApp(t, state.OpenMemory())
			if got := process(t, a, 1, c.txs); got != abci.ResponseProcessProposal_ACCEPT {
				t.Fatalf("ProcessProposal: %s, want ACCEPT; log:\n%s", got, logs)
			}
			if built := prepare(t, a, 1, 1<<20, c.txs); len(built) != len(c.txs) {
				t.Fatalf("PrepareProposal kept %d of %d txs", len(built), len(c.txs))
			}
		})
	}
}

// TestPrepareProposalRespectsMaxTxBytes: a block never holds more bytes of
// transactions than CometBFT allows, and a tx left out for size does not
// break the nonce sequence of the ones kept.
func TestPrepareProposalRespectsMaxTxBytes(t *testing.T) {
	a, _ := newLoggedApp(t, state.OpenMemory())
	var txs [][]byte
	for n := range uint64(10) {
		txs = append(txs, transfer(alice, n, bob.Addr, pha.Whole(1)))
	}
	limit := cmttypes.ComputeProtoSizeForTxs(cmttypes.ToTxs(txs[:3]))
	built := prepare(t, a, 1, limit+10, txs)
	if len(built) != 3 {
		t.Fatalf("built %d txs within %d bytes, want 3", len(built), limit+10)
	}
	if got := process(t, a, 1, built); got != abci.ResponseProcessProposal_ACCEPT {
		t.Fatalf("ProcessProposal: %s", got)
	}
}

// TestSupplyBreakHaltsAtHeight is a buggy module: it writes a balance
// that no transfer balances out. The block that carries the write must
// fail with the height and the difference, and nothing after it commits.
func TestSupplyBreakHaltsAtHeight(t *testing.T) {
	for _, c := range []struct {
		name    string
		corrupt func(kv state.KV) error
		diff    string
	}{
		{"minted", func(kv state.KV) error { return balances.Keeper{}.Add(kv, carol.Addr, pha.Units(5)) }, "difference +0.000000000005PHA"},
		{"burned", func(kv state.KV) error { return balances.Keeper{}.Sub(kv, alice.Addr, pha.Whole(3)) }, "difference -3PHA"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, logs := newLoggedApp(t, state.OpenMemory())
			finalize(t, a, 1, transfer(alice, 0, bob.Addr, pha.Whole(1)))
			finalize(t, a, 2)
			if err := c.corrupt(a.Store()); err != nil {
				t.Fatal(err)
			}
			_, err := a.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Height: 3, Hash: blockHash(3), Time: time.Unix(3, 0)})
			if err == nil {
				t.Fatal("block 3 finalized over a broken supply")
			}
			for _, want := range []string{"supply invariant broken at height 3", c.diff} {
				if !strings.Contains(err.Error(), want) {
					t.Fatalf("error %q does not name %q", err, want)
				}
			}
			if !strings.Contains(logs.String(), "supply invariant broken at height 3") {
				t.Fatalf("the halt is not logged:\n%s", logs)
			}
			select {
			case <-a.Halted():
			default:
				t.Fatal("the app does not report that it halted")
			}
			if !strings.Contains(a.HaltErr().Error(), c.diff) {
				t.Fatalf("halt error %q does not name %q", a.HaltErr(), c.diff)
			}
			if a.Store().Version() != 2 {
				t.Fatalf("state at version %d after the broken block, want 2", a.Store().Version())
			}
		})
	}
}

// TestSupplyBreakRefusedOnRestart: state committed with a broken supply
// (a buggy build, an edited database) keeps the app from opening at all.
func TestSupplyBreakRefusedOnRestart(t *testing.T) {
	dir := t.TempDir()
	store, err := state.Open(dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := newLoggedApp(t, store)
	finalize(t, a, 1)
	if err := (balances.Keeper{}).Add(store, address.Module("stray"), pha.Whole(2)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := store.Commit(); err != nil {
		t.Fatal(err)
	}
	store.Close()
	store, err = state.Open(dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	_, err = app.New(store, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "supply invariant broken at height 2") || !strings.Contains(err.Error(), "difference +2PHA") {
		t.Fatalf("opening state with a broken supply: %v", err)
	}
}
