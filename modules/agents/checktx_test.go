package agents_test

import (
	"testing"

	"github.com/phalanetwork/phala/chain/apptest"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/pha"
)

// TestCheckTxLeavesReceiptsToTheBlock: the mempool admits a receipt batch
// on mq's checks alone (the worker's signature and sequence) and settles
// nothing, so a withdrawal checked after it still sees the whole escrow;
// the block then checks every receipt itself: a forged caller signature is
// refused with ErrNotBacked and takes nothing, the honest receipt is paid
// once, and the withdrawal the receipt left uncovered is refused there.
func TestCheckTxLeavesReceiptsToTheBlock(t *testing.T) {
	f := setup(t)
	apptest.ExpectCode(t, f.c.Deliver(alice, &agents.MsgDeposit{Amount: pha.Whole(10)}), "", 0)
	origin := mq.Origin{Kind: mq.OriginWorker, ID: id32(f.member)}
	seq := apptest.MustQuery[mq.SequenceResponse](t, f.c, mq.SequencePath(origin)).Next
	push := func(seq uint64, rs ...agents.Receipt) []byte {
		m := mq.SignedMessage{Origin: origin, Topic: agents.TopicReceipts, Payload: agents.EncodeReceipts(rs), Sequence: seq}
		m.Sign(apptest.ChainID, f.member)
		return f.c.Tx(op, &mq.MsgPush{Message: m})
	}
	forged := f.call(f.member, 1)
	forged.Signed.Signature[0] ^= 1
	bad, good := push(seq, forged), push(seq+1, f.call(f.member, 2))
	withdraw := f.c.Tx(alice, &agents.MsgDeposit{Amount: pha.Whole(10), Withdraw: true})
	for _, tc := range []struct {
		name string
		raw  []byte
	}{{"the forged batch", bad}, {"the honest batch", good}, {"a withdrawal of the whole escrow", withdraw}} {
		if res := f.c.Check(tc.raw); res.Code != 0 {
			t.Fatalf("CheckTx of %s: %s", tc.name, res.Log)
		}
	}

	res := f.c.Block(bad, good, withdraw)
	apptest.ExpectCode(t, apptest.MQResult(res[0]), agents.Codespace, agents.ErrNotBacked.Code)
	if got := settledCounts(t, res[1]); got != [3]int{1, 0, 0} {
		t.Fatalf("honest batch: settled, duplicates, expired = %v", got)
	}
	apptest.ExpectCode(t, res[2], agents.Codespace, agents.ErrEscrow.Code)
	want := mustSub(pha.Whole(10), mustAdd(pha.Whole(2), agents.DefaultParams().CallFee))
	if e := escrowOf(t, f); e.Balance != want {
		t.Fatalf("escrow %s after one paid call, want %s", e.Balance.PHA(), want.PHA())
	}
	if v := f.view(t); v.Calls != 1 {
		t.Fatalf("agent calls %d, want 1", v.Calls)
	}
}
