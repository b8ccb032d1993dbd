package agents_test

import (
	"encoding/hex"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/phalanetwork/phala/chain/apptest"
	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/pha"
)

// settledCounts reads the settled, duplicate and expired counts of a
// receipt batch's event; the batch must have been accepted.
func settledCounts(t *testing.T, res *abci.ExecTxResult) [3]int {
	t.Helper()
	if res.Code != 0 {
		t.Fatalf("receipt batch refused: %s", res.Log)
	}
	var out [3]int
	for _, ev := range res.Events {
		if ev.Type != agents.EventSettled {
			continue
		}
		for _, a := range ev.Attributes {
			i := map[string]int{agents.AttrSettled: 0, agents.AttrSkipped: 1, agents.AttrExpired: 2}
			if k, ok := i[a.Key]; ok {
				out[k], _ = strconv.Atoi(a.Value)
			}
		}
		return out
	}
	t.Fatal("no receipt event")
	return out
}

// receiptKnown reports whether the chain still remembers a receipt id.
func receiptKnown(t *testing.T, c *apptest.Chain, id [32]byte) (agents.ReceiptView, bool) {
	t.Helper()
	var v agents.ReceiptView
	res := c.Query("/agents/receipt/"+hex.EncodeToString(id[:]), &v)
	return v, res.Code == 0
}

// TestReceiptWindow: a receipt issued outside the window around the block
// time is refused; a settled one is remembered until its window has passed,
// then forgotten, and replaying it after that is refused as expired, so the
// caller is never billed twice while the ids kept stay bounded.
func TestReceiptWindow(t *testing.T) {
	f := setup(t)
	if res := f.c.Deliver(alice, &agents.MsgDeposit{Amount: pha.Whole(100)}); res.Code != 0 {
		t.Fatal(res.Log)
	}
	window := time.Duration(agents.DefaultReceiptWindow) * time.Second
	escrow := func() pha.Amount {
		var e agents.EscrowView
		f.c.Query("/agents/escrow/"+alice.Addr.String(), &e)
		return e.Balance
	}
	post := func(rc agents.Receipt) [3]int {
		return settledCounts(t, f.c.PostMQ(op, f.member, agents.TopicReceipts, agents.EncodeReceipts([]agents.Receipt{rc})))
	}
	// PostMQ's block is one second after the chain's current time.
	next := func() time.Time { return f.c.Time.Add(time.Second) }

	before := escrow()
	for _, tc := range []struct {
		name   string
		offset time.Duration
	}{
		{"older than the window", -window - time.Millisecond},
		{"further ahead than the window", window + time.Millisecond},
	} {
		rc := signedReceipt(alice, f.agent, f.agent, f.member, 0, next().Add(tc.offset))
		if got := post(rc); got != [3]int{0, 0, 1} {
			t.Fatalf("%s: settled, duplicates, expired = %v", tc.name, got)
		}
	}
	if escrow() != before {
		t.Fatalf("refused receipts took escrow: %s then %s", before.PHA(), escrow().PHA())
	}

	// At the window's old edge a receipt is still settled; it is
	// remembered for a window from the block it was settled in.
	rc := signedReceipt(alice, f.agent, f.agent, f.member, 0, next().Add(-window/2))
	settleTime := next()
	if got := post(rc); got != [3]int{1, 0, 0} {
		t.Fatalf("settled, duplicates, expired = %v", got)
	}
	paid := escrow()
	v, ok := receiptKnown(t, f.c, rc.Request)
	if !ok || v.ForgetAt != settleTime.Add(window).UnixMilli() {
		t.Fatalf("settled receipt remembered %v, forget at %d, want %d", ok, v.ForgetAt, settleTime.Add(window).UnixMilli())
	}
	if got := post(rc); got != [3]int{0, 1, 0} {
		t.Fatalf("the same receipt again: settled, duplicates, expired = %v", got)
	}

	// Once the window has passed, EndBlock forgets the id, and the same
	// receipt is refused as expired rather than paid again.
	f.c.Time = time.UnixMilli(v.ForgetAt).Add(-time.Second)
	f.c.Block()
	if _, ok := receiptKnown(t, f.c, rc.Request); ok {
		t.Fatal("the receipt id outlived its window")
	}
	if got := post(rc); got != [3]int{0, 0, 1} {
		t.Fatalf("replay after the window: settled, duplicates, expired = %v", got)
	}
	if escrow() != paid {
		t.Fatalf("replay after the window took escrow: %s then %s", paid.PHA(), escrow().PHA())
	}
}

// TestReceiptPruningIsBounded: one EndBlock forgets at most
// MaxPrunedReceipts ids, in expiry then id order; the rest go in the next.
func TestReceiptPruningIsBounded(t *testing.T) {
	f := setup(t)
	// Issued ahead of the block time, so every id shares one expiry.
	issued := f.c.Time.Add(time.Minute)
	key := [32]byte{0x4b}
	if res := f.c.Deliver(alice, &agents.MsgRegisterKey{Hash: key}); res.Code != 0 {
		t.Fatal(res.Log)
	}
	n := agents.MaxPrunedReceipts + agents.MaxReceipts
	var first, last [32]byte
	for start := 0; start < n; start += agents.MaxReceipts {
		batch := make([]agents.Receipt, 0, agents.MaxReceipts)
		for i := start; i < start+agents.MaxReceipts; i++ {
			var id [32]byte
			id[0], id[1] = byte(i>>8), byte(i)
			batch = append(batch, agents.Receipt{Caller: alice.Addr, Request: id, Backing: agents.BackingAPIKey, APIKey: key, Issued: issued.UnixMilli()})
			if i == 0 {
				first = id
			}
			last = id
		}
		if res := f.c.PostMQ(op, f.member, agents.TopicReceipts, agents.EncodeReceipts(batch)); res.Code != 0 {
			t.Fatal(res.Log)
		}
	}
	f.c.Time = issued.Add(time.Duration(agents.DefaultReceiptWindow) * time.Second)
	f.c.Block()
	_, firstKnown := receiptKnown(t, f.c, first)
	_, lastKnown := receiptKnown(t, f.c, last)
	if firstKnown || !lastKnown {
		t.Fatalf("after one block: first remembered %v, last remembered %v", firstKnown, lastKnown)
	}
	f.c.Block()
	if _, ok := receiptKnown(t, f.c, last); ok {
		t.Fatal("the rest was not forgotten in the next block")
	}
}

// TestReceiptWindowGenesis: a genesis cannot set a window shorter than a
// worker's acceptance of a signed request, and 0 means the default.
func TestReceiptWindowGenesis(t *testing.T) {
	for _, tc := range []struct {
		window uint64
		want   uint64
		ok     bool
	}{
		{0, agents.DefaultReceiptWindow, true},
		{agents.MinReceiptWindow, agents.MinReceiptWindow, true},
		{agents.MinReceiptWindow - 1, 0, false},
	} {
		p := agents.DefaultParams()
		p.ReceiptWindow = tc.window
		raw, _ := json.Marshal(agents.Genesis{Params: &p})
		kv := state.OpenMemory()
		m := agents.New(nil, nil, nil)
		err := m.InitGenesis(&module.Context{KV: kv}, raw)
		if (err == nil) != tc.ok {
			t.Fatalf("window %d: %v", tc.window, err)
		}
		if tc.ok && m.Params(kv).ReceiptWindow != tc.want {
			t.Fatalf("window %d became %d", tc.window, m.Params(kv).ReceiptWindow)
		}
	}
}
