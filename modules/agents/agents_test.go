package agents_test

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/phalanetwork/phala/chain/app"
	"github.com/phalanetwork/phala/chain/apptest"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/crypto/envelope"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/modules/contracts/contractstest"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/modules/stakepool"
	"github.com/phalanetwork/phala/pha"
)

var owner, alice, bob, op = apptest.NewAccount(1), apptest.NewAccount(2), apptest.NewAccount(3), apptest.NewAccount(4)

func id32(k ed25519.PrivateKey) [32]byte { return contractstest.WorkerID(k) }

type fx struct {
	c          *apptest.Chain
	member     ed25519.PrivateKey
	cluster    [32]byte
	clusterKey ed25519.PrivateKey
	agent      [32]byte
	agentECDH  *ecdh.PrivateKey
}

// setup: a cluster with one member whose key is published, and an agent
// deployed in it with its keys published.
func setup(t *testing.T) *fx {
	c := apptest.New(t, []apptest.Account{owner, alice, bob, op}, map[string]any{
		registry.Name: apptest.SimRegistry(), keys.Name: keys.Genesis{Authority: owner.Addr},
	})
	cl := contractstest.NewCluster(t, c, owner, op, 1)
	f := &fx{c: c, member: cl.Members[0], cluster: cl.ID, clusterKey: cl.Key}
	ckey := cl.Key
	ok := func(code uint32, log string) {
		t.Helper()
		if code != 0 {
			t.Fatal(log)
		}
	}

	code := []byte("export default async function main(req) { return {status: 200, body: 'hi'} }")
	res := c.Deliver(owner, &contracts.MsgUpload{Code: code})
	ok(res.Code, res.Log)
	res = c.Deliver(owner, &agents.MsgDeploy{Code: sha256.Sum256(code), Cluster: f.cluster, Policy: agents.Policy{Kind: agents.PolicyAllowList, Allow: []address.Address{alice.Addr}}, Price: pha.Whole(2)})
	ok(res.Code, res.Log)
	var as []agents.AgentView
	c.Query("/agents/list", &as)
	f.agent = [32]byte(as[0].ID)

	f.agentECDH, _ = ecdh.X25519().GenerateKey(rand.Reader)
	_, sk, _ := ed25519.GenerateKey(rand.Reader)
	p := contracts.PubKeysPayload{Cluster: f.cluster, Entries: []contracts.PubKeyEntry{{Contract: f.agent, Sign: [32]byte(sk.Public().(ed25519.PublicKey)), ECDH: [32]byte(f.agentECDH.PublicKey().Bytes())}}}
	p.Signature = ed25519.Sign(ckey, p.SignBytes(apptest.ChainID))
	res = c.PostMQ(op, f.member, contracts.TopicPubKeys, p.Encode())
	ok(res.Code, res.Log)
	return f
}

func (f *fx) view(t *testing.T) agents.AgentView {
	t.Helper()
	return apptest.MustQuery[agents.AgentView](t, f.c, "/agents/agent/"+hex.EncodeToString(f.agent[:]))
}

func balance(t *testing.T, c *apptest.Chain, a address.Address) pha.Amount {
	t.Helper()
	var r balances.AccountResponse
	c.Query("/balances/account/"+a.String(), &r)
	return r.Balance
}

func TestOwnerOperations(t *testing.T) {
	f := setup(t)
	v := f.view(t)
	if v.Owner != owner.Addr || len(v.ECDHKey) != 32 || v.Price != pha.Whole(2) || len(v.Versions.([]any)) != 1 {
		t.Fatalf("agent %+v", v)
	}
	code2 := []byte("export default async function main(req) { return {status: 200, body: 'v2'} }")
	if res := f.c.Deliver(owner, &contracts.MsgUpload{Code: code2}); res.Code != 0 {
		t.Fatal(res.Log)
	}
	sealed := func(to *ecdh.PublicKey, purpose string) []byte {
		env, _ := envelope.Seal(to, purpose, owner.Addr[:], []byte(`{"API_KEY":"sk-canary"}`))
		return env.Encode()
	}
	other, _ := ecdh.X25519().GenerateKey(rand.Reader)
	first, merged := sealed(f.agentECDH.PublicKey(), envelope.PurposeAgentSecret), sealed(f.agentECDH.PublicKey(), envelope.PurposeAgentSecret)
	noneBase, firstBase := sha256.Sum256(nil), sha256.Sum256(first)
	cases := []struct {
		name  string
		from  apptest.Account
		msg   tx.Msg
		space string
		code  uint32
	}{
		{"stranger pauses", bob, &agents.MsgSetPaused{Agent: f.agent, Paused: true}, agents.Codespace, agents.ErrNotOwner.Code},
		{"unknown agent", owner, &agents.MsgSetPaused{Agent: [32]byte{1}, Paused: true}, agents.Codespace, agents.ErrUnknownAgent.Code},
		{"pause", owner, &agents.MsgSetPaused{Agent: f.agent, Paused: true}, "", 0},
		{"contract policy naming an agent", owner, &agents.MsgSetPolicy{Agent: f.agent, Policy: agents.Policy{Kind: agents.PolicyContract, Contract: f.agent[:]}}, agents.Codespace, agents.ErrBadPolicy.Code},
		{"public", owner, &agents.MsgSetPolicy{Agent: f.agent, Policy: agents.Policy{Kind: agents.PolicyPublic}}, "", 0},
		{"price", owner, &agents.MsgSetPrice{Agent: f.agent, Price: pha.Whole(3)}, "", 0},
		{"upgrade to unknown code", owner, &agents.MsgUpgrade{Agent: f.agent, Code: [32]byte{7}}, contracts.Codespace, contracts.ErrUnknownCode.Code},
		{"upgrade", owner, &agents.MsgUpgrade{Agent: f.agent, Code: sha256.Sum256(code2)}, "", 0},
		{"secrets to another key", owner, &agents.MsgSetSecrets{Agent: f.agent, Envelope: sealed(other.PublicKey(), envelope.PurposeAgentSecret)}, agents.Codespace, agents.ErrBadSecrets.Code},
		{"secrets with another purpose", owner, &agents.MsgSetSecrets{Agent: f.agent, Envelope: sealed(f.agentECDH.PublicKey(), envelope.PurposeQuery)}, agents.Codespace, agents.ErrBadSecrets.Code},
		{"secrets", owner, &agents.MsgSetSecrets{Agent: f.agent, Envelope: first}, "", 0},
		// A merge is stored only on the secrets it was merged from.
		{"merge on replaced secrets", owner, &agents.MsgSetSecrets{Agent: f.agent, Envelope: merged, Base: noneBase[:]}, agents.Codespace, agents.ErrStaleSecrets.Code},
		{"merge", owner, &agents.MsgSetSecrets{Agent: f.agent, Envelope: merged, Base: firstBase[:]}, "", 0},
		{"contracts exec on an agent", alice, &contracts.MsgExec{Contract: f.agent, Envelope: []byte{1}}, contracts.Codespace, contracts.ErrNotContract.Code},
		{"transfer", owner, &agents.MsgTransfer{Agent: f.agent, NewOwner: bob.Addr}, "", 0},
		{"old owner after transfer", owner, &agents.MsgSetPaused{Agent: f.agent}, agents.Codespace, agents.ErrNotOwner.Code},
		// Last: a message that fails its basic checks never uses the nonce
		// the test harness counted for it.
		{"bad policy", bob, &agents.MsgSetPolicy{Agent: f.agent, Policy: agents.Policy{Kind: "everyone"}}, agents.Codespace, agents.ErrBadPolicy.Code},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			apptest.ExpectCode(t, f.c.Deliver(tc.from, tc.msg), tc.space, tc.code)
		})
	}
	if err := (&agents.MsgSetSecrets{Agent: f.agent, Envelope: merged, Base: firstBase[:8]}).ValidateBasic(); !errors.Is(err, tx.ErrMalformed) {
		t.Fatalf("a merge base of 8 bytes: %v, want malformed", err)
	}
	v = f.view(t)
	if v.Owner != bob.Addr || !v.Paused || v.Policy.Kind != agents.PolicyPublic || v.Price != pha.Whole(3) ||
		[32]byte(v.Code) != sha256.Sum256(code2) || !bytes.Equal(v.Secrets, merged) {
		t.Fatalf("after the operations: %+v", v)
	}
}

func TestEscrowKeysAndReceipts(t *testing.T) {
	f := setup(t)
	apptest.ExpectCode(t, f.c.Deliver(alice, &agents.MsgDeposit{Amount: pha.Whole(10), Withdraw: true}), agents.Codespace, agents.ErrEscrow.Code)
	if res := f.c.Deliver(alice, &agents.MsgDeposit{Amount: pha.Whole(10)}); res.Code != 0 {
		t.Fatal(res.Log)
	}
	if res := f.c.Deliver(alice, &agents.MsgDeposit{Amount: pha.Whole(1), Withdraw: true}); res.Code != 0 {
		t.Fatal(res.Log)
	}
	var e agents.EscrowView
	f.c.Query("/agents/escrow/"+alice.Addr.String(), &e)
	if e.Balance != pha.Whole(9) {
		t.Fatalf("escrow %s", e.Balance.PHA())
	}

	// API keys: only the hash is on chain; one account per hash.
	h := sha256.Sum256([]byte("pk-secret-key"))
	if res := f.c.Deliver(alice, &agents.MsgRegisterKey{Hash: h, Agent: f.agent}); res.Code != 0 {
		t.Fatal(res.Log)
	}
	apptest.ExpectCode(t, f.c.Deliver(bob, &agents.MsgRegisterKey{Hash: h}), agents.Codespace, agents.ErrAPIKeyExists.Code)
	apptest.ExpectCode(t, f.c.Deliver(bob, &agents.MsgRevokeKey{Hash: h}), agents.Codespace, agents.ErrUnknownAPIKey.Code)
	apptest.ExpectCode(t, f.c.Deliver(alice, &agents.MsgRegisterKey{Hash: [32]byte{2}, Agent: [32]byte{3}}), agents.Codespace, agents.ErrUnknownAgent.Code)

	// Receipts: price to the owner, network part split treasury/operator,
	// each receipt once.
	ownerBefore, opBefore := balance(t, f.c, owner.Addr), balance(t, f.c, op.Addr)
	var sup balances.SupplyResponse
	f.c.Query("/balances/supply", &sup)
	treasuryBefore := sup.Treasury
	rc := f.call(f.member, 9)
	rc.Tokens, rc.Requests = 2000, 1
	apptest.ExpectCode(t, f.c.PostMQ(op, f.member, agents.TopicReceipts, agents.EncodeReceipts([]agents.Receipt{rc})), "", 0)
	treasury, toOp := networkSplit()
	if got := balance(t, f.c, owner.Addr); got != mustAdd(ownerBefore, pha.Whole(2)) {
		t.Fatalf("owner got %s", got.PHA())
	}
	// The operator relayed the receipt and paid the transaction fee, which
	// goes to the treasury: operator + fee and treasury - fee moved by
	// exactly the two shares.
	f.c.Query("/balances/supply", &sup)
	fee := app.DefaultParams().MinFee
	if got := mustAdd(balance(t, f.c, op.Addr), fee); got != mustAdd(opBefore, toOp) {
		t.Fatalf("operator %s, want %s", got.PHA(), mustAdd(opBefore, toOp).PHA())
	}
	if got := mustSub(sup.Treasury, fee); got != mustAdd(treasuryBefore, treasury) {
		t.Fatalf("treasury %s, want %s", got.PHA(), mustAdd(treasuryBefore, treasury).PHA())
	}
	// The same receipt again (a worker re-posting after a crash) is
	// skipped, not paid, and does not cost the worker its mq slot.
	if got := settledCounts(t, f.c.PostMQ(op, f.member, agents.TopicReceipts, agents.EncodeReceipts([]agents.Receipt{rc}))); got != [3]int{0, 1, 0} {
		t.Fatalf("a repeated receipt: settled, duplicates, expired = %v", got)
	}
	if v := f.view(t); v.Calls != 1 || v.Fees != pha.Whole(2) {
		t.Fatalf("agent counters %+v", v.Agent)
	}
	// A receipt beyond the escrow pays what is there.
	f.c.Query("/agents/escrow/"+alice.Addr.String(), &e)
	apptest.ExpectCode(t, f.c.Deliver(alice, &agents.MsgDeposit{Amount: mustSub(e.Balance, pha.Whole(1)), Withdraw: true}), "", 0)
	big := f.call(f.member, 10)
	apptest.ExpectCode(t, f.c.PostMQ(op, f.member, agents.TopicReceipts, agents.EncodeReceipts([]agents.Receipt{big})), "", 0)
	f.c.Query("/agents/escrow/"+alice.Addr.String(), &e)
	if !e.Balance.IsZero() {
		t.Fatalf("escrow after an oversize receipt: %s", e.Balance.PHA())
	}
	// Only registered workers post receipts; malformed batches are refused.
	apptest.ExpectCode(t, f.c.PostMQ(op, f.member, agents.TopicReceipts, []byte{0}), agents.Codespace, agents.ErrBadReceipt.Code)
}

// networkSplit is the network part of a receipt for 2,000 tokens and one
// request under the default params: the treasury's share and the rest.
func networkSplit() (treasury, rest pha.Amount) {
	p := agents.DefaultParams()
	network := p.CallFee
	network, _ = network.Add(pha.Units(2 * p.TokenFee.Big().Uint64()))
	network, _ = network.Add(p.RequestFee)
	treasury, _ = network.MulDiv(pha.Units(p.TreasuryBps), pha.Units(10_000))
	rest, _ = network.Sub(treasury)
	return treasury, rest
}

func mustAdd(a, b pha.Amount) pha.Amount { s, _ := a.Add(b); return s }
func mustSub(a, b pha.Amount) pha.Amount { s, _ := a.Sub(b); return s }

// TestReceiptsPayThePool: the network part's non-treasury share of a
// worker in a stake pool goes to the pool as a reward (commission to the
// pool owner, the rest raising the share price), not to the operator.
func TestReceiptsPayThePool(t *testing.T) {
	f := setup(t)
	if res := f.c.Deliver(op, &stakepool.MsgCreate{CommissionBps: 1000}); res.Code != 0 {
		t.Fatal(res.Log)
	}
	if res := f.c.Deliver(op, &stakepool.MsgAddWorker{Pool: 1, Worker: registry.WorkerID(id32(f.member))}); res.Code != 0 {
		t.Fatal(res.Log)
	}
	if res := f.c.Deliver(bob, &stakepool.MsgContribute{Pool: 1, Amount: pha.Whole(100)}); res.Code != 0 {
		t.Fatal(res.Log)
	}
	if res := f.c.Deliver(alice, &agents.MsgDeposit{Amount: pha.Whole(10)}); res.Code != 0 {
		t.Fatal(res.Log)
	}
	opBefore := balance(t, f.c, op.Addr)
	rc := f.call(f.member, 7)
	rc.Tokens, rc.Requests = 2000, 1
	apptest.ExpectCode(t, f.c.PostMQ(op, f.member, agents.TopicReceipts, agents.EncodeReceipts([]agents.Receipt{rc})), "", 0)
	_, toPool := networkSplit()
	commission, _ := toPool.MulDiv(pha.Units(1000), pha.Units(10_000))
	holders, _ := toPool.Sub(commission)
	pool, ok := (stakepool.Keeper{}).Pool(f.c.App.Store(), 1)
	if !ok || pool.Rewards != holders || pool.OwnerRewards != commission || pool.FreeStake != mustAdd(pha.Whole(100), holders) {
		t.Fatalf("pool %+v, want rewards %s and commission %s", pool, holders, commission)
	}
	// The operator (also the pool owner) got only the commission, less
	// the relay's fee.
	fee := app.DefaultParams().MinFee
	if got := mustAdd(balance(t, f.c, op.Addr), fee); got != mustAdd(opBefore, commission) {
		t.Fatalf("operator %s, want %s", got.PHA(), mustAdd(opBefore, commission).PHA())
	}
	if toPool.IsZero() || commission.IsZero() {
		t.Fatal("test needs a positive network fee")
	}
}
