package mining

import (
	"testing"

	"github.com/phalanetwork/phala/fixedpoint"
	"github.com/phalanetwork/phala/pha"
)

func TestFormulas(t *testing.T) {
	rig := Rig{Re: fixedpoint.MustParse("1.3"), K: fixedpoint.MustParse("0.3"), Conf: 1, VMax: fixedpoint.FromInt(30_000)}
	for _, c := range []struct {
		stake     pha.Amount
		benchmark uint64
		minStake  pha.Amount
		v, share  string
	}{
		// k·sqrt(P) with k = 100; Ve = 1.3·(stake + 0.3·P); share = sqrt(V² + (2P)²).
		{pha.Whole(1000), 100, pha.Whole(1000), "1339", "1353.8"},
		{pha.Whole(0), 0, pha.Whole(0), "0", "0"},
		{pha.Whole(1_000_000), 2500, pha.Whole(5000), "30000", "30413.8"},
	} {
		if got := MinStake(fixedpoint.FromInt(100), c.benchmark); got != c.minStake {
			t.Errorf("MinStake(P %d) = %s, want %s", c.benchmark, got.PHA(), c.minStake.PHA())
		}
		v, err := InitialV(rig, c.stake, c.benchmark)
		if err != nil || !near(v, c.v) {
			t.Errorf("InitialV(%s, %d) = %s (%v), want about %s", c.stake.PHA(), c.benchmark, v, err, c.v)
		}
		sh, err := Share(v, c.benchmark, 1)
		if err != nil || !near(sh, c.share) {
			t.Errorf("Share(%s, %d) = %s (%v), want about %s", v, c.benchmark, sh, err, c.share)
		}
	}
}

// near says whether x is within 0.1 of the decimal want.
func near(x fixedpoint.U64F64, want string) bool {
	w := fixedpoint.MustParse(want)
	d, err := x.Sub(w)
	if err != nil {
		d, _ = w.Sub(x)
	}
	return d.LT(fixedpoint.MustParse("0.1"))
}

func TestChallenged(t *testing.T) {
	hash := make([]byte, 32)
	for _, c := range []struct {
		hash      []byte
		threshold uint64
		want      bool
	}{
		{nil, ^uint64(0), false}, // no block hash: nobody is challenged
		{hash, ^uint64(0), true},
		{hash, 0, false},
		{make([]byte, 100), ^uint64(0), true}, // the long-hash path
	} {
		if got := Challenged(c.hash, [32]byte{1}, c.threshold); got != c.want {
			t.Errorf("Challenged(%d-byte hash, %d) = %v, want %v", len(c.hash), c.threshold, got, c.want)
		}
	}
}
