package agents_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"
	"time"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/chain/apptest"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
)

// signedReceipt is the receipt a worker posts for hop of a call signed by
// a for agent root, served by worker at time at.
func signedReceipt(a apptest.Account, root, agent [32]byte, worker ed25519.PrivateKey, hop uint32, at time.Time) agents.Receipt {
	rh := agentio.RequestHash(http.MethodPost, "/agents/x/", http.Header{}, []byte{byte(hop)})
	s := agentio.SignedRequest{Caller: a.Key.Public().(ed25519.PublicKey), Worker: id32(worker), Request: rh, Timestamp: at.UnixMilli()}
	s.Signature = ed25519.Sign(a.Key, agentio.RequestSignBytes(apptest.ChainID, root, s.Worker, rh, s.Timestamp))
	return agents.Receipt{Agent: agent, Root: root, Hop: hop, Caller: a.Addr, Request: agents.HopID(s.ID(apptest.ChainID, root), hop),
		Backing: agents.BackingSigned, Signed: s, Issued: s.Timestamp}
}

// call is a signed receipt of the call itself to f's agent by alice.
func (f *fx) call(worker ed25519.PrivateKey, salt byte) agents.Receipt {
	return signedReceipt(alice, f.agent, f.agent, worker, 0, f.c.Time.Add(time.Duration(salt)*time.Millisecond))
}

func escrowOf(t *testing.T, f *fx) agents.EscrowView {
	t.Helper()
	var e agents.EscrowView
	f.c.Query("/agents/escrow/"+alice.Addr.String(), &e)
	return e
}

func (f *fx) post(worker ed25519.PrivateKey, rs ...agents.Receipt) (code uint32, log string) {
	res := f.c.PostMQ(op, worker, agents.TopicReceipts, agents.EncodeReceipts(rs))
	return res.Code, res.Log
}

// TestRedTeamReceiptRefusals: receipts no honest worker posts are each
// refused with their own code, the escrow is unchanged, and the worker's
// later honest receipts still settle.
func TestRedTeamReceiptRefusals(t *testing.T) {
	f := setup(t)
	apptest.ExpectCode(t, f.c.Deliver(alice, &agents.MsgDeposit{Amount: pha.Whole(10)}), "", 0)
	outsider := f.c.RegisterSimWorker(t, op)
	over := f.call(f.member, 1)
	over.Tokens = agents.DefaultParams().MaxReceiptTokens + 1
	overReq := f.call(f.member, 2)
	overReq.Requests = agents.DefaultParams().MaxReceiptRequests + 1
	bobPays := signedReceipt(alice, f.agent, f.agent, f.member, 0, f.c.Time)
	bobPays.Caller = bob.Addr
	forged := f.call(f.member, 3)
	forged.Signed.Signature[0] ^= 1
	moved := f.call(f.member, 4)
	moved.Request[0] ^= 1
	unbacked := f.call(f.member, 5)
	unbacked.Backing, unbacked.APIKey = agents.BackingAPIKey, sha256.Sum256([]byte("nobody's key"))
	for _, tc := range []struct {
		name   string
		worker ed25519.PrivateKey
		rc     agents.Receipt
		code   uint32
	}{
		{"a worker of no cluster", outsider, f.call(outsider, 6), agents.ErrNotMember.Code},
		{"a later epoch than the cluster's", f.member, func() agents.Receipt { r := f.call(f.member, 7); r.Epoch = 9; return r }(), agents.ErrNotMember.Code},
		{"tokens over the bound", f.member, over, agents.ErrReceiptBounds.Code},
		{"outbound requests over the bound", f.member, overReq, agents.ErrReceiptBounds.Code},
		{"billed to another account than the signer", f.member, bobPays, agents.ErrNotBacked.Code},
		{"a forged caller signature", f.member, forged, agents.ErrNotBacked.Code},
		{"an id not derived from the request", f.member, moved, agents.ErrNotBacked.Code},
		{"an API key never registered", f.member, unbacked, agents.ErrKeyBacking.Code},
	} {
		// The bad receipt rides behind an honest one: the whole batch goes.
		code, log := f.post(tc.worker, f.call(f.member, 100), tc.rc)
		if code != tc.code {
			t.Fatalf("%s: code %d (%s), want %d", tc.name, code, log, tc.code)
		}
		if e := escrowOf(t, f); e.Balance != pha.Whole(10) {
			t.Fatalf("%s: escrow %s after a refused batch", tc.name, e.Balance.PHA())
		}
	}
	if code, log := f.post(f.member, f.call(f.member, 100)); code != 0 {
		t.Fatalf("the worker's next honest receipt: %s", log)
	}
	if v := f.view(t); v.Calls != 1 {
		t.Fatalf("agent calls %d after one honest receipt", v.Calls)
	}
}

// TestRedTeamAPIKeyBacking: an API-key receipt settles only while the key
// is the payer's, unexpired and scoped to the agent.
func TestRedTeamAPIKeyBacking(t *testing.T) {
	f := setup(t)
	apptest.ExpectCode(t, f.c.Deliver(alice, &agents.MsgDeposit{Amount: pha.Whole(10)}), "", 0)
	mine, scoped, old := sha256.Sum256([]byte("k1")), sha256.Sum256([]byte("k2")), sha256.Sum256([]byte("k3"))
	apptest.ExpectCode(t, f.c.Deliver(alice, &agents.MsgRegisterKey{Hash: mine}), "", 0)
	apptest.ExpectCode(t, f.c.Deliver(alice, &agents.MsgRegisterKey{Hash: scoped, Agent: [32]byte(f.agent)}), "", 0)
	apptest.ExpectCode(t, f.c.Deliver(alice, &agents.MsgRegisterKey{Hash: old, Expires: f.c.Height + 1}), "", 0)
	keyed := func(k [32]byte, root [32]byte, payer apptest.Account, n byte) agents.Receipt {
		return agents.Receipt{Agent: root, Root: root, Caller: payer.Addr, Request: [32]byte{n}, Backing: agents.BackingAPIKey, APIKey: k, Issued: f.c.Time.UnixMilli()}
	}
	if code, log := f.post(f.member, keyed(mine, f.agent, bob, 1)); code != agents.ErrKeyBacking.Code {
		t.Fatalf("alice's key billed to bob: %d %s", code, log)
	}
	if code, log := f.post(f.member, keyed(scoped, [32]byte{}, alice, 2)); code != agents.ErrKeyBacking.Code {
		t.Fatalf("a scoped key billed for the router: %d %s", code, log)
	}
	if code, log := f.post(f.member, keyed(old, f.agent, alice, 3)); code != agents.ErrKeyBacking.Code {
		t.Fatalf("an expired key: %d %s", code, log)
	}
	if code, log := f.post(f.member, keyed(scoped, f.agent, alice, 4), keyed(mine, f.agent, alice, 5)); code != 0 {
		t.Fatalf("good keys: %s", log)
	}
}

// TestRedTeamWithdrawHeld: a worker's hold sets funds aside; withdrawing
// them is refused until the receipt settles against the hold (paying the
// owner) or the hold ends.
func TestRedTeamWithdrawHeld(t *testing.T) {
	f := setup(t)
	apptest.ExpectCode(t, f.c.Deliver(alice, &agents.MsgDeposit{Amount: pha.Whole(10)}), "", 0)
	price := pha.Whole(3) // price 2 + call fee 0.001, rounded up to whole PHA
	apptest.ExpectCode(t, f.c.PostMQ(op, f.member, agents.TopicHold, agents.EncodeHoldRequest(agents.HoldRequest{Caller: alice.Addr, Amount: price, Nonce: 1})), "", 0)
	if e := escrowOf(t, f); e.Held != price {
		t.Fatalf("held %s after a hold of %s", e.Held.PHA(), price.PHA())
	}
	// The caller tries to pull everything before the receipt lands.
	apptest.ExpectCode(t, f.c.Deliver(alice, &agents.MsgDeposit{Amount: pha.Whole(10), Withdraw: true}), agents.Codespace, agents.ErrHeld.Code)
	apptest.ExpectCode(t, f.c.Deliver(alice, &agents.MsgDeposit{Amount: pha.Whole(7), Withdraw: true}), "", 0)
	ownerBefore := balance(t, f.c, owner.Addr)
	if code, log := f.post(f.member, f.call(f.member, 1)); code != 0 {
		t.Fatal(log)
	}
	if got := balance(t, f.c, owner.Addr); got != mustAdd(ownerBefore, pha.Whole(2)) {
		t.Fatalf("owner paid %s for the held call", mustSub(got, ownerBefore).PHA())
	}
	e := escrowOf(t, f)
	rest := mustSub(pha.Whole(3), mustAdd(pha.Whole(2), agents.DefaultParams().CallFee))
	if e.Balance != rest || e.Held != rest {
		t.Fatalf("after settling: escrow %s held %s, want both %s", e.Balance.PHA(), e.Held.PHA(), rest.PHA())
	}
	// The hold ends HoldBlocks after it was asked for; then the rest is free.
	for range agents.DefaultParams().HoldBlocks {
		f.c.Block()
	}
	if e := escrowOf(t, f); !e.Held.IsZero() {
		t.Fatalf("held %s after the hold ended", e.Held.PHA())
	}
	apptest.ExpectCode(t, f.c.Deliver(alice, &agents.MsgDeposit{Amount: rest, Withdraw: true}), "", 0)
}

// TestRedTeamHoldsCannotOverdraw: holds together never exceed the escrow,
// so two workers serving one caller in parallel cannot both count on the
// same funds; a worker of no cluster cannot hold escrow at all.
func TestRedTeamHoldsCannotOverdraw(t *testing.T) {
	f := setup(t)
	apptest.ExpectCode(t, f.c.Deliver(alice, &agents.MsgDeposit{Amount: pha.Whole(10)}), "", 0)
	second := f.c.RegisterSimWorker(t, op)
	outsider := f.c.RegisterSimWorker(t, op)
	apptest.ExpectCode(t, f.c.PostMQ(op, outsider, agents.TopicHold, agents.EncodeHoldRequest(agents.HoldRequest{Caller: alice.Addr, Amount: pha.Whole(1), Nonce: 1})), agents.Codespace, agents.ErrNotMember.Code)
	apptest.ExpectCode(t, f.c.Deliver(owner, &clusters.MsgMember{Cluster: f.cluster, Worker: registry.WorkerID(id32(second))}), "", 0)
	hold := func(w ed25519.PrivateKey, amount pha.Amount) agents.Hold {
		apptest.ExpectCode(t, f.c.PostMQ(op, w, agents.TopicHold, agents.EncodeHoldRequest(agents.HoldRequest{Caller: alice.Addr, Amount: amount, Nonce: 1})), "", 0)
		var h agents.Hold
		f.c.Query("/agents/hold/"+alice.Addr.String()+"/"+hexID(w), &h)
		return h
	}
	if h := hold(f.member, pha.Whole(6)); h.Granted != pha.Whole(6) {
		t.Fatalf("first hold granted %s", h.Granted.PHA())
	}
	if h := hold(second, pha.Whole(6)); h.Granted != pha.Whole(4) {
		t.Fatalf("second hold granted %s of the 4 left", h.Granted.PHA())
	}
	if h := hold(second, pha.Whole(1)); h.Granted != pha.Whole(4) || h.Nonce != 1 {
		t.Fatalf("a hold on a fully held escrow grew to %s", h.Granted.PHA())
	}
}

func hexID(k ed25519.PrivateKey) string { id := id32(k); return hex.EncodeToString(id[:]) }
