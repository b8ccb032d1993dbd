package mining_test

import (
	"testing"

	"github.com/phalanetwork/phala/fixedpoint"
	"github.com/phalanetwork/phala/mining"
	"github.com/phalanetwork/phala/modules/computation"
	"github.com/phalanetwork/phala/pha"
)

// TestIdleAndDecay: the lazy forms (closed form, powers by squaring)
// agree with Phala's per-block updates applied block by block (update_v_idle
// and update_v_slash) to 10^-9, the deductible included, below and past
// the cap.
func TestIdleAndDecay(t *testing.T) {
	p := computation.ParamsFor(12)
	v0 := fixedpoint.MustParse("1339")
	cost, _ := p.CostK.Mul(fixedpoint.FromInt(2000))
	cost, _ = cost.Add(p.CostB)
	for _, vmax := range []fixedpoint.U64F64{p.VMax, fixedpoint.MustParse("1339.5")} {
		iterV, iterDed, iterD := v0, fixedpoint.Zero, v0
		for n := uint64(1); n <= 5000; n++ {
			gv, _ := p.VGrowthPerBlock.Mul(iterV)
			delta, _ := gv.Add(cost)
			iterV, _ = iterV.Add(delta)
			iterV = iterV.Min(vmax)
			iterDed, _ = iterDed.Add(delta)
			sl, _ := iterD.Mul(p.SlashRatePerBlock)
			iterD, _ = iterD.Sub(sl)
			if n%250 != 0 {
				continue
			}
			v, ded := mining.Idle(v0, p.VGrowthPerBlock, cost, n, vmax)
			for _, c := range []struct{ lazy, iter fixedpoint.U64F64 }{{v, iterV}, {ded, iterDed}, {mining.Decayed(v0, p.SlashRatePerBlock, n), iterD}} {
				diff, err := c.lazy.Sub(c.iter)
				if err != nil {
					diff, _ = c.iter.Sub(c.lazy)
				}
				if fixedpoint.FromBits(0, 1<<34).LT(diff) { // 10^-9
					t.Fatalf("v_max %s, n %d: lazy %s, iterated %s", vmax, n, c.lazy, c.iter)
				}
			}
		}
	}
	for _, n := range []uint64{1 << 40, 1<<64 - 1} {
		if v, _ := mining.Idle(v0, p.VGrowthPerBlock, cost, n, p.VMax); v != p.VMax {
			t.Fatalf("not at the cap after %d blocks: %s", n, v)
		}
	}
	if v := mining.Decayed(v0, p.SlashRatePerBlock, 1<<62); !v.IsZero() {
		t.Fatalf("decayed forever to %s", v)
	}
}

// TestFinalStake: Phala's calc_final_stake returns stake·min(V/Ve, 1).
func TestFinalStake(t *testing.T) {
	stake := pha.Whole(1000)
	for _, tc := range []struct {
		v, ve             string
		returned, slashed pha.Amount
	}{
		{"1300", "1300", stake, pha.Amount{}},
		{"2000", "1300", stake, pha.Amount{}},
		{"650", "1300", pha.Whole(500), pha.Whole(500)},
		{"0", "1300", pha.Amount{}, stake},
	} {
		r, s := mining.FinalStake(stake, fixedpoint.MustParse(tc.v), fixedpoint.MustParse(tc.ve))
		if r != tc.returned || s != tc.slashed {
			t.Errorf("V %s Ve %s: returned %s slashed %s, want %s and %s", tc.v, tc.ve, r.PHA(), s.PHA(), tc.returned.PHA(), tc.slashed.PHA())
		}
	}
}
