package app_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	ics23 "github.com/cosmos/ics23/go"

	"github.com/phalanetwork/phala/chain/app"
	"github.com/phalanetwork/phala/chain/apptest"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/pha"
)

const chainID = "test-chain"

var alice, bob, carol = apptest.NewAccount(1), apptest.NewAccount(2), apptest.NewAccount(3)

func genesis(t testing.TB) []byte {
	t.Helper()
	accts := map[string]address.Address{"alice": alice.Addr, "bob": bob.Addr}
	bal, err := balances.DefaultGenesis(accts, []string{"alice", "bob"}, pha.Whole(1_000_000))
	if err != nil {
		t.Fatal(err)
	}
	gs, err := app.NewGenesisState(app.DefaultParams(), map[string]any{balances.Name: bal})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(gs)
	return raw
}

func newApp(t testing.TB) *app.App {
	t.Helper()
	a, err := app.New(state.OpenMemory(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.InitChain(context.Background(), &abci.RequestInitChain{ChainId: chainID, AppStateBytes: genesis(t), InitialHeight: 1, Time: time.Unix(0, 0)}); err != nil {
		t.Fatal(err)
	}
	return a
}

func transfer(from apptest.Account, nonce uint64, to address.Address, amount pha.Amount) []byte {
	t := &tx.Tx{ChainID: chainID, Nonce: nonce, Fee: app.DefaultParams().MinFee, Msgs: []tx.Msg{&balances.MsgTransfer{To: to, Amount: amount}}}
	t.Sign(from.Key)
	return t.Encode()
}

func finalize(t testing.TB, a *app.App, height int64, txs ...[]byte) *abci.ResponseFinalizeBlock {
	t.Helper()
	hash := sha256.Sum256([]byte(fmt.Sprint("block", height)))
	res, err := a.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Height: height, Hash: hash[:], Time: time.Unix(height, 0), Txs: txs})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
		t.Fatal(err)
	}
	checkSupply(t, a)
	return res
}

// checkSupply asserts that no block created or destroyed PHA.
func checkSupply(t testing.TB, a *app.App) {
	t.Helper()
	if _, err := app.CheckSupply(a.Store(), a.Store().Version()); err != nil {
		t.Fatal(err)
	}
}

func accountOf(t testing.TB, a *app.App, addr address.Address) balances.Account {
	t.Helper()
	res, err := a.Query(context.Background(), &abci.RequestQuery{Path: "/balances/account/" + addr.String()})
	if err != nil || res.Code != 0 {
		t.Fatalf("query account: %v %s", err, res.Log)
	}
	var r balances.AccountResponse
	if err := json.Unmarshal(res.Value, &r); err != nil {
		t.Fatal(err)
	}
	return r.Account
}

func TestTransferCommits(t *testing.T) {
	a := newApp(t)
	res := finalize(t, a, 1, transfer(alice, 0, carol.Addr, pha.Whole(5)), transfer(alice, 1, carol.Addr, pha.Whole(2)))
	for i, r := range res.TxResults {
		if r.Code != 0 {
			t.Fatalf("tx %d: code %d %s", i, r.Code, r.Log)
		}
	}
	if got := accountOf(t, a, carol.Addr); got.Balance != pha.Whole(7) {
		t.Fatalf("carol has %s, want 7PHA", got.Balance.PHA())
	}
	got := accountOf(t, a, alice.Addr)
	fees, _ := app.DefaultParams().MinFee.Add(app.DefaultParams().MinFee)
	want, _ := pha.Whole(1_000_000 - 7).Sub(fees)
	if got.Balance != want || got.Nonce != 2 {
		t.Fatalf("alice = %s nonce %d, want %s nonce 2", got.Balance.PHA(), got.Nonce, want.PHA())
	}
}

func TestFailedMessageKeepsFeeAndRevertsMessages(t *testing.T) {
	a := newApp(t)
	// carol has no funds: her tx is rejected whole. bob's second message
	// overdraws: the first message is reverted, the fee is still charged.
	tooMuch := pha.Whole(2_000_000)
	bt := &tx.Tx{ChainID: chainID, Nonce: 0, Fee: app.DefaultParams().MinFee, Msgs: []tx.Msg{
		&balances.MsgTransfer{To: carol.Addr, Amount: pha.Whole(1)},
		&balances.MsgTransfer{To: carol.Addr, Amount: tooMuch},
	}}
	bt.Sign(bob.Key)
	res := finalize(t, a, 1, bt.Encode())
	if res.TxResults[0].Codespace != balances.Codespace || res.TxResults[0].Code != balances.ErrInsufficientFunds.Code {
		t.Fatalf("got %s/%d %q, want insufficient funds", res.TxResults[0].Codespace, res.TxResults[0].Code, res.TxResults[0].Log)
	}
	if got := accountOf(t, a, carol.Addr); !got.Balance.IsZero() {
		t.Fatalf("carol got %s from a failed tx", got.Balance.PHA())
	}
	got := accountOf(t, a, bob.Addr)
	want, _ := pha.Whole(1_000_000).Sub(app.DefaultParams().MinFee)
	if got.Balance != want || got.Nonce != 1 {
		t.Fatalf("bob = %s nonce %d, want %s nonce 1", got.Balance.PHA(), got.Nonce, want.PHA())
	}
}

func TestCheckTxRejections(t *testing.T) {
	a := newApp(t)
	finalize(t, a, 1)
	good := func(mut func(*tx.Tx), key ed25519.PrivateKey) []byte {
		tt := &tx.Tx{ChainID: chainID, Nonce: 0, Fee: app.DefaultParams().MinFee, Msgs: []tx.Msg{&balances.MsgTransfer{To: bob.Addr, Amount: pha.Whole(1)}}}
		mut(tt)
		tt.Sign(key)
		return tt.Encode()
	}
	badSig := good(func(*tx.Tx) {}, alice.Key)
	badSig[len(badSig)-1] ^= 1
	unknown := good(func(*tx.Tx) {}, alice.Key)
	unknown = []byte(strings.Replace(string(unknown), balances.TypeTransfer, "balances/transfez", 1))
	tests := []struct {
		name string
		raw  []byte
		want *struct{}
		code uint32
		sp   string
	}{
		{"wrong chain id", good(func(t *tx.Tx) { t.ChainID = "other" }, alice.Key), nil, tx.ErrWrongChainID.Code, "phala"},
		{"bad signature", badSig, nil, tx.ErrBadSignature.Code, "phala"},
		{"wrong nonce", good(func(t *tx.Tx) { t.Nonce = 5 }, alice.Key), nil, tx.ErrWrongNonce.Code, "phala"},
		{"no funds for fee", good(func(*tx.Tx) {}, carol.Key), nil, tx.ErrInsufficientFee.Code, "phala"},
		{"fee too low", good(func(t *tx.Tx) { t.Fee = pha.Units(1) }, alice.Key), nil, tx.ErrFeeTooLow.Code, "phala"},
		{"unknown msg", unknown, nil, tx.ErrUnknownMsg.Code, "phala"},
		{"oversize", make([]byte, app.DefaultParams().MaxTxBytes+1), nil, tx.ErrTooLarge.Code, "phala"},
		{"malformed", []byte{1, 2, 3}, nil, tx.ErrMalformed.Code, "phala"},
		{"empty", nil, nil, tx.ErrMalformed.Code, "phala"},
		{"insufficient balance", good(func(t *tx.Tx) { t.Msgs[0] = &balances.MsgTransfer{To: bob.Addr, Amount: pha.Whole(2_000_000)} }, alice.Key), nil, balances.ErrInsufficientFunds.Code, balances.Codespace},
		{"zero amount", good(func(t *tx.Tx) { t.Msgs[0] = &balances.MsgTransfer{To: bob.Addr} }, alice.Key), nil, balances.ErrInvalidAmount.Code, balances.Codespace},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := a.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: tt.raw})
			if err != nil {
				t.Fatal(err)
			}
			if res.Code != tt.code || res.Codespace != tt.sp {
				t.Fatalf("got %s/%d %q, want %s/%d", res.Codespace, res.Code, res.Log, tt.sp, tt.code)
			}
			if res.Log == "" {
				t.Fatal("no message")
			}
		})
	}
	// Two txs from one sender are admitted in nonce order; a replay is not.
	first := transfer(alice, 0, bob.Addr, pha.Whole(1))
	for i, raw := range [][]byte{first, transfer(alice, 1, bob.Addr, pha.Whole(1))} {
		if res, _ := a.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: raw}); res.Code != 0 {
			t.Fatalf("tx %d: %s", i, res.Log)
		}
	}
	if res, _ := a.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: first}); res.Code != tx.ErrWrongNonce.Code {
		t.Fatalf("replay admitted: %d %s", res.Code, res.Log)
	}
	// The same replay inside a block fails and changes nothing.
	finalize(t, a, 2, first)
	before := accountOf(t, a, alice.Addr)
	res := finalize(t, a, 3, first)
	if res.TxResults[0].Code != tx.ErrWrongNonce.Code {
		t.Fatalf("replay in block: %d %s", res.TxResults[0].Code, res.TxResults[0].Log)
	}
	if after := accountOf(t, a, alice.Addr); after != before {
		t.Fatalf("replay changed alice: %+v -> %+v", before, after)
	}
}

// TestDeterminism applies the same blocks to two fresh apps and compares
// the AppHash at every height.
func TestDeterminism(t *testing.T) {
	a1, a2 := newApp(t), newApp(t)
	senders := []apptest.Account{alice, bob}
	nonces := map[int]uint64{}
	for h := int64(1); h <= 20; h++ {
		var txs [][]byte
		for i := 0; i < 10; i++ {
			s := int(h+int64(i)) % 2
			to := apptest.NewAccount(byte(10 + (int(h)*7+i)%13)).Addr
			txs = append(txs, transfer(senders[s], nonces[s], to, pha.Units(uint64(1000*h+int64(i)))))
			nonces[s]++
		}
		r1, r2 := finalize(t, a1, h, txs...), finalize(t, a2, h, txs...)
		if string(r1.AppHash) != string(r2.AppHash) {
			t.Fatalf("height %d: AppHash %X != %X", h, r1.AppHash, r2.AppHash)
		}
		i1, _ := a1.Info(context.Background(), &abci.RequestInfo{})
		i2, _ := a2.Info(context.Background(), &abci.RequestInfo{})
		if i1.LastBlockHeight != h || string(i1.LastBlockAppHash) != string(i2.LastBlockAppHash) || string(i1.LastBlockAppHash) != string(r1.AppHash) {
			t.Fatalf("height %d: Info disagrees: %d %X %X", h, i1.LastBlockHeight, i1.LastBlockAppHash, i2.LastBlockAppHash)
		}
	}
}

func TestQueryProof(t *testing.T) {
	a := newApp(t)
	finalize(t, a, 1, transfer(alice, 0, carol.Addr, pha.Whole(3)))
	finalize(t, a, 2)
	key := balances.AccountKey(carol.Addr)
	res, err := a.Query(context.Background(), &abci.RequestQuery{Path: app.PathStore, Data: key, Height: 1, Prove: true})
	if err != nil || res.Code != 0 {
		t.Fatalf("query: %v %s", err, res.Log)
	}
	if res.Height != 1 || len(res.Value) == 0 || res.ProofOps == nil {
		t.Fatalf("bad response %+v", res)
	}
	var p ics23.CommitmentProof
	if err := p.Unmarshal(res.ProofOps.Ops[0].Data); err != nil {
		t.Fatal(err)
	}
	view, err := a.Store().At(1)
	if err != nil {
		t.Fatal(err)
	}
	if !ics23.VerifyMembership(ics23.IavlSpec, view.Hash(), &p, key, res.Value) {
		t.Fatal("proof does not verify against the root")
	}
	forged := append([]byte(nil), res.Value...)
	forged[0] ^= 1
	if ics23.VerifyMembership(ics23.IavlSpec, view.Hash(), &p, key, forged) {
		t.Fatal("proof verifies a forged value")
	}
	// Absent keys get a non-membership proof.
	absent := balances.AccountKey(apptest.NewAccount(99).Addr)
	res, _ = a.Query(context.Background(), &abci.RequestQuery{Path: app.PathStore, Data: absent, Prove: true})
	if err := p.Unmarshal(res.ProofOps.Ops[0].Data); err != nil {
		t.Fatal(err)
	}
	latest, _ := a.Store().At(0)
	if !ics23.VerifyNonMembership(ics23.IavlSpec, latest.Hash(), &p, absent) {
		t.Fatal("non-membership proof does not verify")
	}
	// A height the store does not hold is a clear error.
	res, _ = a.Query(context.Background(), &abci.RequestQuery{Path: app.PathStore, Data: key, Height: 99})
	if res.Code != tx.ErrNotFound.Code {
		t.Fatalf("future height: %d %s", res.Code, res.Log)
	}
}

func TestRestartKeepsState(t *testing.T) {
	dir := t.TempDir()
	logger := slog.New(slog.DiscardHandler)
	st, err := state.Open(dir, logger)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := app.New(st, logger)
	if _, err := a.InitChain(context.Background(), &abci.RequestInitChain{ChainId: chainID, AppStateBytes: genesis(t), InitialHeight: 1}); err != nil {
		t.Fatal(err)
	}
	res := finalize(t, a, 1, transfer(alice, 0, carol.Addr, pha.Whole(4)))
	st.Close()

	st, err = state.Open(dir, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	b, err := app.New(st, logger)
	if err != nil {
		t.Fatal(err)
	}
	info, _ := b.Info(context.Background(), &abci.RequestInfo{})
	if info.LastBlockHeight != 1 || string(info.LastBlockAppHash) != string(res.AppHash) {
		t.Fatalf("after restart: height %d hash %X, want 1 %X", info.LastBlockHeight, info.LastBlockAppHash, res.AppHash)
	}
	if ck, _ := b.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: transfer(alice, 1, carol.Addr, pha.Whole(1))}); ck.Code != 0 {
		t.Fatalf("check after restart: %s", ck.Log)
	}
}

func TestPendingNonce(t *testing.T) {
	a := newApp(t)
	finalize(t, a, 1)
	pending := func() string {
		res, err := a.Query(context.Background(), &abci.RequestQuery{Path: app.PathPendingNonce + "/" + alice.Addr.String()})
		if err != nil || res.Code != 0 {
			t.Fatalf("pending nonce: %v %s", err, res.Log)
		}
		return string(res.Value)
	}
	if got := pending(); got != "0" {
		t.Fatalf("pending nonce %s, want 0", got)
	}
	for i := uint64(0); i < 2; i++ {
		if res, _ := a.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: transfer(alice, i, bob.Addr, pha.Whole(1))}); res.Code != 0 {
			t.Fatal(res.Log)
		}
	}
	if got := pending(); got != "2" {
		t.Fatalf("pending nonce %s after two admitted txs, want 2", got)
	}
	res, _ := a.Query(context.Background(), &abci.RequestQuery{Path: app.PathPendingNonce + "/not-an-address"})
	if res.Code != tx.ErrInvalidMsg.Code {
		t.Fatalf("bad address: %d %s", res.Code, res.Log)
	}
}
