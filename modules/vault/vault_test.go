package vault_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/phalanetwork/phala/chain/apptest"
	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/computation"
	ct "github.com/phalanetwork/phala/modules/computation/computationtest"
	"github.com/phalanetwork/phala/modules/stakepool"
	"github.com/phalanetwork/phala/modules/vault"
	"github.com/phalanetwork/phala/pha"
)

var owner, vowner, alice, bob = apptest.NewAccount(11), apptest.NewAccount(12), apptest.NewAccount(13), apptest.NewAccount(14)

// base: pool 1 of owner (10 % commission) holds worker 0 (b.Worker(0), P
// 100, minimum stake 1000 PHA); vault 1 of vowner takes 20 % of its gains.
type base struct{ *ct.Fixture }

func newBase(t *testing.T, sp stakepool.Params) *base {
	t.Helper()
	f := ct.New(t, []apptest.Account{owner, vowner, alice, bob}, ct.QuietParams(), sp)
	w := f.Register(owner, []uint32{1}, []uint64{100})
	f.CreatePool(owner, 1000, w[0])
	ct.MustOK(t, f.C.Deliver(vowner, &vault.MsgCreate{CommissionBps: 2000}))
	return &base{f}
}

func (b *base) info(id uint64) vault.Info {
	b.T.Helper()
	return apptest.MustQuery[vault.Info](b.T, b.C, fmt.Sprintf("/vault/vault/%d", id))
}

func (b *base) shares(id uint64, a apptest.Account) vault.SharesInfo {
	b.T.Helper()
	return apptest.MustQuery[vault.SharesInfo](b.T, b.C, fmt.Sprintf("/vault/shares/%d/%s", id, a.Addr))
}

// start: alice deposits 3000, bob 1000, the vault delegates 2000 to pool 1
// and the pool owner starts the worker with it.
func (b *base) start() {
	t := b.T
	ct.MustOK(t, b.C.Deliver(alice, &vault.MsgDeposit{Vault: 1, Amount: pha.Whole(3000)}))
	ct.MustOK(t, b.C.Deliver(bob, &vault.MsgDeposit{Vault: 1, Amount: pha.Whole(1000)}))
	ct.MustOK(t, b.C.Deliver(vowner, &vault.MsgDelegate{Vault: 1, Pool: 1, Amount: pha.Whole(2000)}))
	ct.MustOK(t, b.C.Deliver(owner, &stakepool.MsgStartComputing{Pool: 1, Worker: b.Worker(0), Stake: pha.Whole(2000)}))
}

func TestHappyPath(t *testing.T) {
	b := newBase(t, stakepool.DefaultParams())
	a0 := b.Balance(alice.Addr)
	ct.MustOK(t, b.C.Deliver(alice, &vault.MsgDeposit{Vault: 1, Amount: pha.Whole(3000)}))
	if got, want := b.Balance(alice.Addr), apptest.Sub(t, a0, apptest.Add(t, pha.Whole(3000), apptest.Fee())); got != want {
		t.Fatalf("alice has %s, want %s", got.PHA(), want.PHA())
	}
	if s := b.shares(1, alice); s.Shares != pha.Whole(3000) || s.Value != pha.Whole(3000) {
		t.Fatalf("alice's shares %+v", s)
	}
	if got := vault.New(nil).HolderValue(b.C.App.Store(), alice.Addr); got != pha.Whole(3000) {
		t.Fatalf("alice's vault stake %s", got.PHA())
	}
	ct.MustOK(t, b.C.Deliver(bob, &vault.MsgDeposit{Vault: 1, Amount: pha.Whole(1000)}))
	ct.MustOK(t, b.C.Deliver(vowner, &vault.MsgDelegate{Vault: 1, Pool: 1, Amount: pha.Whole(2000)}))
	v := b.info(1)
	if v.Free != pha.Whole(2000) || v.Value != pha.Whole(4000) || v.Price != "1.000000000000" || len(v.Positions) != 1 ||
		v.Positions[0].Shares != pha.Whole(2000) || !v.CommissionShares.IsZero() {
		t.Fatalf("after delegating: %+v", v)
	}
	// No gain yet: blocks mint no commission.
	for range 3 {
		b.Block()
	}
	if v := b.info(1); !v.CommissionShares.IsZero() || v.TotalShares != pha.Whole(4000) {
		t.Fatalf("commission without gains: %+v", v)
	}

	ct.MustOK(t, b.C.Deliver(owner, &stakepool.MsgStartComputing{Pool: 1, Worker: b.Worker(0), Stake: pha.Whole(2000)}))
	prev := b.info(1)
	for range 5 {
		b.Earn()
		v := b.info(1)
		if v.Price <= prev.Price || v.Value.Cmp(prev.Value) <= 0 {
			t.Fatalf("price did not rise: %s -> %s (value %s -> %s)", prev.Price, v.Price, prev.Value.PHA(), v.Value.PHA())
		}
		if v.CommissionShares.Cmp(prev.CommissionShares) <= 0 {
			t.Fatalf("no commission shares minted on a gain: %+v", v)
		}
		// The mark follows the price after commission.
		if v.HighWater.Cmp(prev.HighWater) <= 0 {
			t.Fatalf("high water %s -> %s", prev.HighWater, v.HighWater)
		}
		prev = v
	}
	// The owner's shares are worth 20 % of the gain, plus what the shares
	// minted early earned since (at most 20 % × gain / 4000 more).
	gain := apptest.Sub(t, prev.Value, pha.Whole(4000))
	want := apptest.MulDiv(t, gain, pha.Units(2000), pha.Units(10_000))
	hi := apptest.Add(t, want, apptest.MulDiv(t, want, gain, pha.Whole(4000)))
	lo := apptest.Sub(t, want, pha.Units(1_000_000))
	got := b.shares(1, vowner).Value
	if got.LT(lo) || hi.LT(got) {
		t.Fatalf("owner's commission worth %s, want about %s of gain %s", got.PHA(), want.PHA(), gain.PHA())
	}
	// Holders kept 80 %.
	holders := apptest.Add(t, b.shares(1, alice).Value, b.shares(1, bob).Value)
	if keep := apptest.Sub(t, gain, want); apptest.Add(t, pha.Whole(4000), keep).Cmp(holders) < 0 {
		t.Fatalf("holders worth %s, more than deposits + 80 %% of the gain", holders.PHA())
	}

	// Withdrawals: alice wants all (more than the 2000 free), bob after her.
	ct.MustOK(t, b.C.Deliver(alice, &vault.MsgWithdraw{Vault: 1, Shares: pha.Whole(3000)}))
	if s := b.shares(1, alice); s.Withdrawing == nil || !s.Shares.IsZero() {
		t.Fatalf("alice should wait: %+v", s)
	}
	if v := b.info(1); !v.Free.LT(pha.Units(1000)) { // rounding dust stays
		t.Fatalf("free PHA not paid to alice: %s", v.Free.PHA())
	}
	ct.MustOK(t, b.C.Deliver(bob, &vault.MsgWithdraw{Vault: 1, Shares: pha.Whole(1000)}))
	bobQueued := b.shares(1, bob).Withdrawing
	if bobQueued == nil || bobQueued.Shares != pha.Whole(1000) {
		t.Fatalf("bob %+v", bobQueued)
	}
	// The owner takes everything out of the pool: queued there until the
	// worker's stake comes back.
	pos := b.info(1).Positions[0]
	ct.MustOK(t, b.C.Deliver(vowner, &vault.MsgUndelegate{Vault: 1, Pool: 1, Shares: pos.Shares}))
	ct.MustOK(t, b.C.Deliver(owner, &stakepool.MsgStopComputing{Pool: 1, Worker: b.Worker(0)}))
	aliceBefore, bobBefore := b.Balance(alice.Addr), b.Balance(bob.Addr)
	for i := 0; i < 20; i++ {
		b.Block()
		a, bb := b.shares(1, alice), b.shares(1, bob)
		if a.Withdrawing != nil && bb.Withdrawing != nil && bb.Withdrawing.Shares != pha.Whole(1000) {
			t.Fatal("bob paid before alice")
		}
		if a.Withdrawing == nil && bb.Withdrawing == nil {
			break
		}
	}
	if s := b.shares(1, alice); s.Withdrawing != nil {
		t.Fatalf("alice still waits: %+v", s)
	}
	if s := b.shares(1, bob); s.Withdrawing != nil {
		t.Fatalf("bob still waits: %+v", s)
	}
	if !pha.Whole(1000).LT(b.Balance(alice.Addr)) || !bobBefore.LT(b.Balance(bob.Addr)) || !aliceBefore.LT(b.Balance(alice.Addr)) {
		t.Fatal("not paid")
	}
	// Bob earned: more than he put in.
	if got := apptest.Sub(t, b.Balance(bob.Addr), bobBefore); !pha.Whole(1000).LT(got) {
		t.Fatalf("bob got %s for 1000 PHA", got.PHA())
	}
	v = b.info(1)
	if len(v.Withdrawals) != 0 || len(v.Positions) != 0 || v.TotalShares != b.shares(1, vowner).Shares {
		t.Fatalf("after all withdrew: %+v", v)
	}
	if got := vault.New(nil).HolderValue(b.C.App.Store(), bob.Addr); !got.IsZero() {
		t.Fatalf("bob's vault stake %s after withdrawing all", got.PHA())
	}
	var list []vault.Summary
	b.C.Query("/vault/vaults", &list)
	if len(list) != 1 || list[0].ID != 1 || list[0].Owner != vowner.Addr {
		t.Fatalf("vaults %+v", list)
	}
}

// TestForcedExit: a withdrawal still waiting 3 × grace_blocks after it was
// requested makes the vault withdraw all its pool shares; the pool's own
// grace period then stops the worker and the vault pays the holder.
func TestForcedExit(t *testing.T) {
	sp := stakepool.DefaultParams()
	sp.GraceBlocks = 10
	b := newBase(t, sp)
	ct.MustOK(t, b.C.Deliver(alice, &vault.MsgDeposit{Vault: 1, Amount: pha.Whole(2000)}))
	ct.MustOK(t, b.C.Deliver(vowner, &vault.MsgDelegate{Vault: 1, Pool: 1, Amount: pha.Whole(2000)}))
	ct.MustOK(t, b.C.Deliver(owner, &stakepool.MsgStartComputing{Pool: 1, Worker: b.Worker(0), Stake: pha.Whole(2000)}))
	ct.MustOK(t, b.C.Deliver(alice, &vault.MsgWithdraw{Vault: 1, Shares: pha.Whole(2000)}))
	req := b.C.Height
	q := b.shares(1, alice).Withdrawing
	if q == nil || q.Due != req+30 {
		t.Fatalf("queued %+v", q)
	}
	for b.C.Height < req+29 {
		b.Block()
		if p := b.info(1).Positions; len(p) != 1 || p[0].Queued.Cmp(pha.Amount{}) != 0 {
			t.Fatalf("height %d: vault left the pool early: %+v", b.C.Height, p)
		}
	}
	b.Block() // the due height: the vault withdraws everything
	res := b.info(1).Positions
	if len(res) != 1 || !res[0].Shares.IsZero() || res[0].Queued.IsZero() {
		t.Fatalf("no forced exit at height %d: %+v", b.C.Height, res)
	}
	bound := req + 30 + sp.GraceBlocks + ct.QuietParams().CooldownBlocks + 3
	for b.C.Height < bound && b.shares(1, alice).Withdrawing != nil {
		b.Block()
	}
	if s := b.shares(1, alice); s.Withdrawing != nil {
		t.Fatalf("alice still waits at height %d: %+v", b.C.Height, s)
	}
	if s, ok := b.Session(b.Worker(0)); ok && s.State == computation.StateComputing {
		t.Fatal("worker still computing")
	}
}

// TestForcedExitPaidAtOnceValuedAfter: the pool has free stake, so the
// forced exit's withdrawal pays the vault at once for part of its shares
// and queues the rest. The vault serves its queue in that same end of
// block valued as it is after the withdrawal (the payment in its free PHA,
// the rest queued in the pool), not as before plus the payment: alice,
// holding as many shares as bob, is paid for all of hers at once, what
// bob's are worth after it. Valued with the positions from before the
// withdrawal, she was paid 1180 PHA for part of her shares and still
// waited.
func TestForcedExitPaidAtOnceValuedAfter(t *testing.T) {
	sp := stakepool.DefaultParams()
	sp.GraceBlocks = 10
	b := newBase(t, sp)
	ct.MustOK(t, b.C.Deliver(alice, &vault.MsgDeposit{Vault: 1, Amount: pha.Whole(1000)}))
	ct.MustOK(t, b.C.Deliver(bob, &vault.MsgDeposit{Vault: 1, Amount: pha.Whole(1000)}))
	ct.MustOK(t, b.C.Deliver(vowner, &vault.MsgDelegate{Vault: 1, Pool: 1, Amount: pha.Whole(2000)}))
	ct.MustOK(t, b.C.Deliver(owner, &stakepool.MsgStartComputing{Pool: 1, Worker: b.Worker(0), Stake: pha.Whole(1000)}))
	ct.MustOK(t, b.C.Deliver(alice, &vault.MsgWithdraw{Vault: 1, Shares: b.shares(1, alice).Shares}))
	req := b.C.Height
	before := b.Balance(alice.Addr)
	for b.C.Height < req+30 {
		b.Block()
	}
	got := apptest.Sub(t, b.Balance(alice.Addr), before)
	if s := b.shares(1, alice); s.Withdrawing != nil {
		t.Fatalf("after the forced exit at height %d alice got %s and still waits for %+v; want all her shares paid", b.C.Height, got.PHA(), s.Withdrawing)
	}
	bobs := b.shares(1, bob).Value
	hi, lo := got, bobs
	if hi.LT(lo) {
		hi, lo = lo, hi
	}
	if pha.Whole(1).LT(apptest.Sub(t, hi, lo)) {
		t.Fatalf("alice got %s for her shares, bob's as many are worth %s", got.PHA(), bobs.PHA())
	}
}

func TestErrors(t *testing.T) {
	deposit := func(b *base) {
		ct.MustOK(t, b.C.Deliver(alice, &vault.MsgDeposit{Vault: 1, Amount: pha.Whole(2000)}))
	}
	cases := []struct {
		name  string
		prep  func(b *base)
		from  apptest.Account
		msg   tx.Msg
		space string
		code  uint32
		noFee bool
	}{
		{"commission above 100%", nil, vowner, &vault.MsgCreate{CommissionBps: 10_001}, vault.Codespace, vault.ErrBadCommission.Code, true},
		{"deposit zero", nil, alice, &vault.MsgDeposit{Vault: 1}, vault.Codespace, vault.ErrZeroAmount.Code, true},
		{"deposit to an unknown vault", nil, alice, &vault.MsgDeposit{Vault: 7, Amount: pha.Whole(1)}, vault.Codespace, vault.ErrUnknownVault.Code, false},
		{"deposit more than the balance", nil, alice, &vault.MsgDeposit{Vault: 1, Amount: pha.Whole(2_000_000)},
			balances.Codespace, balances.ErrInsufficientFunds.Code, false},
		{"deposit less than a share", func(b *base) {
			ct.MustOK(t, b.C.Deliver(alice, &vault.MsgDeposit{Vault: 1, Amount: pha.Units(1)}))
			ct.MustOK(t, b.C.Deliver(bob, &balances.MsgTransfer{To: vault.AccountOf(1), Amount: pha.Whole(1)}))
		}, bob, &vault.MsgDeposit{Vault: 1, Amount: pha.Units(1)}, vault.Codespace, vault.ErrDepositTooSmall.Code, false},
		{"withdraw zero", nil, alice, &vault.MsgWithdraw{Vault: 1}, vault.Codespace, vault.ErrZeroAmount.Code, true},
		{"withdraw from an unknown vault", nil, alice, &vault.MsgWithdraw{Vault: 2, Shares: pha.Whole(1)}, vault.Codespace, vault.ErrUnknownVault.Code, false},
		{"withdraw more than held", deposit, alice, &vault.MsgWithdraw{Vault: 1, Shares: pha.Whole(2001)}, vault.Codespace, vault.ErrInsufficientShares.Code, false},
		{"withdraw with a request queued", func(b *base) {
			deposit(b)
			ct.MustOK(t, b.C.Deliver(vowner, &vault.MsgDelegate{Vault: 1, Pool: 1, Amount: pha.Whole(2000)}))
			ct.MustOK(t, b.C.Deliver(alice, &vault.MsgWithdraw{Vault: 1, Shares: pha.Whole(100)}))
		}, alice, &vault.MsgWithdraw{Vault: 1, Shares: pha.Whole(1)}, vault.Codespace, vault.ErrWithdrawalPending.Code, false},
		{"delegate zero", deposit, vowner, &vault.MsgDelegate{Vault: 1, Pool: 1}, vault.Codespace, vault.ErrZeroAmount.Code, true},
		{"delegate from an unknown vault", deposit, vowner, &vault.MsgDelegate{Vault: 3, Pool: 1, Amount: pha.Whole(1)}, vault.Codespace, vault.ErrUnknownVault.Code, false},
		{"delegate by a stranger", deposit, alice, &vault.MsgDelegate{Vault: 1, Pool: 1, Amount: pha.Whole(1)}, vault.Codespace, vault.ErrNotOwner.Code, false},
		{"delegate more than free", deposit, vowner, &vault.MsgDelegate{Vault: 1, Pool: 1, Amount: pha.Whole(2001)}, vault.Codespace, vault.ErrInsufficientFree.Code, false},
		{"delegate to an unknown pool", deposit, vowner, &vault.MsgDelegate{Vault: 1, Pool: 9, Amount: pha.Whole(1)}, stakepool.Codespace, stakepool.ErrUnknownPool.Code, false},
		{"undelegate zero", deposit, vowner, &vault.MsgUndelegate{Vault: 1, Pool: 1}, vault.Codespace, vault.ErrZeroAmount.Code, true},
		{"undelegate by a stranger", deposit, bob, &vault.MsgUndelegate{Vault: 1, Pool: 1, Shares: pha.Whole(1)}, vault.Codespace, vault.ErrNotOwner.Code, false},
		{"undelegate from an unknown vault", deposit, vowner, &vault.MsgUndelegate{Vault: 5, Pool: 1, Shares: pha.Whole(1)}, vault.Codespace, vault.ErrUnknownVault.Code, false},
		{"undelegate more pool shares than held", func(b *base) {
			deposit(b)
			ct.MustOK(t, b.C.Deliver(vowner, &vault.MsgDelegate{Vault: 1, Pool: 1, Amount: pha.Whole(500)}))
		}, vowner, &vault.MsgUndelegate{Vault: 1, Pool: 1, Shares: pha.Whole(501)}, stakepool.Codespace, stakepool.ErrInsufficientShares.Code, false},
		{"undelegate with a pool request queued", func(b *base) {
			deposit(b)
			ct.MustOK(t, b.C.Deliver(vowner, &vault.MsgDelegate{Vault: 1, Pool: 1, Amount: pha.Whole(2000)}))
			ct.MustOK(t, b.C.Deliver(owner, &stakepool.MsgStartComputing{Pool: 1, Worker: b.Worker(0), Stake: pha.Whole(2000)}))
			ct.MustOK(t, b.C.Deliver(vowner, &vault.MsgUndelegate{Vault: 1, Pool: 1, Shares: pha.Whole(100)}))
		}, vowner, &vault.MsgUndelegate{Vault: 1, Pool: 1, Shares: pha.Whole(1)}, stakepool.Codespace, stakepool.ErrWithdrawalPending.Code, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := newBase(t, stakepool.DefaultParams())
			if tc.prep != nil {
				tc.prep(b)
			}
			before := b.Balance(tc.from.Addr)
			apptest.ExpectCode(t, b.C.Deliver(tc.from, tc.msg), tc.space, tc.code)
			want := apptest.Sub(t, before, apptest.Fee())
			if tc.noFee {
				want = before
			}
			if got := b.Balance(tc.from.Addr); got != want && tc.from.Addr != owner.Addr {
				t.Fatalf("sender has %s, want %s", got.PHA(), want.PHA())
			}
		})
	}
}

func TestGenesisAndQueries(t *testing.T) {
	m := vault.New(nil)
	ctx := &module.Context{KV: state.OpenMemory()}
	if err := m.InitGenesis(ctx, json.RawMessage(`{"x":1}`)); !errors.Is(err, vault.ErrBadGenesis) {
		t.Fatalf("bad genesis accepted: %v", err)
	}
	if err := m.InitGenesis(ctx, nil); err != nil {
		t.Fatal(err)
	}
	b := newBase(t, stakepool.DefaultParams())
	if res := b.C.Query("/vault/vault/9", nil); res.Code != vault.ErrUnknownVault.Code {
		t.Fatalf("unknown vault: %d %s", res.Code, res.Log)
	}
	if res := b.C.Query("/vault/nothing", nil); res.Code == 0 {
		t.Fatal("unknown path answered")
	}
}

// TestNoCommissionWithoutGain: withdrawals and deposits at an unchanged
// price mint no owner shares.
func TestNoCommissionWithoutGain(t *testing.T) {
	b := newBase(t, stakepool.DefaultParams())
	b.start()
	ct.MustOK(t, b.C.Deliver(owner, &stakepool.MsgStopComputing{Pool: 1, Worker: b.Worker(0)}))
	for range 8 {
		b.Block()
	}
	c0 := b.info(1).CommissionShares
	ct.MustOK(t, b.C.Deliver(bob, &vault.MsgWithdraw{Vault: 1, Shares: pha.Whole(500)}))
	ct.MustOK(t, b.C.Deliver(bob, &vault.MsgDeposit{Vault: 1, Amount: pha.Whole(700)}))
	for range 3 {
		b.Block()
	}
	if c := b.info(1).CommissionShares; c != c0 {
		t.Fatalf("commission shares %s -> %s without a gain", c0, c)
	}
}
