package bindings_test

import (
	"context"
	"crypto/rand"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/evm/anchorsig"
	"github.com/phalanetwork/phala/evm/bindings"
	"github.com/phalanetwork/phala/evm/devchain"
)

// fixture is a PriceOracle deployed on a fresh dev chain, trusting a
// master EVM key of generation 0, with one answer key authorized for its
// agent.
type fixture struct {
	t         *testing.T
	ctx       context.Context
	ec        *ethclient.Client
	chain     *devchain.Chain
	chainID   *big.Int
	oracle    *bindings.PriceOracle
	addr      common.Address
	agent     [32]byte
	master    *secp256k1.PrivateKey
	answerKey *secp256k1.PrivateKey
	deployer  *bind.TransactOpts
	relayer   *bind.TransactOpts
	requester *bind.TransactOpts
	// payloads[id] is the keccak256 of request id's payload, which an
	// answer signs and names.
	payloads map[string][32]byte
}

func randKey(t *testing.T, label string) *secp256k1.PrivateKey {
	t.Helper()
	secret := make([]byte, 32)
	rand.Read(secret)
	k, err := anchorsig.DeriveKey(secret, label)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	chain, err := devchain.Start(ctx, devchain.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { chain.Stop() })
	ec, err := ethclient.DialContext(ctx, chain.RPCURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ec.Close)
	f := &fixture{t: t, ctx: ctx, ec: ec, chain: chain, chainID: big.NewInt(devchain.ChainID), payloads: map[string][32]byte{}}
	f.deployer, f.relayer, f.requester = f.opts("deployer"), f.opts("relayer"), f.opts("requester")
	rand.Read(f.agent[:])
	f.master = randKey(t, anchorsig.LabelMasterKey)
	f.answerKey = randKey(t, anchorsig.LabelAnswerKey)
	addr, tx, oracle, err := bindings.DeployPriceOracle(f.deployer, ec, anchorsig.Address(f.master), 0, f.agent)
	if err != nil {
		t.Fatalf("deploy PriceOracle: %v", err)
	}
	f.mined(tx)
	f.addr, f.oracle = addr, oracle
	f.authorize(f.answerKey, f.master, 0)
	return f
}

func (f *fixture) opts(name string) *bind.TransactOpts {
	a, ok := f.chain.Account(name)
	if !ok {
		f.t.Fatalf("no dev account %s", name)
	}
	o, err := bind.NewKeyedTransactorWithChainID(a.Key, f.chainID)
	if err != nil {
		f.t.Fatal(err)
	}
	o.Context = f.ctx
	return o
}

// mined waits for tx's receipt and fails the test if tx reverted. It polls
// every 50 ms: bind.WaitMined polls once a second, as long as the dev
// chain's blocks, which made each transaction wait about half a second
// more. Like WaitMined it asks again after any error: a fresh chain
// answers "transaction indexing is in progress" for a while.
func (f *fixture) mined(tx *types.Transaction) *types.Receipt {
	f.t.Helper()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		r, err := f.ec.TransactionReceipt(f.ctx, tx.Hash())
		if err == nil {
			if r.Status != types.ReceiptStatusSuccessful {
				f.t.Fatalf("tx %s reverted", tx.Hash())
			}
			return r
		}
		select {
		case <-f.ctx.Done():
			f.t.Fatalf("wait for %s: %v (last answer: %v)", tx.Hash(), f.ctx.Err(), err)
		case <-tick.C:
		}
	}
}

// authorize has signer (a master EVM key of gen) authorize key for the
// agent.
func (f *fixture) authorize(key, signer *secp256k1.PrivateKey, gen uint64) error {
	k := anchorsig.Address(key)
	sig := anchorsig.Sign(signer, anchorsig.AuthorizeDigest(f.chainID, f.addr, f.agent, k, gen))
	tx, err := f.oracle.AuthorizeKey(f.relayer, f.agent, k, gen, sig)
	if err == nil {
		f.mined(tx)
	}
	return err
}

// ask makes a request about pair paying payment, answerable for blocks
// blocks; it returns the request id.
func (f *fixture) ask(pair string, blocks uint64, payment *big.Int) *big.Int {
	f.t.Helper()
	o := *f.requester
	o.Value = payment
	tx, err := f.oracle.Ask(&o, pair, blocks)
	if err != nil {
		f.t.Fatalf("ask: %v", err)
	}
	r := f.mined(tx)
	for _, l := range r.Logs {
		if ev, err := f.oracle.ParseAgentRequest(*l); err == nil {
			f.payloads[ev.Id.String()] = agentio.Keccak256(ev.Payload)
			return ev.Id
		}
	}
	f.t.Fatal("ask: no AgentRequest event")
	return nil
}

// answer submits result to id signed by key, as the relayer.
func (f *fixture) answer(id *big.Int, result string, key *secp256k1.PrivateKey) error {
	return f.submit(id, result, f.sign(key, id, result))
}

// sign signs result to id, computed on id's payload, for the relayer.
func (f *fixture) sign(key *secp256k1.PrivateKey, id *big.Int, result string) []byte {
	return anchorsig.Sign(key, anchorsig.AnswerDigest(f.chainID, f.addr, id, f.payloads[id.String()], []byte(result), f.relayer.From))
}

func (f *fixture) submit(id *big.Int, result string, sig []byte) error {
	return f.submitAs(f.relayer, id, result, sig)
}

func (f *fixture) submitAs(from *bind.TransactOpts, id *big.Int, result string, sig []byte) error {
	return f.submitOn(from, id, f.payloads[id.String()], result, sig)
}

// submitOn submits result to id as computed on the payload whose hash is
// payloadHash.
func (f *fixture) submitOn(from *bind.TransactOpts, id *big.Int, payloadHash [32]byte, result string, sig []byte) error {
	tx, err := f.oracle.Answer(from, id, payloadHash, []byte(result), sig)
	if err == nil {
		f.mined(tx)
	}
	return err
}

// revertName is the name of the anchor's custom error err carries, from
// the revert data geth returns with a refused call.
func revertName(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var de rpc.DataError
	if !errors.As(err, &de) {
		t.Fatalf("not a revert: %v", err)
	}
	s, _ := de.ErrorData().(string)
	data, derr := hexutil.Decode(s)
	if derr != nil || len(data) < 4 {
		t.Fatalf("revert without data: %v", err)
	}
	parsed, perr := abi.JSON(strings.NewReader(bindings.PriceOracleMetaData.ABI))
	if perr != nil {
		t.Fatal(perr)
	}
	for name, e := range parsed.Errors {
		if [4]byte(e.ID[:4]) == [4]byte(data[:4]) {
			return name
		}
	}
	t.Fatalf("unknown revert %x: %v", data, err)
	return ""
}

func wantRefused(t *testing.T, err error, check string) {
	t.Helper()
	if got := revertName(t, err); got != check {
		t.Fatalf("refusal = %q (%v), want %s", got, err, check)
	}
}

func TestAnchorAnswerLands(t *testing.T) {
	t.Parallel() // a dev chain of its own each; they mostly wait for blocks
	f := newFixture(t)
	pay := big.NewInt(1e15)
	id := f.ask("ETH/USD", 20, pay)
	before, _ := f.ec.BalanceAt(f.ctx, f.relayer.From, nil)
	if err := f.answer(id, "3120.55", f.answerKey); err != nil {
		t.Fatalf("answer: %v", err)
	}
	got, err := f.oracle.Latest(&bind.CallOpts{Context: f.ctx}, "ETH/USD")
	if err != nil || string(got) != "3120.55" {
		t.Fatalf("latest = %q, %v; want 3120.55", got, err)
	}
	after, _ := f.ec.BalanceAt(f.ctx, f.relayer.From, nil)
	// The relayer paid gas but got the payment, which is more here.
	if after.Cmp(before) <= 0 {
		t.Fatalf("relayer not paid: %s -> %s", before, after)
	}
}

// TestRedTeamUnauthorizedKey: a host with a key of its own (not one the
// master EVM key authorized) signs an answer, and tries to authorize its
// key by signing the authorization itself.
func TestRedTeamUnauthorizedKey(t *testing.T) {
	t.Parallel() // a dev chain of its own each; they mostly wait for blocks
	f := newFixture(t)
	id := f.ask("ETH/USD", 20, nil)
	rogue := randKey(t, "rogue")
	wantRefused(t, f.answer(id, "1.00", rogue), "UnauthorizedSigner")
	wantRefused(t, f.authorize(rogue, rogue, 0), "BadMasterSignature")
	// An answer key authorized for another agent does not answer this one.
	other := *f
	rand.Read(other.agent[:])
	if err := other.authorize(rogue, f.master, 0); err != nil {
		t.Fatalf("authorize for another agent: %v", err)
	}
	wantRefused(t, f.answer(id, "1.00", rogue), "UnauthorizedSigner")
	if err := f.answer(id, "3000", f.answerKey); err != nil {
		t.Fatalf("the authorized answer after the refusals: %v", err)
	}
}

// TestRedTeamReplay: a relayer replays a signed answer of one request to
// another request, and to another anchor.
func TestRedTeamReplay(t *testing.T) {
	t.Parallel() // a dev chain of its own each; they mostly wait for blocks
	f := newFixture(t)
	id1 := f.ask("ETH/USD", 20, nil)
	id2 := f.ask("ETH/USD", 20, nil)
	sig := f.sign(f.answerKey, id1, "3000")
	if err := f.submit(id1, "3000", sig); err != nil {
		t.Fatalf("answer 1: %v", err)
	}
	wantRefused(t, f.submit(id1, "3000", sig), "NotPending")
	wantRefused(t, f.submit(id2, "3000", sig), "UnauthorizedSigner")
	// The same answer signed for another anchor's request of the same id.
	forged := anchorsig.Sign(f.answerKey, anchorsig.AnswerDigest(f.chainID, common.Address{1}, id2, f.payloads[id2.String()], []byte("9"), f.relayer.From))
	wantRefused(t, f.submit(id2, "9", forged), "UnauthorizedSigner")
	// A result changed after signing.
	sig2 := f.sign(f.answerKey, id2, "3000")
	wantRefused(t, f.submit(id2, "9000", sig2), "UnauthorizedSigner")
}

// TestRedTeamEditedPayload: a host reads a request about ETH/USD and has
// the answer key sign an answer computed on BTC/USD under its id. The
// anchor refuses it whether the host names the payload the key signed
// (PayloadMismatch) or the request's (the signature then recovers to
// another key), and the answer on the request's own payload lands.
func TestRedTeamEditedPayload(t *testing.T) {
	t.Parallel() // a dev chain of its own each; they mostly wait for blocks
	f := newFixture(t)
	id := f.ask("ETH/USD", 20, nil)
	edited := agentio.Keccak256([]byte("BTC/USD"))
	sig := anchorsig.Sign(f.answerKey, anchorsig.AnswerDigest(f.chainID, f.addr, id, edited, []byte("BTC/USD:97000.50"), f.relayer.From))
	wantRefused(t, f.submitOn(f.relayer, id, edited, "BTC/USD:97000.50", sig), "PayloadMismatch")
	wantRefused(t, f.submit(id, "BTC/USD:97000.50", sig), "UnauthorizedSigner")
	if err := f.answer(id, "ETH/USD:3150.25", f.answerKey); err != nil {
		t.Fatalf("the answer on the request's payload: %v", err)
	}
}

// TestRedTeamFrontRun: another account copies the relayer's signed answer
// from the mempool and submits it first to collect the payment.
func TestRedTeamFrontRun(t *testing.T) {
	t.Parallel() // a dev chain of its own each; they mostly wait for blocks
	f := newFixture(t)
	id := f.ask("ETH/USD", 20, big.NewInt(1e15))
	sig := f.sign(f.answerKey, id, "3000")
	wantRefused(t, f.submitAs(f.opts("relayer2"), id, "3000", sig), "UnauthorizedSigner")
	if err := f.submit(id, "3000", sig); err != nil {
		t.Fatalf("the relayer's own answer: %v", err)
	}
}

// TestRedTeamLateAnswer: an answer after the request's deadline is
// refused and the requester gets the payment back.
func TestRedTeamLateAnswer(t *testing.T) {
	t.Parallel() // a dev chain of its own each; they mostly wait for blocks
	f := newFixture(t)
	pay := big.NewInt(1e15)
	id := f.ask("ETH/USD", 1, pay)
	wantRefused(t, f.refund(id), "NotExpired")
	f.waitBlocks(2)
	wantRefused(t, f.answer(id, "3000", f.answerKey), "PastDeadline")
	if err := f.refund(id); err != nil {
		t.Fatalf("refund: %v", err)
	}
	wantRefused(t, f.refund(id), "NotPending")
	wantRefused(t, f.answer(id, "3000", f.answerKey), "NotPending")
}

// TestRedTeamSecondAnswer: a second answer to an answered request (a
// different result, validly signed, as a second member would submit) is
// refused and the first stays.
func TestRedTeamSecondAnswer(t *testing.T) {
	t.Parallel() // a dev chain of its own each; they mostly wait for blocks
	f := newFixture(t)
	id := f.ask("BTC/USD", 20, nil)
	if err := f.answer(id, "90000", f.answerKey); err != nil {
		t.Fatalf("first answer: %v", err)
	}
	wantRefused(t, f.answer(id, "1", f.answerKey), "NotPending")
	got, _ := f.oracle.Answers(&bind.CallOpts{Context: f.ctx}, id)
	if string(got) != "90000" {
		t.Fatalf("answer = %q, want the first", got)
	}
}

// TestAnchorRotation: the old master EVM key hands over to the next
// generation's; answer keys of the old generation stop counting until the
// new master authorizes the new ones; a rotation not signed by the current
// master is refused.
func TestAnchorRotation(t *testing.T) {
	t.Parallel() // a dev chain of its own each; they mostly wait for blocks
	f := newFixture(t)
	next := randKey(t, anchorsig.LabelMasterKey)
	rogue := randKey(t, "rogue")
	nextAddr := anchorsig.Address(next)
	forged := anchorsig.Sign(rogue, anchorsig.RotateDigest(f.chainID, f.addr, nextAddr, 1))
	_, err := f.oracle.RotateMaster(f.relayer, nextAddr, 1, forged)
	wantRefused(t, err, "BadMasterSignature")
	sig := anchorsig.Sign(f.master, anchorsig.RotateDigest(f.chainID, f.addr, nextAddr, 1))
	tx, err := f.oracle.RotateMaster(f.relayer, nextAddr, 1, sig)
	if err != nil {
		t.Fatalf("rotate: %v", err)
	}
	f.mined(tx)
	_, err = f.oracle.RotateMaster(f.relayer, nextAddr, 1, sig)
	wantRefused(t, err, "BadGeneration")
	id := f.ask("ETH/USD", 20, nil)
	wantRefused(t, f.answer(id, "3000", f.answerKey), "UnauthorizedSigner")
	wantRefused(t, f.authorize(f.answerKey, f.master, 1), "BadMasterSignature")
	newKey := randKey(t, anchorsig.LabelAnswerKey)
	if err := f.authorize(newKey, next, 1); err != nil {
		t.Fatalf("authorize under generation 1: %v", err)
	}
	if err := f.answer(id, "3000", newKey); err != nil {
		t.Fatalf("answer after rotation: %v", err)
	}
}

func (f *fixture) refund(id *big.Int) error {
	tx, err := f.oracle.Refund(f.requester, id)
	if err == nil {
		f.mined(tx)
	}
	return err
}

// waitBlocks waits until n more blocks are sealed.
func (f *fixture) waitBlocks(n uint64) {
	f.t.Helper()
	start, err := f.ec.BlockNumber(f.ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	// Plain HTTP JSON-RPC has no head subscription: poll the height.
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		h, err := f.ec.BlockNumber(f.ctx)
		if err != nil {
			f.t.Fatal(err)
		}
		if h >= start+n {
			return
		}
		select {
		case <-f.ctx.Done():
			f.t.Fatal("no new block")
		case <-tick.C:
		}
	}
}

// TestDigestMatchesContract: the answer digest anchorsig signs is the one
// the deployed anchor computes.
func TestDigestMatchesContract(t *testing.T) {
	t.Parallel() // a dev chain of its own each; they mostly wait for blocks
	f := newFixture(t)
	id := big.NewInt(7)
	ph := agentio.Keccak256([]byte("ETH/USD"))
	got, err := f.oracle.AnswerDigest(&bind.CallOpts{Context: f.ctx}, id, ph, []byte("3120.55"), f.relayer.From)
	if err != nil {
		t.Fatal(err)
	}
	if want := anchorsig.AnswerDigest(f.chainID, f.addr, id, ph, []byte("3120.55"), f.relayer.From); got != want {
		t.Fatalf("contract digest %x, anchorsig %x", got, want)
	}
}
