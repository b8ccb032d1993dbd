package agents_test

import (
	"reflect"
	"strconv"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanetwork/phala/chain/apptest"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/pha"
)

// TestBatchSettlesAsOneByOne: a batch settles exactly as its receipts do
// posted one per batch, where a receipt runs against the records the one
// before it wrote: here alice's calls are paid from the worker's hold,
// then from her free escrow, until the escrow runs out and the last is
// underpaid. The escrow, the held sum, the hold, the agent's calls and
// fees and the owner's balance end the same.
func TestBatchSettlesAsOneByOne(t *testing.T) {
	type outcome struct {
		escrow         agents.EscrowView
		hold           agents.Hold
		calls          uint64
		fees, owner    pha.Amount
		settled, short int
	}
	run := func(oneByOne bool) outcome {
		f := setup(t)
		apptest.ExpectCode(t, f.c.Deliver(alice, &agents.MsgDeposit{Amount: pha.Whole(7)}), "", 0)
		apptest.ExpectCode(t, f.c.PostMQ(op, f.member, agents.TopicHold, agents.EncodeHoldRequest(agents.HoldRequest{Caller: alice.Addr, Amount: pha.Whole(3), Nonce: 1})), "", 0)
		ownerBefore := balance(t, f.c, owner.Addr)
		var rs []agents.Receipt
		for i := range 4 { // 4 calls at 2 PHA plus the call fee: more than the 7 deposited
			rs = append(rs, f.call(f.member, byte(i+1)))
		}
		var out outcome
		batches := [][]agents.Receipt{rs}
		if oneByOne {
			batches = nil
			for _, rc := range rs {
				batches = append(batches, []agents.Receipt{rc})
			}
		}
		for _, b := range batches {
			res := f.c.PostMQ(op, f.member, agents.TopicReceipts, agents.EncodeReceipts(b))
			out.settled += settledCounts(t, res)[0]
			out.short += underpaid(t, res)
		}
		out.escrow = escrowOf(t, f)
		f.c.Query("/agents/hold/"+alice.Addr.String()+"/"+hexID(f.member), &out.hold)
		v := f.view(t)
		out.calls, out.fees, out.owner = v.Calls, v.Fees, mustSub(balance(t, f.c, owner.Addr), ownerBefore)
		return out
	}
	batch, single := run(false), run(true)
	batch.hold.Worker, single.hold.Worker = nil, nil // each chain's member has its own key
	if !reflect.DeepEqual(batch, single) {
		t.Fatalf("one batch settled to %+v, one receipt per batch to %+v", batch, single)
	}
	if batch.settled != 4 || batch.short != 1 || batch.calls != 4 || !batch.escrow.Balance.IsZero() || batch.hold.Settled != pha.Whole(3) {
		t.Fatalf("settled %d (%d short), %d calls, escrow %s, hold settled %s", batch.settled, batch.short, batch.calls, batch.escrow.Balance.PHA(), batch.hold.Settled.PHA())
	}
}

// underpaid reads the underpaid count of a receipt batch's event.
func underpaid(t *testing.T, res *abci.ExecTxResult) int {
	t.Helper()
	for _, ev := range res.Events {
		for _, a := range ev.Attributes {
			if ev.Type == agents.EventSettled && a.Key == agents.AttrUnderpay {
				n, _ := strconv.Atoi(a.Value)
				return n
			}
		}
	}
	t.Fatal("no receipt event")
	return 0
}
