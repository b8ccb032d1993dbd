package computation_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/phalanetwork/phala/chain/apptest"
	"github.com/phalanetwork/phala/fixedpoint"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/computation"
	ct "github.com/phalanetwork/phala/modules/computation/computationtest"
	"github.com/phalanetwork/phala/modules/stakepool"
	"github.com/phalanetwork/phala/pha"
)

// The attacks on the economy a miner or staker would notice: each test
// drives the real app the way a worker operator would and checks Phala's
// formula (docs/economy.md cites the source of each).

// TestPayoutDrawsDownV: a heartbeat's payout is taken out of V (Phala's
// update_v_heartbeat deducts min(growth since the last payout, payout)),
// so V does not simply keep rising toward v_max while the worker is paid.
func TestPayoutDrawsDownV(t *testing.T) {
	f, k, id := oneComputing(t)
	s0, _ := f.Session(id)
	c := f.NextChallenge(id, s0.StartHeight+2)
	for f.C.Height+1 < c {
		f.C.Block()
	}
	before, _ := f.Session(id)
	pool := f.Pool(1)
	owed := apptest.Add(t, pool.Rewards, pool.OwnerRewards)
	ct.MustOK(t, f.Heartbeat(k, c))
	after, _ := f.Session(id)
	pool = f.Pool(1)
	paid := apptest.Sub(t, apptest.Add(t, pool.Rewards, pool.OwnerRewards), owed)
	unpaid := f.Params.ValueAt(&before, c)
	got := f.Params.ValueAt(&after, c)
	if !got.LT(unpaid) {
		t.Fatalf("V after the heartbeat's payout of %s is %s, not below the %s it would be unpaid: payouts do not reduce V", paid.PHA(), got, unpaid)
	}
	drop, _ := unpaid.Sub(got)
	if paidFP, _ := fixedpoint.FromAmount(paid); paidFP.LT(drop) {
		t.Fatalf("V dropped by %s, more than the payout %s", drop, paid.PHA())
	}
}

// TestNoPayoutWithoutHeartbeat: Phala pays a worker only when it answers a
// heartbeat; a worker that is never challenged earns nothing however long
// it stays online.
func TestNoPayoutWithoutHeartbeat(t *testing.T) {
	f, keys := setup(t, ct.QuietParams(), 100)
	ct.MustOK(t, f.C.Deliver(owner, start(1, keys[0], pha.Whole(1000))))
	subsidy := f.Balance(balances.SubsidyPool)
	for range 20 {
		f.C.Block()
	}
	if p := f.Pool(1); !p.Rewards.IsZero() || !p.OwnerRewards.IsZero() || f.Balance(balances.SubsidyPool) != subsidy {
		t.Fatalf("a worker that never sent a heartbeat was paid %s (+%s commission); subsidy %s -> %s", p.Rewards.PHA(), p.OwnerRewards.PHA(), subsidy.PHA(), f.Balance(balances.SubsidyPool).PHA())
	}
}

// TestOfflineStretchSlashesStake: a worker that stays offline for a long
// stretch and is then stopped gets back stake · min(V_end / Ve, 1); the
// rest is slashed to the treasury (Phala's calc_final_stake and the stake
// pool's OnSlashed).
func TestOfflineStretchSlashesStake(t *testing.T) {
	p := testParams()
	p.SlashRatePerBlock = fixedpoint.MustRatio(1, 100) // 1 % a block, so 60 blocks show
	f, keys := setup(t, p, 100)
	k := keys[0]
	id := ct.ID(k)
	stake := pha.Whole(1000)
	ct.MustOK(t, f.C.Deliver(owner, start(1, k, stake)))
	for {
		s, _ := f.Session(id)
		if !s.Online {
			break
		}
		f.C.Block()
	}
	for range 60 {
		f.C.Block()
	}
	ct.MustOK(t, f.C.Deliver(owner, &stakepool.MsgStopComputing{Pool: 1, Worker: id}))
	stopped, _ := f.Session(id)
	if !stopped.V.LT(stopped.InitialV) {
		t.Fatalf("V %s after the offline stretch, not below Ve %s", stopped.V, stopped.InitialV)
	}
	for f.C.Height+1 < stopped.CoolingUntil {
		f.C.Block()
	}
	pool, treasury := f.Pool(1), f.Balance(balances.Treasury)
	f.C.Block()
	if _, ok := f.Session(id); ok {
		t.Fatal("session not released")
	}
	ratio, _ := stopped.V.Div(stopped.InitialV)
	want, _ := fixedpoint.MulAmount(stake, ratio)
	slashed := apptest.Sub(t, stake, want)
	after := f.Pool(1)
	returned := apptest.Sub(t, after.FreeStake, pool.FreeStake)
	if returned != want {
		t.Fatalf("pool got back %s of the %s stake, want stake·V/Ve = %s (V %s, Ve %s): the offline stretch cost nothing", returned.PHA(), stake.PHA(), want.PHA(), stopped.V, stopped.InitialV)
	}
	if got := apptest.Sub(t, f.Balance(balances.Treasury), treasury); got != slashed {
		t.Fatalf("treasury got %s, want the slash %s", got.PHA(), slashed.PHA())
	}
	if after.LockedStake != apptest.Sub(t, pool.LockedStake, stake) {
		t.Fatalf("locked %s -> %s", pool.LockedStake.PHA(), after.LockedStake.PHA())
	}
}

// TestBudgetSchedule: the budget per block falls to 75 % at the end of
// each halving interval (Phala's trigger_subsidy_halving).
func TestBudgetSchedule(t *testing.T) {
	m := paramsMap(t, ct.QuietParams())
	m["budget_halving_interval"] = 10
	f := ct.NewRaw(t, []apptest.Account{owner}, m, stakepool.DefaultParams())
	b0 := ct.QuietParams().BudgetPerBlock
	for f.C.Height < 25 {
		f.C.Block()
	}
	want := apptest.MulDiv(t, apptest.MulDiv(t, b0, pha.Units(3), pha.Units(4)), pha.Units(3), pha.Units(4))
	got := computation.Keeper{}.Params(f.C.App.Store()).BudgetPerBlock
	if d := diff(got, want); pha.Units(2).LT(d) {
		t.Fatalf("budget per block at height 25 with a 10-block interval: %s, want 0.75²·%s = %s", got.PHA(), b0.PHA(), want.PHA())
	}
}

func diff(a, b pha.Amount) pha.Amount {
	if a.LT(b) {
		a, b = b, a
	}
	d, _ := a.Sub(b)
	return d
}

// TestParamsOutsidePhalaBounds: genesis refuses parameters Phala's
// mechanism does not allow, naming the bound.
func TestParamsOutsidePhalaBounds(t *testing.T) {
	for _, tc := range []struct {
		name, field string
		value       any
	}{
		{"no minimum stake", "k", "0"},
		{"growth of 100 % a block", "v_growth_per_block", "1"},
		{"budget above twice Phala's daily budget per block", "budget_per_block", pha.Whole(1_440_001)},
		{"v_max above Phala's", "v_max", "30001"},
		{"halving that raises the budget", "budget_halving_keep", "1.5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := paramsMap(t, computation.DefaultParams())
			m[tc.field] = tc.value
			err := initChain(t, map[string]any{computation.Name: map[string]any{"params": m}})
			if err == nil || !strings.Contains(err.Error(), "outside Phala's bounds") {
				t.Fatalf("got %v, want a refusal naming Phala's bounds", err)
			}
		})
	}
}

// paramsMap is p as a JSON object, numbers kept exact.
func paramsMap(t *testing.T, p computation.Params) map[string]any {
	t.Helper()
	raw, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}
