package computation

import (
	"math/rand/v2"
	"testing"

	"github.com/phalanetwork/phala/fixedpoint"
	"github.com/phalanetwork/phala/pha"
)

func TestSessionEncoding(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for i := range 200 {
		s := Session{Pool: r.Uint64(), State: StateComputing, Online: i%2 == 0, Benchmark: r.Uint64(), Stake: pha.Units(r.Uint64()),
			InitialV: fixedpoint.FromBits(r.Uint64(), r.Uint64()), V: fixedpoint.FromBits(r.Uint64(), r.Uint64()),
			VHeight: r.Int64(), Challenge: r.Int64(), Answered: r.Int64(), LastHeartbeat: r.Int64(), StartHeight: r.Int64(),
			OfflineSince: r.Int64(), CoolingUntil: r.Int64()}
		if i%3 == 0 {
			s.State = StateCoolingDown
		}
		s.Worker[i%32] = byte(i)
		raw := s.encode()
		if len(raw) != sessionSize {
			t.Fatalf("encoded %d bytes, want %d", len(raw), sessionSize)
		}
		back, err := decodeSession(raw)
		if err != nil || back != s {
			t.Fatalf("round trip: %+v -> %+v (%v)", s, back, err)
		}
	}
	for _, bad := range [][]byte{nil, make([]byte, sessionSize), append([]byte{sessionVersion}, make([]byte, sessionSize)...)} {
		if _, err := decodeSession(bad); err == nil {
			t.Fatalf("decoded %x", bad)
		}
	}
}

// TestGrowthAndDecay: the lazy forms (powers by squaring) agree with
// applying the factor block by block to 10^-9 (each rounds differently,
// both deterministically), and growth stops at the cap.
func TestGrowthAndDecay(t *testing.T) {
	p := DefaultParams()
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
			{grown(v0, p.VGrowthPerBlock, n, p.VMax), iterG},
			{decayed(v0, p.SlashRatePerBlock, n), iterD},
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
		v := grown(v0, p.VGrowthPerBlock, n, p.VMax)
		if p.VMax.LT(v) {
			t.Fatalf("grown past the cap after %d blocks: %s", n, v)
		}
		if n > 3_200_000 && v != p.VMax {
			t.Fatalf("not at the cap after %d blocks: %s", n, v)
		}
	}
	if v := grown(v0, p.VGrowthPerBlock, 3_000_000, p.VMax); v == p.VMax {
		t.Fatalf("at the cap too early: %s", v)
	}
	if v := decayed(v0, p.SlashRatePerBlock, 1<<62); !v.IsZero() {
		t.Fatalf("decayed forever to %s", v)
	}
}
