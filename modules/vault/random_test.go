package vault_test

import (
	"math/rand/v2"
	"testing"

	"github.com/phalanetwork/phala/chain/apptest"
	ct "github.com/phalanetwork/phala/modules/computation/computationtest"
	"github.com/phalanetwork/phala/modules/stakepool"
	"github.com/phalanetwork/phala/modules/vault"
	"github.com/phalanetwork/phala/pha"
)

// TestRandomOperations drives a vault with random deposits, withdrawals,
// delegations, undelegations and worker starts and stops, and checks after
// every block: vault shares are conserved (holders' + queued = total), the
// queue is served in FIFO order (only the head is ever partly paid), the
// price after commission never falls below the previous high-water mark by
// more than rounding, and no request waits past 3 × grace + grace +
// cool-down (the supply invariant is apptest's, every block).
func TestRandomOperations(t *testing.T) {
	sp := stakepool.DefaultParams()
	sp.GraceBlocks = 8
	b := newBase(t, sp)
	rng := rand.New(rand.NewPCG(7, 11))
	holders := []apptest.Account{alice, bob}
	requested := map[uint64]pha.Amount{} // seq -> shares asked
	bound := 3*sp.GraceBlocks + sp.GraceBlocks + ct.QuietParams().CooldownBlocks + 4
	computing := false
	for step := 0; step < 300; step++ {
		prev := b.info(1)
		var txs [][]byte
		h := holders[rng.IntN(len(holders))]
		switch rng.IntN(6) {
		case 0, 1:
			txs = append(txs, b.C.Tx(h, &vault.MsgDeposit{Vault: 1, Amount: pha.Whole(uint64(500 + rng.IntN(3000)))}))
		case 2:
			if s := b.shares(1, h); !s.Shares.IsZero() && s.Withdrawing == nil {
				part := apptest.MulDiv(t, s.Shares, pha.Units(uint64(1+rng.IntN(100))), pha.Units(100))
				if !part.IsZero() {
					requested[prev.QueueTail] = part
					txs = append(txs, b.C.Tx(h, &vault.MsgWithdraw{Vault: 1, Shares: part}))
				}
			}
		case 3:
			if !prev.Free.IsZero() {
				txs = append(txs, b.C.Tx(vowner, &vault.MsgDelegate{Vault: 1, Pool: 1, Amount: prev.Free}))
			}
		case 4:
			for _, p := range prev.Positions {
				if !p.Shares.IsZero() && p.Queued.IsZero() {
					txs = append(txs, b.C.Tx(vowner, &vault.MsgUndelegate{Vault: 1, Pool: 1, Shares: apptest.MulDiv(t, p.Shares, pha.Units(1), pha.Units(2))}))
				}
			}
		case 5:
			pool := b.Pool(1)
			if !computing && !pool.FreeStake.LT(pha.Whole(1000)) {
				txs = append(txs, b.C.Tx(owner, &stakepool.MsgStartComputing{Pool: 1, Worker: b.Worker(0), Stake: pha.Whole(1000)}))
			} else if computing {
				txs = append(txs, b.C.Tx(owner, &stakepool.MsgStopComputing{Pool: 1, Worker: b.Worker(0)}))
			}
		}
		for _, r := range b.Block(txs...) {
			if r.Code != 0 && r.Codespace != vault.Codespace && r.Codespace != stakepool.Codespace && r.Codespace != "computation" {
				t.Fatalf("step %d: %s/%d %s", step, r.Codespace, r.Code, r.Log)
			}
		}
		s, _ := b.Session(b.Worker(0))
		computing = s.State == "computing"

		v := b.info(1)
		sum := pha.Amount{}
		for _, a := range append(holders, vowner) {
			sh := b.shares(1, a)
			sum = apptest.Add(t, sum, sh.Shares)
			if sh.Withdrawing != nil {
				sum = apptest.Add(t, sum, sh.Withdrawing.Shares)
			}
		}
		if sum != v.TotalShares {
			t.Fatalf("step %d: holders' shares %s, total %s", step, sum, v.TotalShares)
		}
		for i, w := range v.Withdrawals {
			if i > 0 && w.Shares != requested[w.Seq] {
				t.Fatalf("step %d: request %d paid before the head %d", step, w.Seq, v.QueueHead)
			}
			if b.C.Height-w.Height > bound {
				t.Fatalf("step %d: request %d waits %d blocks", step, w.Seq, b.C.Height-w.Height)
			}
		}
		if v.QueueHead < prev.QueueHead {
			t.Fatal("queue head went back")
		}
		if !v.TotalShares.IsZero() {
			price := apptest.MulDiv(t, v.Value, pha.Whole(1), v.TotalShares)
			if floor, err := prev.HighWater.Sub(pha.Units(1_000)); err == nil && price.LT(floor) && !prev.TotalShares.IsZero() {
				t.Fatalf("step %d: price %s below the high-water mark %s", step, price, prev.HighWater)
			}
		}
	}
	t.Logf("%d withdrawals requested; final vault %+v", len(requested), b.info(1).Summary)
	if b.info(1).CommissionShares.IsZero() {
		t.Fatal("no commission in 300 blocks: the test did not exercise gains")
	}
}
