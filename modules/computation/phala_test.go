package computation_test

import (
	"testing"

	"github.com/phalanetwork/phala/fixedpoint"
	"github.com/phalanetwork/phala/modules/computation"
	"github.com/phalanetwork/phala/pha"
)

// Phala's published per-block figures for 12-second blocks: the
// tokenomic test parameters of its gatekeeper (test_params in
// crates/phactory/src/system/gk.rs of phala-blockchain), which its
// pallet's genesis config derives from the hourly and yearly figures.
var (
	phalaRho   = fixedpoint.MustParse("1.000000666600231")
	phalaCostK = fixedpoint.MustParse("0.000000015815258751856933056")
	phalaCostB = fixedpoint.MustParse("0.000033711472602739674283")
	phalaSlash = fixedpoint.MustParse("0.0000033333333333333240063")
)

// TestPhalaTrajectory compares one worker profile with Phala's own
// numbers: P 1000 staking Phala's minimal stake for it (3162.277660146355
// PHA, its pallet test's minimal_stake(1000)), online without a payout for
// 30 days and then offline for 7. Phala's V is computed block by block
// with its published constants (update_v_idle, update_v_slash); ours is
// the chain's lazy V under ParamsFor(12). They agree to 10^-6 PHA at every
// checkpoint; the table is in docs/economy.md.
func TestPhalaTrajectory(t *testing.T) {
	p := computation.ParamsFor(12)
	const bench = 1000
	stake := pha.Units(3_162_277_660_146_355)
	// Phala's fixed-point square root is a little less exact than ours
	// (sqrt(1000)·100 = 3162.27766016838): within 10^-6 PHA.
	if got := p.MinStake(bench); diffAmount(got, stake).Cmp(pha.Units(1_000_000)) > 0 {
		t.Fatalf("minimal stake of P 1000: %s, Phala's %s", got.PHA(), stake.PHA())
	}
	// Phala's test: ve(1000 PHA, P 1000) = 1690.
	if ve, _ := p.InitialV(pha.Whole(1000), bench); ve.Format(9) != "1690.000000000" && ve.Format(9) != "1689.999999999" {
		t.Fatalf("Ve of 1000 PHA at P 1000: %s, Phala's 1690", ve)
	}
	ve, _ := p.InitialV(stake, bench)
	s := computation.Session{State: computation.StateComputing, Online: true, Benchmark: bench, Stake: stake, InitialV: ve, V: ve}
	cost, _ := phalaCostK.Mul(fixedpoint.FromInt(bench))
	cost, _ = cost.Add(phalaCostB)
	g, _ := phalaRho.Sub(fixedpoint.One)
	phala := ve
	const day = 7200 // 12-s blocks
	checkpoints := map[int64]string{300: "1 hour", day: "1 day", 7 * day: "7 days", 30 * day: "30 days"}
	t.Logf("%-24s %-22s %-22s", "profile P 1000, stake 3162.28", "Phala (per block)", "this chain (lazy)")
	for h := int64(1); h <= 37*day; h++ {
		if h <= 30*day {
			gv, _ := g.Mul(phala)
			d, _ := gv.Add(cost)
			phala, _ = phala.Add(d)
			phala = phala.Min(p.VMax)
		} else {
			sl, _ := phala.Mul(phalaSlash)
			phala, _ = phala.Sub(sl)
		}
		if h == 30*day {
			// Offline from here: the chain stores V and slashes lazily.
			s.V, s.VHeight, s.Online = p.ValueAt(&s, h), h, false
		}
		label, online := checkpoints[h]
		if h == 31*day {
			label = "30 days + 1 offline"
		} else if h == 37*day {
			label = "30 days + 7 offline"
		} else if !online {
			continue
		}
		ours := p.ValueAt(&s, h)
		diff, err := ours.Sub(phala)
		if err != nil {
			diff, _ = phala.Sub(ours)
		}
		t.Logf("%-24s %-22s %-22s", label, phala.Format(9), ours.Format(9))
		if fixedpoint.MustParse("0.000001").LT(diff) {
			t.Fatalf("%s: V %s, Phala's %s", label, ours, phala)
		}
	}
	returned, slashed := finalStake(t, stake, p.ValueAt(&s, 37*day), ve)
	t.Logf("stopped after the 7 days offline: returned %s, slashed %s of %s", returned.PHA(), slashed.PHA(), stake.PHA())
}

func finalStake(t *testing.T, stake pha.Amount, v, ve fixedpoint.U64F64) (pha.Amount, pha.Amount) {
	t.Helper()
	r, err := v.Div(ve)
	if err != nil {
		t.Fatal(err)
	}
	ret, _ := fixedpoint.MulAmount(stake, r.Min(fixedpoint.One))
	sl, _ := stake.Sub(ret)
	return ret, sl
}

func diffAmount(a, b pha.Amount) pha.Amount {
	if a.LT(b) {
		a, b = b, a
	}
	d, _ := a.Sub(b)
	return d
}
