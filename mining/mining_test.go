package mining_test

import (
	"testing"

	"github.com/phalanetwork/phala/fixedpoint"
	"github.com/phalanetwork/phala/mining"
	"github.com/phalanetwork/phala/modules/computation"
)

// TestGrowthAndDecay: the lazy forms (powers by squaring) agree with
// applying the factor block by block to 10^-9 (each rounds differently,
// both deterministically), and growth stops at the cap.
func TestGrowthAndDecay(t *testing.T) {
	p := computation.DefaultParams()
	v0 := fixedpoint.MustParse("1339")
	g, _ := fixedpoint.One.Add(p.VGrowthPerBlock)
	d, _ := fixedpoint.One.Sub(p.SlashRatePerBlock)
	iterG, iterD := v0, v0
	for n := uint64(1); n <= 5000; n++ {
		iterG, _ = iterG.Mul(g)
		iterD, _ = iterD.Mul(d)
		if n%250 != 0 {
			continue
		}
		for _, c := range []struct{ lazy, iter fixedpoint.U64F64 }{
			{mining.Grown(v0, p.VGrowthPerBlock, n, p.VMax), iterG},
			{mining.Decayed(v0, p.SlashRatePerBlock, n), iterD},
		} {
			diff, err := c.lazy.Sub(c.iter)
			if err != nil {
				diff, _ = c.iter.Sub(c.lazy)
			}
			if fixedpoint.FromBits(0, 1<<34).LT(diff) { // 10^-9
				t.Fatalf("n %d: lazy %s, iterated %s", n, c.lazy, c.iter)
			}
		}
	}
	// 10^-6 per block from 1339 reaches 30000 after about 3.1 million
	// blocks (36 days); it never passes the cap, however long.
	for _, n := range []uint64{3_000_000, 3_200_000, 1 << 40, 1<<64 - 1} {
		v := mining.Grown(v0, p.VGrowthPerBlock, n, p.VMax)
		if p.VMax.LT(v) {
			t.Fatalf("grown past the cap after %d blocks: %s", n, v)
		}
		if n > 3_200_000 && v != p.VMax {
			t.Fatalf("not at the cap after %d blocks: %s", n, v)
		}
	}
	if v := mining.Grown(v0, p.VGrowthPerBlock, 3_000_000, p.VMax); v == p.VMax {
		t.Fatalf("at the cap too early: %s", v)
	}
	if v := mining.Decayed(v0, p.SlashRatePerBlock, 1<<62); !v.IsZero() {
		t.Fatalf("decayed forever to %s", v)
	}
}
