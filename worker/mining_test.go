package worker_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/modules/computation"
	"github.com/phalanetwork/phala/modules/stakepool"
	"github.com/phalanetwork/phala/pha"
)

// TestWorkerMines: a real worker in a stake pool starts computing; its
// pool's share price rises block by block from the subsidy pool's budget,
// the worker's enclave answers its heartbeat challenges so it stays online,
// and a delegator withdraws with the gain.
func TestWorkerMines(t *testing.T) {
	d, c := startDevnet(t, devnet.Options{Workers: 2, Gatekeepers: 1}, nil)
	ctx := context.Background()
	miner := d.Workers[1]
	<-miner.Registered()
	owner, _ := d.Keyring.PrivKey("worker1") // the worker's operator owns the pool
	bob, _ := d.Keyring.PrivKey("bob")

	res, err := c.Send(ctx, owner, pha.Amount{}, "", &stakepool.MsgCreate{CommissionBps: 1000})
	if err != nil {
		t.Fatal(err)
	}
	v, _ := res.Attr(stakepool.EventCreated, stakepool.AttrPool)
	pool, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		t.Fatalf("pool id %q: %v", v, err)
	}
	if _, err := c.Send(ctx, owner, pha.Amount{}, "", &stakepool.MsgAddWorker{Pool: pool, Worker: miner.ID()}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(ctx, bob, pha.Amount{}, "", &stakepool.MsgContribute{Pool: pool, Amount: pha.Whole(50_000)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(ctx, owner, pha.Amount{}, "", &stakepool.MsgStartComputing{Pool: pool, Worker: miner.ID(), Stake: pha.Whole(40_000)}); err != nil {
		t.Fatal(err)
	}
	info := func() stakepool.PoolInfo {
		var p stakepool.PoolInfo
		if _, err := c.Query(ctx, "/stakepool/pool/"+v, &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	eventually(t, "the share price to rise", func() (bool, error) {
		return info().Price > "1.000000000000", nil
	})
	// The enclave answers its challenges: wait for one answered and the
	// worker still online.
	eventually(t, "a heartbeat answered", func() (bool, error) {
		var s computation.Session
		_, err := c.Query(ctx, "/computation/session/"+miner.ID().String(), &s)
		return s.Answered > 0 && s.Online, err
	})
	var before pha.Amount
	var acct struct{ Balance pha.Amount }
	c.Query(ctx, "/balances/account/"+addrOf(bob).String(), &acct)
	before = acct.Balance
	if _, err := c.Send(ctx, bob, pha.Amount{}, "", &stakepool.MsgWithdraw{Pool: pool, Shares: pha.Whole(5_000)}); err != nil {
		t.Fatal(err)
	}
	c.Query(ctx, "/balances/account/"+addrOf(bob).String(), &acct)
	gain, err := acct.Balance.Sub(before)
	if err != nil || !pha.Whole(5_000).LT(gain) {
		t.Fatalf("withdrawing 5,000 shares paid %s, want more than 5,000 PHA", gain.PHA())
	}
}
