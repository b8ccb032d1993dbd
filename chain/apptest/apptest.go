// Package apptest drives the real ABCI app in memory for module tests:
// genesis with funded accounts, signed transactions, blocks with hashes
// and times, and the supply invariant checked after every block.
package apptest

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanetwork/phala/chain/app"
	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/pha"
)

// ChainID of every test chain.
const ChainID = "apptest"

// Account is a funded test account.
type Account struct {
	Key  ed25519.PrivateKey
	Addr address.Address
}

// NewAccount derives an account from a seed byte.
func NewAccount(seed byte) Account {
	s := make([]byte, ed25519.SeedSize)
	s[0], s[1] = seed, 0xa7
	k := ed25519.NewKeyFromSeed(s)
	return Account{Key: k, Addr: address.FromPubKey(k.Public().(ed25519.PublicKey))}
}

// Chain is an app at some height.
type Chain struct {
	t        testing.TB
	App      *app.App
	Height   int64
	Time     time.Time
	AppState []byte
	nonces   map[address.Address]uint64
	mqSeq    map[[32]byte]uint64
}

// New starts a chain whose genesis funds accounts with 1,000,000 PHA each
// and adds the given module sections.
func New(t testing.TB, accounts []Account, sections map[string]any) *Chain {
	t.Helper()
	c, err := Start(t, accounts, sections)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Start is New that returns the error InitChain gave, for tests of a
// module's genesis checks.
func Start(t testing.TB, accounts []Account, sections map[string]any) (*Chain, error) {
	t.Helper()
	byName := map[string]address.Address{}
	var names []string
	for i, a := range accounts {
		n := fmt.Sprintf("acct%d", i)
		byName[n] = a.Addr
		names = append(names, n)
	}
	bal, err := balances.DefaultGenesis(byName, names, pha.Whole(1_000_000))
	if err != nil {
		t.Fatal(err)
	}
	all := map[string]any{balances.Name: bal}
	for k, v := range sections {
		all[k] = v
	}
	gs, err := app.NewGenesisState(app.DefaultParams(), all)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(gs)
	a, err := app.New(state.OpenMemory(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	if _, err := a.InitChain(context.Background(), &abci.RequestInitChain{ChainId: ChainID, AppStateBytes: raw, InitialHeight: 1, Time: start}); err != nil {
		return nil, err
	}
	return &Chain{t: t, App: a, Time: start, AppState: raw, nonces: map[address.Address]uint64{}}, nil
}

// BlockHash is the hash the chain gives block h (tests make it up; the
// app records whatever CometBFT passes).
func BlockHash(h int64) []byte {
	sum := sha256.Sum256([]byte(fmt.Sprint("apptest-block-", h)))
	return sum[:]
}

// Fee is what every transaction Tx signs pays: the default minimum fee.
func Fee() pha.Amount { return app.DefaultParams().MinFee }

// Tx signs msgs from a with the next nonce.
func (c *Chain) Tx(a Account, msgs ...tx.Msg) []byte {
	t := &tx.Tx{ChainID: ChainID, Nonce: c.nonces[a.Addr], Fee: Fee(), Msgs: msgs}
	c.nonces[a.Addr]++
	t.Sign(a.Key)
	return t.Encode()
}

// Block finalizes and commits the next block with txs (one second after the
// last) and returns the results.
func (c *Chain) Block(txs ...[]byte) []*abci.ExecTxResult {
	c.t.Helper()
	c.Height++
	c.Time = c.Time.Add(time.Second)
	res, err := c.App.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Height: c.Height, Hash: BlockHash(c.Height), Time: c.Time, Txs: txs})
	if err != nil {
		c.t.Fatal(err)
	}
	if _, err := c.App.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
		c.t.Fatal(err)
	}
	// The app checks each block by what it wrote; the full scan checks
	// that too.
	if _, err := app.CheckSupply(c.App.Store(), c.Height); err != nil {
		c.t.Fatal(err)
	}
	return res.TxResults
}

// ExpectHalt finalizes the next block (without committing it) and fails t
// unless FinalizeBlock returns an error that contains every one of want:
// how the app must stop on a damaged store, rather than panic or go on.
func (c *Chain) ExpectHalt(t testing.TB, want ...string) {
	t.Helper()
	var (
		err      error
		panicked any
	)
	func() {
		defer func() { panicked = recover() }()
		_, err = c.App.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Height: c.Height + 1, Hash: BlockHash(c.Height + 1), Time: c.Time.Add(time.Second)})
	}()
	if panicked != nil || err == nil {
		t.Fatalf("block %d: err %v, panic %v; want a halt naming %q", c.Height+1, err, panicked, want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Fatalf("block %d halted with %q, which does not name %q", c.Height+1, err, w)
		}
	}
}

// Deliver runs one tx from a in its own block and returns its result.
func (c *Chain) Deliver(a Account, msgs ...tx.Msg) *abci.ExecTxResult {
	c.t.Helper()
	return c.Block(c.Tx(a, msgs...))[0]
}

// Check runs CheckTx on raw.
func (c *Chain) Check(raw []byte) *abci.ResponseCheckTx {
	res, err := c.App.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: raw})
	if err != nil {
		c.t.Fatal(err)
	}
	return res
}

// Query runs an app query at the latest height and decodes the JSON answer.
func (c *Chain) Query(path string, out any) *abci.ResponseQuery {
	c.t.Helper()
	res, err := c.App.Query(context.Background(), &abci.RequestQuery{Path: path})
	if err != nil {
		c.t.Fatal(err)
	}
	if res.Code == 0 && out != nil {
		if err := json.Unmarshal(res.Value, out); err != nil {
			c.t.Fatal(err)
		}
	}
	return res
}

// MustQuery runs an app query that must succeed and decodes its answer
// into a T.
func MustQuery[T any](t testing.TB, c *Chain, path string) T {
	t.Helper()
	var out T
	if res := c.Query(path, &out); res.Code != 0 {
		t.Fatalf("query %s: %s", path, res.Log)
	}
	return out
}

// ExpectCode fails unless res has the given codespace and code.
func ExpectCode(t testing.TB, res *abci.ExecTxResult, codespace string, code uint32) {
	t.Helper()
	if res.Codespace != codespace || res.Code != code {
		t.Fatalf("got %s/%d %q, want %s/%d", res.Codespace, res.Code, res.Log, codespace, code)
	}
}

// PostMQ relays a message signed by worker key from through relayer's
// account, with the next sequence of that origin if the chain accepts it.
func (c *Chain) PostMQ(relayer Account, from ed25519.PrivateKey, topic string, payload []byte) *abci.ExecTxResult {
	c.t.Helper()
	var id [32]byte
	copy(id[:], from.Public().(ed25519.PublicKey))
	if c.mqSeq == nil {
		c.mqSeq = map[[32]byte]uint64{}
	}
	m := mq.SignedMessage{Origin: mq.Origin{Kind: mq.OriginWorker, ID: id}, Topic: topic, Payload: payload, Sequence: c.mqSeq[id]}
	m.Sign(ChainID, from)
	res := c.Deliver(relayer, &mq.MsgPush{Message: m})
	if res.Code == 0 {
		c.mqSeq[id]++
	}
	return MQResult(res)
}

// MQResult reports a message that used its slot but was refused by its
// topic's module (an mq_refused event) as a result with the module's code
// and error, so tests check refusals the same way for every origin.
func MQResult(res *abci.ExecTxResult) *abci.ExecTxResult {
	for _, e := range res.Events {
		if e.Type != mq.EventRefused {
			continue
		}
		out := *res
		for _, a := range e.Attributes {
			switch a.Key {
			case mq.AttrCodespace:
				out.Codespace = a.Value
			case mq.AttrCode:
				code, _ := strconv.ParseUint(a.Value, 10, 32)
				out.Code = uint32(code)
			case mq.AttrError:
				out.Log = a.Value
			}
		}
		return &out
	}
	return res
}

// PostMQFrom relays a message from any origin, signed by key, with sequence
// seq.
func (c *Chain) PostMQFrom(relayer Account, origin mq.Origin, key ed25519.PrivateKey, seq uint64, topic string, payload []byte) *abci.ExecTxResult {
	c.t.Helper()
	m := mq.SignedMessage{Origin: origin, Topic: topic, Payload: payload, Sequence: seq}
	m.Sign(ChainID, key)
	return MQResult(c.Deliver(relayer, &mq.MsgPush{Message: m}))
}

// GenesisHash is the genesis hash the chain recorded in InitChain (it
// starts with no validators of its own).
func (c *Chain) GenesisHash() [32]byte {
	return module.GenesisHash(module.ChainGenesis{ChainID: ChainID, InitialHeight: 1, AppState: c.AppState})
}
