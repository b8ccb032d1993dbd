package stakepool_test

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanetwork/phala/chain/app"
	"github.com/phalanetwork/phala/chain/apptest"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/fixedpoint"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/computation"
	ct "github.com/phalanetwork/phala/modules/computation/computationtest"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/modules/stakepool"
	"github.com/phalanetwork/phala/pha"
)

var owner, alice, bob, other = apptest.NewAccount(1), apptest.NewAccount(2), apptest.NewAccount(3), apptest.NewAccount(4)

// newBase is a chain with pool 1 of owner (10 % commission) holding worker
// 0 (b.Worker(0)); worker 1 is owner's and in no pool; worker 2 is operated
// by other.
func newBase(t *testing.T, sp stakepool.Params) *ct.Fixture {
	t.Helper()
	f := ct.New(t, []apptest.Account{owner, alice, bob, other}, ct.QuietParams(), sp)
	w := f.Register(owner, []uint32{1, 2}, []uint64{100, 100})
	f.Register(other, []uint32{3}, []uint64{100})
	f.CreatePool(owner, 1000, w[0])
	return f
}

func TestMsgErrors(t *testing.T) {
	type msgFn func(b *ct.Fixture) tx.Msg
	lockAll := func(b *ct.Fixture) {
		ct.MustOK(t, b.C.Deliver(alice, &stakepool.MsgContribute{Pool: 1, Amount: pha.Whole(1000)}))
		ct.MustOK(t, b.C.Deliver(owner, &stakepool.MsgStartComputing{Pool: 1, Worker: b.Worker(0), Stake: pha.Whole(1000)}))
	}
	cases := []struct {
		name   string
		params func(*stakepool.Params)
		prep   func(b *ct.Fixture)
		from   apptest.Account
		msg    msgFn
		space  string
		code   uint32
		noFee  bool
	}{
		{"commission above 100%", nil, nil, owner, func(*ct.Fixture) tx.Msg { return &stakepool.MsgCreate{CommissionBps: 10_001} },
			stakepool.Codespace, stakepool.ErrBadCommission.Code, true},
		{"add to an unknown pool", nil, nil, owner, func(b *ct.Fixture) tx.Msg { return &stakepool.MsgAddWorker{Pool: 9, Worker: b.Worker(1)} },
			stakepool.Codespace, stakepool.ErrUnknownPool.Code, false},
		{"add by a stranger", nil, nil, alice, func(b *ct.Fixture) tx.Msg { return &stakepool.MsgAddWorker{Pool: 1, Worker: b.Worker(1)} },
			stakepool.Codespace, stakepool.ErrNotOwner.Code, false},
		{"add an unregistered worker", nil, nil, owner, func(*ct.Fixture) tx.Msg { return &stakepool.MsgAddWorker{Pool: 1, Worker: registry.WorkerID{9}} },
			stakepool.Codespace, stakepool.ErrUnknownWorker.Code, false},
		{"add another operator's worker", nil, nil, owner, func(b *ct.Fixture) tx.Msg { return &stakepool.MsgAddWorker{Pool: 1, Worker: b.Worker(2)} },
			stakepool.Codespace, stakepool.ErrNotOperator.Code, false},
		{"add a worker twice", nil, nil, owner, func(b *ct.Fixture) tx.Msg { return &stakepool.MsgAddWorker{Pool: 1, Worker: b.Worker(0)} },
			stakepool.Codespace, stakepool.ErrWorkerInPool.Code, false},
		{"add a worker of another pool", nil, func(b *ct.Fixture) {
			ct.MustOK(t, b.C.Deliver(owner, &stakepool.MsgCreate{}))
		}, owner, func(b *ct.Fixture) tx.Msg { return &stakepool.MsgAddWorker{Pool: 2, Worker: b.Worker(0)} },
			stakepool.Codespace, stakepool.ErrWorkerInPool.Code, false},
		{"add past max_workers", func(p *stakepool.Params) { p.MaxWorkers = 1 }, nil, owner,
			func(b *ct.Fixture) tx.Msg { return &stakepool.MsgAddWorker{Pool: 1, Worker: b.Worker(1)} },
			stakepool.Codespace, stakepool.ErrTooManyWorkers.Code, false},
		{"remove a worker not in the pool", nil, nil, owner, func(b *ct.Fixture) tx.Msg { return &stakepool.MsgRemoveWorker{Pool: 1, Worker: b.Worker(1)} },
			stakepool.Codespace, stakepool.ErrWorkerNotInPool.Code, false},
		{"remove by a stranger", nil, nil, alice, func(b *ct.Fixture) tx.Msg { return &stakepool.MsgRemoveWorker{Pool: 1, Worker: b.Worker(0)} },
			stakepool.Codespace, stakepool.ErrNotOwner.Code, false},
		{"remove a computing worker", nil, lockAll, owner, func(b *ct.Fixture) tx.Msg { return &stakepool.MsgRemoveWorker{Pool: 1, Worker: b.Worker(0)} },
			stakepool.Codespace, stakepool.ErrWorkerBusy.Code, false},
		{"start a worker not in the pool", nil, nil, owner,
			func(b *ct.Fixture) tx.Msg {
				return &stakepool.MsgStartComputing{Pool: 1, Worker: b.Worker(1), Stake: pha.Whole(1000)}
			},
			stakepool.Codespace, stakepool.ErrWorkerNotInPool.Code, false},
		{"start by a stranger", nil, nil, alice,
			func(b *ct.Fixture) tx.Msg {
				return &stakepool.MsgStartComputing{Pool: 1, Worker: b.Worker(0), Stake: pha.Whole(1000)}
			},
			stakepool.Codespace, stakepool.ErrNotOwner.Code, false},
		{"start with more than the free stake", nil, func(b *ct.Fixture) {
			ct.MustOK(t, b.C.Deliver(alice, &stakepool.MsgContribute{Pool: 1, Amount: pha.Whole(999)}))
		}, owner, func(b *ct.Fixture) tx.Msg {
			return &stakepool.MsgStartComputing{Pool: 1, Worker: b.Worker(0), Stake: pha.Whole(1000)}
		},
			stakepool.Codespace, stakepool.ErrInsufficientStake.Code, false},
		{"start with zero stake", nil, nil, owner, func(b *ct.Fixture) tx.Msg { return &stakepool.MsgStartComputing{Pool: 1, Worker: b.Worker(0)} },
			stakepool.Codespace, stakepool.ErrZeroAmount.Code, true},
		{"stop in an unknown pool", nil, nil, owner, func(b *ct.Fixture) tx.Msg { return &stakepool.MsgStopComputing{Pool: 7, Worker: b.Worker(0)} },
			stakepool.Codespace, stakepool.ErrUnknownPool.Code, false},
		{"stop by a stranger", nil, lockAll, bob, func(b *ct.Fixture) tx.Msg { return &stakepool.MsgStopComputing{Pool: 1, Worker: b.Worker(0)} },
			stakepool.Codespace, stakepool.ErrNotOwner.Code, false},
		{"stop a worker that is not computing", nil, nil, owner, func(b *ct.Fixture) tx.Msg { return &stakepool.MsgStopComputing{Pool: 1, Worker: b.Worker(0)} },
			computation.Codespace, computation.ErrNotComputing.Code, false},
		{"contribute zero", nil, nil, alice, func(*ct.Fixture) tx.Msg { return &stakepool.MsgContribute{Pool: 1} },
			stakepool.Codespace, stakepool.ErrZeroAmount.Code, true},
		{"contribute to an unknown pool", nil, nil, alice, func(*ct.Fixture) tx.Msg { return &stakepool.MsgContribute{Pool: 3, Amount: pha.Whole(1)} },
			stakepool.Codespace, stakepool.ErrUnknownPool.Code, false},
		{"contribute more than the balance", nil, nil, alice, func(*ct.Fixture) tx.Msg { return &stakepool.MsgContribute{Pool: 1, Amount: pha.Whole(2_000_000)} },
			balances.Codespace, balances.ErrInsufficientFunds.Code, false},
		{"contribute less than a share", nil, func(b *ct.Fixture) {
			lockAll(b)
			b.Earn() // rewards: the price is above 1
		}, bob, func(*ct.Fixture) tx.Msg { return &stakepool.MsgContribute{Pool: 1, Amount: pha.Units(1)} },
			stakepool.Codespace, stakepool.ErrContributionTooSmall.Code, false},
		{"withdraw zero", nil, nil, alice, func(*ct.Fixture) tx.Msg { return &stakepool.MsgWithdraw{Pool: 1} },
			stakepool.Codespace, stakepool.ErrZeroAmount.Code, true},
		{"withdraw from an unknown pool", nil, nil, alice, func(*ct.Fixture) tx.Msg { return &stakepool.MsgWithdraw{Pool: 4, Shares: pha.Units(1)} },
			stakepool.Codespace, stakepool.ErrUnknownPool.Code, false},
		{"withdraw more shares than held", nil, func(b *ct.Fixture) {
			ct.MustOK(t, b.C.Deliver(alice, &stakepool.MsgContribute{Pool: 1, Amount: pha.Whole(10)}))
		}, alice, func(*ct.Fixture) tx.Msg { return &stakepool.MsgWithdraw{Pool: 1, Shares: pha.Whole(11)} },
			stakepool.Codespace, stakepool.ErrInsufficientShares.Code, false},
		{"withdraw with a request queued", nil, func(b *ct.Fixture) {
			lockAll(b)
			ct.MustOK(t, b.C.Deliver(alice, &stakepool.MsgWithdraw{Pool: 1, Shares: pha.Whole(500)}))
		}, alice, func(*ct.Fixture) tx.Msg { return &stakepool.MsgWithdraw{Pool: 1, Shares: pha.Whole(1)} },
			stakepool.Codespace, stakepool.ErrWithdrawalPending.Code, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sp := stakepool.DefaultParams()
			if tc.params != nil {
				tc.params(&sp)
			}
			b := newBase(t, sp)
			if tc.prep != nil {
				tc.prep(b)
			}
			before := b.Balance(tc.from.Addr)
			pools := b.AllPools()
			apptest.ExpectCode(t, b.C.Deliver(tc.from, tc.msg(b)), tc.space, tc.code)
			want := apptest.Sub(t, before, apptest.Fee())
			if tc.noFee {
				want = before // refused before the fee is charged
			}
			// Add what the block's rewards paid the sender: commission of
			// pools it owns, and its queued withdrawal's payments.
			for i, p := range b.AllPools() {
				if p.Owner == tc.from.Addr {
					want = apptest.Add(t, want, apptest.Sub(t, p.OwnerRewards, pools[i].OwnerRewards))
				}
			}
			if _, queued := (stakepool.Keeper{}).Queued(b.C.App.Store(), 1, tc.from.Addr); queued {
				if got := b.Balance(tc.from.Addr); got.LT(want) {
					t.Fatalf("sender has %s, want at least %s", got.PHA(), want.PHA())
				}
			} else if got := b.Balance(tc.from.Addr); got != want {
				t.Fatalf("sender has %s, want %s", got.PHA(), want.PHA())
			}
			// Nothing but rewards (and the queue they serve) changed in
			// the pools.
			after := b.AllPools()
			for _, ps := range [][]stakepool.Pool{pools, after} {
				for i := range ps {
					ps[i].FreeStake, ps[i].Rewards, ps[i].OwnerRewards = pha.Amount{}, pha.Amount{}, pha.Amount{}
					if ps[i].QueueTail > ps[i].QueueHead {
						ps[i].TotalShares = pha.Amount{}
					}
				}
			}
			if !slices.Equal(pools, after) {
				t.Fatalf("pools changed:\n%+v\n%+v", pools, after)
			}
		})
	}
}

func TestCreateAndMembership(t *testing.T) {
	b := newBase(t, stakepool.DefaultParams())
	res := b.C.Deliver(other, &stakepool.MsgCreate{CommissionBps: 2500})
	ct.MustOK(t, res)
	p := b.Pool(2)
	if p.Owner != other.Addr || p.CommissionBps != 2500 || p.Created != b.C.Height || !p.TotalShares.IsZero() {
		t.Fatalf("pool %+v", p)
	}
	ct.MustOK(t, b.C.Deliver(other, &stakepool.MsgAddWorker{Pool: 2, Worker: b.Worker(2)}))
	info := b.PoolInfo(2)
	if info.Price != "1.000000000000" || len(info.Workers) != 1 || info.Workers[0].State != "idle" || info.Workers[0].P != 100 || info.WorkerCount != 1 {
		t.Fatalf("info %+v", info)
	}
	var where struct{ Pool uint64 }
	b.C.Query("/stakepool/worker/"+b.Worker(2).String(), &where)
	if where.Pool != 2 {
		t.Fatalf("worker's pool %d", where.Pool)
	}
	ct.MustOK(t, b.C.Deliver(other, &stakepool.MsgRemoveWorker{Pool: 2, Worker: b.Worker(2)}))
	if res := b.C.Query("/stakepool/worker/"+b.Worker(2).String(), nil); res.Code != stakepool.ErrWorkerNotInPool.Code {
		t.Fatalf("removed worker: %d %s", res.Code, res.Log)
	}
	if b.Pool(2).WorkerCount != 0 {
		t.Fatal("worker count")
	}
	// Free to join a pool again, and a cooling-down worker may leave.
	ct.MustOK(t, b.C.Deliver(other, &stakepool.MsgAddWorker{Pool: 2, Worker: b.Worker(2)}))
	ct.MustOK(t, b.C.Deliver(alice, &stakepool.MsgContribute{Pool: 2, Amount: pha.Whole(1000)}))
	ct.MustOK(t, b.C.Deliver(other, &stakepool.MsgStartComputing{Pool: 2, Worker: b.Worker(2), Stake: pha.Whole(1000)}))
	ct.MustOK(t, b.C.Deliver(other, &stakepool.MsgStopComputing{Pool: 2, Worker: b.Worker(2)}))
	ct.MustOK(t, b.C.Deliver(other, &stakepool.MsgRemoveWorker{Pool: 2, Worker: b.Worker(2)}))
	for range 5 {
		b.Block()
	}
	if p := b.Pool(2); !p.LockedStake.IsZero() || p.FreeStake.LT(pha.Whole(1000)) {
		t.Fatalf("stake of a removed cooling worker not returned: %+v", p)
	}
	var list []stakepool.PoolSummary
	b.C.Query("/stakepool/pools", &list)
	if len(list) != 2 || list[1].ID != 2 {
		t.Fatalf("pools %+v", list)
	}
}

func TestContributeAndWithdrawNow(t *testing.T) {
	b := newBase(t, stakepool.DefaultParams())
	a0, stake0 := b.Balance(alice.Addr), b.Balance(balances.StakeAccount)
	ct.MustOK(t, b.C.Deliver(alice, &stakepool.MsgContribute{Pool: 1, Amount: pha.Whole(1000)}))
	if got, want := b.Balance(alice.Addr), apptest.Sub(t, a0, apptest.Add(t, pha.Whole(1000), apptest.Fee())); got != want {
		t.Fatalf("alice has %s, want %s", got, want)
	}
	if got := b.Balance(balances.StakeAccount); got != apptest.Add(t, stake0, pha.Whole(1000)) {
		t.Fatalf("stake account %s", got)
	}
	// The first contribution is at price 1: a share per base unit.
	if s := b.PoolShares(1, alice); s.Shares != pha.Whole(1000) || s.Value != pha.Whole(1000) {
		t.Fatalf("shares %+v", s)
	}
	a1 := b.Balance(alice.Addr)
	ct.MustOK(t, b.C.Deliver(alice, &stakepool.MsgWithdraw{Pool: 1, Shares: pha.Whole(400)}))
	if got, want := b.Balance(alice.Addr), apptest.Sub(t, apptest.Add(t, a1, pha.Whole(400)), apptest.Fee()); got != want {
		t.Fatalf("after withdrawing alice has %s, want %s", got, want)
	}
	p := b.Pool(1)
	if p.FreeStake != pha.Whole(600) || p.TotalShares != pha.Whole(600) || p.QueueHead != 1 || p.QueueTail != 1 {
		t.Fatalf("pool %+v", p)
	}
	if s := b.PoolShares(1, alice); s.Shares != pha.Whole(600) || s.Withdrawing != nil {
		t.Fatalf("shares %+v", s)
	}
}

// TestRewardsRaisePrice: the share price rises block by block while a
// worker computes, and contributions and withdrawals convert at it,
// rounding for the pool.
func TestRewardsRaisePrice(t *testing.T) {
	b := newBase(t, stakepool.DefaultParams())
	ct.MustOK(t, b.C.Deliver(alice, &stakepool.MsgContribute{Pool: 1, Amount: pha.Whole(10_000)}))
	ct.MustOK(t, b.C.Deliver(owner, &stakepool.MsgStartComputing{Pool: 1, Worker: b.Worker(0), Stake: pha.Whole(10_000)}))
	last := b.PoolInfo(1).Price
	for range 5 {
		b.Earn()
		p := b.PoolInfo(1)
		if p.Price <= last {
			t.Fatalf("price %s after %s", p.Price, last)
		}
		last = p.Price
		if p.Value != apptest.Add(t, pha.Whole(10_000), p.Rewards) {
			t.Fatalf("value %s, rewards %s", p.Value, p.Rewards)
		}
		if w := p.Workers[0]; w.State != computation.StateComputing || !w.Online || w.P != 100 || w.Stake != pha.Whole(10_000) || w.V.IsZero() {
			t.Fatalf("worker view %+v", w)
		}
	}
	p := b.Pool(1)
	b0 := b.Balance(bob.Addr)
	// Bob's contribution lands in a block without heartbeats: nothing is
	// paid in it.
	ct.MustOK(t, b.C.Deliver(bob, &stakepool.MsgContribute{Pool: 1, Amount: pha.Whole(1000)}))
	want := apptest.MulDiv(t, pha.Whole(1000), p.TotalShares, p.Value())
	if got := b.PoolShares(1, bob).Shares; got != want {
		t.Fatalf("bob got %s shares, want %s", got, want)
	}
	if !want.LT(pha.Whole(1000)) {
		t.Fatal("no fewer shares at a higher price")
	}
	// Bob holds his shares through a payout, then withdraws at once from
	// the free stake (his own contribution).
	b.Earn()
	p = b.Pool(1)
	ct.MustOK(t, b.C.Deliver(bob, &stakepool.MsgWithdraw{Pool: 1, Shares: want}))
	paid := apptest.MulDiv(t, want, p.Value(), p.TotalShares)
	if got := b.Balance(bob.Addr); got != apptest.Sub(t, apptest.Add(t, b0, paid), apptest.Add(t, pha.Whole(1000), apptest.Add(t, apptest.Fee(), apptest.Fee()))) {
		t.Fatalf("bob has %s, paid %s", got, paid)
	}
	// Bob held his shares through a payout: he gets his 1000 PHA back and
	// a little more.
	if !pha.Whole(1000).LT(paid) || pha.Whole(1002).LT(paid) {
		t.Fatalf("round trip of 1000 PHA paid %s", paid)
	}
}

// TestWithdrawalQueue: with the stake locked, requests wait in order;
// rewards pay the head bit by bit and nobody behind it; the released stake
// pays everyone.
func TestWithdrawalQueue(t *testing.T) {
	b := newBase(t, stakepool.DefaultParams())
	ct.MustOK(t, b.C.Deliver(alice, &stakepool.MsgContribute{Pool: 1, Amount: pha.Whole(6000)}))
	ct.MustOK(t, b.C.Deliver(bob, &stakepool.MsgContribute{Pool: 1, Amount: pha.Whole(4000)}))
	ct.MustOK(t, b.C.Deliver(owner, &stakepool.MsgStartComputing{Pool: 1, Worker: b.Worker(0), Stake: pha.Whole(10_000)}))
	a0, b0 := b.Balance(alice.Addr), b.Balance(bob.Addr)
	ct.MustOK(t, b.C.Deliver(alice, &stakepool.MsgWithdraw{Pool: 1, Shares: pha.Whole(6000)}))
	ct.MustOK(t, b.C.Deliver(bob, &stakepool.MsgWithdraw{Pool: 1, Shares: pha.Whole(4000)}))
	info := b.PoolInfo(1)
	if len(info.Withdrawals) != 2 || info.Withdrawals[0].Account != alice.Addr || info.Withdrawals[1].Account != bob.Addr || info.Withdrawals[1].Seq != 1 {
		t.Fatalf("queue %+v", info.Withdrawals)
	}
	if info.Withdrawals[0].Shares != pha.Whole(6000) && !info.Withdrawals[0].Shares.LT(pha.Whole(6000)) {
		t.Fatal("alice's request grew")
	}
	if b.Balance(bob.Addr) != apptest.Sub(t, b0, apptest.Fee()) {
		t.Fatal("bob was paid while alice waits")
	}
	for range 3 {
		before := b.PoolInfo(1).Withdrawals[0].Shares
		b.Earn()
		now := b.PoolInfo(1)
		if !now.Withdrawals[0].Shares.LT(before) {
			t.Fatalf("rewards did not serve the head: %s -> %s", before, now.Withdrawals[0].Shares)
		}
		if b.Balance(bob.Addr) != apptest.Sub(t, b0, apptest.Fee()) || now.Withdrawals[1].Shares != pha.Whole(4000) {
			t.Fatal("bob was paid while alice waits")
		}
		if now.FreeStake.Cmp(pha.Units(1)) > 0 {
			t.Fatalf("free stake %s left while the queue waits", now.FreeStake)
		}
	}
	if got := b.PoolShares(1, alice); got.Withdrawing == nil || got.Withdrawing.Seq != 0 || !got.Shares.IsZero() {
		t.Fatalf("alice's shares %+v", got)
	}
	ct.MustOK(t, b.C.Deliver(owner, &stakepool.MsgStopComputing{Pool: 1, Worker: b.Worker(0)}))
	for range 5 {
		b.Block()
	}
	p := b.Pool(1)
	if p.QueueHead != 2 || !p.TotalShares.IsZero() || !p.LockedStake.IsZero() {
		t.Fatalf("after the release %+v", p)
	}
	gotA := apptest.Sub(t, b.Balance(alice.Addr), apptest.Sub(t, a0, apptest.Fee()))
	gotB := apptest.Sub(t, b.Balance(bob.Addr), apptest.Sub(t, b0, apptest.Fee()))
	// Everything the pool held went to the two, except at most a few
	// base units of rounding that stay in the pool.
	total := apptest.Add(t, gotA, gotB)
	value := apptest.Add(t, pha.Whole(10_000), p.Rewards)
	if left := apptest.Sub(t, value, total); left != p.FreeStake || left.Cmp(pha.Units(10)) > 0 {
		t.Fatalf("paid %s of %s, %s left, free %s", total, value, left, p.FreeStake)
	}
	if !pha.Whole(6000).LT(gotA) || !pha.Whole(4000).LT(gotB) {
		t.Fatalf("alice got %s, bob %s: both should gain", gotA.PHA(), gotB.PHA())
	}
}

// TestGracePeriodStopsWorkers: a request still queued at the end of its
// grace period stops the pool's workers; the cool-down then pays it.
func TestGracePeriodStopsWorkers(t *testing.T) {
	sp := stakepool.DefaultParams()
	sp.GraceBlocks = 8
	b := newBase(t, sp)
	ct.MustOK(t, b.C.Deliver(alice, &stakepool.MsgContribute{Pool: 1, Amount: pha.Whole(5000)}))
	ct.MustOK(t, b.C.Deliver(owner, &stakepool.MsgStartComputing{Pool: 1, Worker: b.Worker(0), Stake: pha.Whole(5000)}))
	res := b.C.Deliver(alice, &stakepool.MsgWithdraw{Pool: 1, Shares: pha.Whole(5000)})
	ct.MustOK(t, res)
	requested := b.C.Height
	for b.C.Height < requested+sp.GraceBlocks-1 {
		b.Block()
		if s, _ := b.Session(b.Worker(0)); s.State != computation.StateComputing {
			t.Fatalf("height %d: stopped before the grace period ended", b.C.Height)
		}
	}
	b.Block()
	s, _ := b.Session(b.Worker(0))
	if s.State != computation.StateCoolingDown || s.CoolingUntil != requested+sp.GraceBlocks+5 {
		t.Fatalf("after the grace period: %+v", s)
	}
	for b.C.Height < s.CoolingUntil {
		if b.Pool(1).QueueHead != 0 {
			t.Fatal("served before the release")
		}
		b.Block()
	}
	if p := b.Pool(1); p.QueueHead != 1 || !p.TotalShares.IsZero() {
		t.Fatalf("not served at the release (waited %d blocks): %+v", b.C.Height-requested, p)
	}
}

func TestSupplyReport(t *testing.T) {
	b := newBase(t, stakepool.DefaultParams())
	ct.MustOK(t, b.C.Deliver(alice, &stakepool.MsgContribute{Pool: 1, Amount: pha.Whole(5000)}))
	ct.MustOK(t, b.C.Deliver(owner, &stakepool.MsgStartComputing{Pool: 1, Worker: b.Worker(0), Stake: pha.Whole(2000)}))
	b.Block()
	var raw map[string]string
	res := b.C.Query("/balances/supply", &raw)
	if res.Code != 0 {
		t.Fatal(res.Log)
	}
	for _, k := range []string{"total", "treasury", "computation_subsidy", "circulating", "staked"} {
		if _, ok := raw[k]; !ok {
			t.Fatalf("supply report lacks %q: %v", k, raw)
		}
	}
	var s balances.SupplyResponse
	_ = json.Unmarshal(res.Value, &s)
	if s.Total != balances.TotalSupply || s.Staked != b.Balance(balances.StakeAccount) || s.Staked != b.Pool(1).Value() {
		t.Fatalf("supply %+v, pool value %s", s, b.Pool(1).Value())
	}
	sum := apptest.Add(t, apptest.Add(t, s.Circulating, s.Staked), apptest.Add(t, s.Treasury, s.Subsidy))
	if sum != s.Total {
		t.Fatalf("circulating + staked + treasury + subsidy = %s, total %s", sum, s.Total)
	}
}

func TestMsgEncoding(t *testing.T) {
	reg := app.NewRegistry()
	w := registry.WorkerID{1, 2, 3}
	for _, m := range []tx.Msg{
		&stakepool.MsgCreate{CommissionBps: 10_000},
		&stakepool.MsgAddWorker{Pool: 300, Worker: w},
		&stakepool.MsgRemoveWorker{Pool: 1, Worker: w},
		&stakepool.MsgStartComputing{Pool: 2, Worker: w, Stake: pha.Whole(5)},
		&stakepool.MsgStopComputing{Pool: 1 << 40, Worker: w},
		&stakepool.MsgContribute{Pool: 9, Amount: pha.Units(1)},
		&stakepool.MsgWithdraw{Pool: 9, Shares: pha.Whole(3)},
	} {
		body := tx.EncodeMsg(m)
		got, err := reg.DecodeMsg(m.Type(), body)
		if err != nil || fmt.Sprint(got) != fmt.Sprint(m) {
			t.Fatalf("%s: decoded %+v (%v), want %+v", m.Type(), got, err, m)
		}
		if _, err := reg.DecodeMsg(m.Type(), append(body, 0)); err == nil {
			t.Fatalf("%s: trailing byte accepted", m.Type())
		}
		if _, err := reg.DecodeMsg(m.Type(), body[:len(body)-1]); err == nil {
			t.Fatalf("%s: short body accepted", m.Type())
		}
	}
	if m, err := reg.DecodeMsg(stakepool.TypeCreate, []byte{0x91, 0x4e}); err != nil || !errors.Is(m.ValidateBasic(), stakepool.ErrBadCommission) {
		t.Fatalf("commission 10001: %v", err)
	}
	if _, err := reg.DecodeMsg(stakepool.TypeCreate, []byte{0x80, 0x80, 0x80, 0x80, 0x10}); err == nil {
		t.Fatal("commission of 2^32 decoded")
	}
}

// TestDeterminism runs one script of pools, contributions, computing with
// heartbeats, an offline worker, withdrawals, a forced stop and releases on
// two apps: their AppHashes agree at every height.
func TestDeterminism(t *testing.T) {
	script := func() []string {
		p := computation.DefaultParams()
		p.CooldownBlocks, p.HeartbeatWindow = 6, 3
		th, _ := fixedpoint.FromRatio(1, 5)
		_, p.ChallengeThreshold = th.Bits()
		sp := stakepool.DefaultParams()
		sp.GraceBlocks = 10
		f := ct.New(t, []apptest.Account{owner, alice, bob, other}, p, sp)
		var hashes []string
		block := func(txs ...[]byte) {
			for _, r := range f.C.Block(txs...) {
				ct.MustOK(t, r)
			}
			hashes = append(hashes, hex.EncodeToString(f.C.App.Store().Hash()))
		}
		w := f.Register(owner, []uint32{11, 12, 13}, []uint64{100, 250, 900})
		block(f.C.Tx(owner, &stakepool.MsgCreate{CommissionBps: 500}), f.C.Tx(other, &stakepool.MsgCreate{CommissionBps: 0}))
		block(f.C.Tx(owner, &stakepool.MsgAddWorker{Pool: 1, Worker: ct.ID(w[0])}, &stakepool.MsgAddWorker{Pool: 1, Worker: ct.ID(w[1])}, &stakepool.MsgAddWorker{Pool: 1, Worker: ct.ID(w[2])}),
			f.C.Tx(alice, &stakepool.MsgContribute{Pool: 1, Amount: pha.Whole(9000)}), f.C.Tx(bob, &stakepool.MsgContribute{Pool: 1, Amount: pha.Whole(4000)}))
		block(f.C.Tx(owner, &stakepool.MsgStartComputing{Pool: 1, Worker: ct.ID(w[0]), Stake: pha.Whole(2000)},
			&stakepool.MsgStartComputing{Pool: 1, Worker: ct.ID(w[1]), Stake: pha.Whole(5000)},
			&stakepool.MsgStartComputing{Pool: 1, Worker: ct.ID(w[2]), Stake: pha.Whole(6000)}))
		for i := range 40 {
			var txs [][]byte
			var sent []ed25519.PrivateKey
			for j, k := range w[:2] { // w[2] never answers and goes offline
				if s, ok := f.Session(ct.ID(k)); ok && s.Challenge != 0 && s.Online {
					txs = append(txs, f.HeartbeatTx(k, s.Challenge))
					sent = append(sent, w[j])
				}
			}
			if i == 5 {
				txs = append(txs, f.C.Tx(bob, &stakepool.MsgWithdraw{Pool: 1, Shares: pha.Whole(3000)}))
			}
			if i == 8 {
				txs = append(txs, f.C.Tx(alice, &stakepool.MsgWithdraw{Pool: 1, Shares: pha.Whole(100)}))
			}
			block(txs...)
			for _, k := range sent {
				f.Sent(k)
			}
		}
		return hashes
	}
	a, b := script(), script()
	if !slices.Equal(a, b) {
		t.Fatalf("AppHashes differ between two runs of one script:\n%v\n%v", a, b)
	}
}

func TestBadGenesis(t *testing.T) {
	for _, sp := range []stakepool.Params{{GraceBlocks: -1, MaxWorkers: 1}, {GraceBlocks: 1}} {
		bal, err := balances.DefaultGenesis(map[string]address.Address{}, nil, pha.Amount{})
		if err != nil {
			t.Fatal(err)
		}
		gs, _ := app.NewGenesisState(app.DefaultParams(), map[string]any{balances.Name: bal, stakepool.Name: stakepool.Genesis{Params: &sp}})
		raw, _ := json.Marshal(gs)
		a, err := app.New(state.OpenMemory(), slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		_, err = a.InitChain(context.Background(), &abci.RequestInitChain{ChainId: "c", AppStateBytes: raw, InitialHeight: 1})
		if !errors.Is(err, stakepool.ErrBadGenesis) {
			t.Fatalf("%+v: %v", sp, err)
		}
	}
	for _, p := range []stakepool.Params{stakepool.DefaultParams(), stakepool.DevnetParams(), stakepool.ParamsFor(60)} {
		if err := p.Validate(); err != nil {
			t.Fatal(err)
		}
	}
	if stakepool.DefaultParams().GraceBlocks != 604_800 || stakepool.ParamsFor(60).GraceBlocks != 10_080 {
		t.Fatal("grace period is not 7 days")
	}
}

func TestQueries(t *testing.T) {
	b := newBase(t, stakepool.DefaultParams())
	ct.MustOK(t, b.C.Deliver(alice, &stakepool.MsgContribute{Pool: 1, Amount: pha.Whole(5000)}))
	ct.MustOK(t, b.C.Deliver(owner, &stakepool.MsgStartComputing{Pool: 1, Worker: b.Worker(0), Stake: pha.Whole(2000)}))
	var sp stakepool.Params
	var cp computation.Params
	var sessions []computation.SessionView
	b.C.Query("/stakepool/params", &sp)
	b.C.Query("/computation/params", &cp)
	b.C.Query("/computation/sessions", &sessions)
	if sp != stakepool.DefaultParams() || cp != b.Params || len(sessions) != 1 || sessions[0].Worker != b.Worker(0) || sessions[0].Share.IsZero() {
		t.Fatalf("params %+v %+v sessions %+v", sp, cp, sessions)
	}
	for _, bad := range []string{"/stakepool/pool/x", "/stakepool/pool/9", "/stakepool/shares/1/nobody", "/stakepool/nothing", "/computation/session/00", "/computation/nothing",
		"/computation/session/" + b.Worker(1).String()} {
		if res := b.C.Query(bad, nil); res.Code == 0 {
			t.Errorf("%s answered", bad)
		}
	}
}
