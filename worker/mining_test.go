package worker_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/fixedpoint"
	"github.com/phalanetwork/phala/modules/computation"
	"github.com/phalanetwork/phala/modules/registry"
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

// TestOfflineWorkerStakeSlashed: on a devnet, a computing worker goes
// offline (its process stops, so no heartbeat answers its challenges) for
// a long stretch; its V decays below the V it started with, and when its
// pool stops the session the stake that comes back after the cool-down is
// stake·V/Ve, the rest slashed to the treasury (docs/economy.md).
func TestOfflineWorkerStakeSlashed(t *testing.T) {
	d, c := startDevnet(t, devnet.Options{Workers: 2, Gatekeepers: 1}, nil)
	ctx := context.Background()
	miner := d.Workers[1]
	<-miner.Registered()
	owner, _ := d.Keyring.PrivKey("worker1")
	// A stake just over k·√P keeps Ve below v_max, so a slash shows.
	var w registry.Worker
	if _, err := c.Query(ctx, registry.WorkerPath(miner.ID()), &w); err != nil {
		t.Fatal(err)
	}
	stake, _ := computation.DevnetParams().MinStake(w.BenchmarkScore).Add(pha.Whole(500))
	res, err := c.Send(ctx, owner, pha.Amount{}, "", &stakepool.MsgCreate{CommissionBps: 1000})
	if err != nil {
		t.Fatal(err)
	}
	v, _ := res.Attr(stakepool.EventCreated, stakepool.AttrPool)
	pool, _ := strconv.ParseUint(v, 10, 64)
	for _, m := range []tx.Msg{&stakepool.MsgAddWorker{Pool: pool, Worker: miner.ID()}, &stakepool.MsgContribute{Pool: pool, Amount: pha.Whole(50_000)},
		&stakepool.MsgStartComputing{Pool: pool, Worker: miner.ID(), Stake: stake}} {
		if _, err := c.Send(ctx, owner, pha.Amount{}, "", m); err != nil {
			t.Fatal(err)
		}
	}
	session := func() (computation.Session, bool) {
		var s computation.Session
		_, err := c.Query(ctx, "/computation/session/"+miner.ID().String(), &s)
		return s, err == nil
	}
	poolInfo := func() stakepool.PoolInfo {
		var p stakepool.PoolInfo
		if _, err := c.Query(ctx, "/stakepool/pool/"+v, &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	miner.Stop() // the operator's machine goes down
	var offline int64
	eventually(t, "the worker to be seen offline", func() (bool, error) {
		s, ok := session()
		offline = s.OfflineSince
		return ok && !s.Online && offline > 0, nil
	})
	eventually(t, "100 blocks offline", func() (bool, error) {
		st, err := c.RPC.Status(ctx)
		return err == nil && st.SyncInfo.LatestBlockHeight >= offline+100, err
	})
	if _, err := c.Send(ctx, owner, pha.Amount{}, "", &stakepool.MsgStopComputing{Pool: pool, Worker: miner.ID()}); err != nil {
		t.Fatal(err)
	}
	stopped, _ := session()
	if !stopped.V.LT(stopped.InitialV) {
		t.Fatalf("V %s after 100 blocks offline, not below Ve %s", stopped.V, stopped.InitialV)
	}
	cooling := poolInfo()
	eventually(t, "the session released after its cool-down", func() (bool, error) {
		_, ok := session()
		return !ok, nil
	})
	after := poolInfo()
	ratio, err := stopped.V.Div(stopped.InitialV)
	if err != nil {
		t.Fatal(err)
	}
	want, err := fixedpoint.MulAmount(stake, ratio)
	if err != nil {
		t.Fatal(err)
	}
	returned, _ := after.FreeStake.Sub(cooling.FreeStake)
	slashed, _ := after.Slashed.Sub(cooling.Slashed)
	if returned != want || !want.LT(stake) {
		t.Fatalf("the pool got back %s of the %s stake, want stake·V/Ve = %s (V %s, Ve %s)", returned.PHA(), stake.PHA(), want.PHA(), stopped.V, stopped.InitialV)
	}
	if total, _ := returned.Add(slashed); total != stake || slashed.IsZero() {
		t.Fatalf("returned %s + slashed %s is not the %s stake", returned.PHA(), slashed.PHA(), stake.PHA())
	}
}
