package computation

import (
	"fmt"

	"github.com/phalanetwork/phala/fixedpoint"
	"github.com/phalanetwork/phala/pha"
)

// The formulas of V, P and the share, all in 64.64 fixed point rounded
// down at every step.

// MinStake is the least stake that may start a session of benchmark p:
// k·sqrt(P) PHA, rounded down to base units.
func (p Params) MinStake(benchmark uint64) pha.Amount {
	root := fixedpoint.FromInt(benchmark).Sqrt()
	s, err := p.K.Mul(root)
	if err != nil {
		return pha.Amount{} // k·sqrt(P) above 2^64 PHA: never reached with valid params
	}
	return s.Amount()
}

// InitialV is Ve = ((re−1)·conf+1)·(stake + rig_k·P + rig_b), capped at
// v_max, stake counted in whole PHA.
func (p Params) InitialV(stake pha.Amount, benchmark uint64) (fixedpoint.U64F64, error) {
	s, err := fixedpoint.FromAmount(stake)
	if err != nil {
		return fixedpoint.Zero, err
	}
	rig, err := p.RigK.Mul(fixedpoint.FromInt(benchmark))
	if err != nil {
		return fixedpoint.Zero, err
	}
	sum, err := s.Add(rig)
	if err == nil {
		sum, err = sum.Add(p.RigB)
	}
	if err != nil {
		return p.VMax, nil // far above v_max anyway
	}
	reMinus1, _ := p.Re.Sub(fixedpoint.One) // Validate: re >= 1
	factor, err := reMinus1.Mul(fixedpoint.FromInt(Confidence))
	if err == nil {
		factor, err = factor.Add(fixedpoint.One)
	}
	if err != nil {
		return fixedpoint.Zero, err
	}
	v, err := factor.Mul(sum)
	if err != nil {
		return p.VMax, nil
	}
	return v.Min(p.VMax), nil
}

// grown returns v after blocks of growth by the factor 1 + g, capped at
// vmax: v·(1+g)^blocks, by squaring, stopping as soon as the cap is
// reached (every factor is at least 1, so the running value only rises).
// A factor that overflows 64.64 exceeds 2^64, which takes any v above
// 2^-50 past any cap this chain uses; grown then returns the cap.
func grown(v fixedpoint.U64F64, g fixedpoint.U64F64, blocks uint64, vmax fixedpoint.U64F64) fixedpoint.U64F64 {
	if v.IsZero() || g.IsZero() || blocks == 0 {
		return v.Min(vmax)
	}
	if !v.LT(vmax) {
		return vmax
	}
	f, err := fixedpoint.One.Add(g)
	if err != nil {
		return vmax
	}
	for {
		if blocks&1 == 1 {
			if v, err = v.Mul(f); err != nil || !v.LT(vmax) {
				return vmax
			}
		}
		blocks >>= 1
		if blocks == 0 {
			return v
		}
		if f, err = f.Mul(f); err != nil {
			return vmax
		}
	}
}

// decayed returns v·(1−s)^blocks by squaring.
func decayed(v fixedpoint.U64F64, s fixedpoint.U64F64, blocks uint64) fixedpoint.U64F64 {
	keep, err := fixedpoint.One.Sub(s)
	if err != nil {
		return fixedpoint.Zero
	}
	f, _ := keep.Pow(blocks) // below 1: cannot overflow
	out, _ := v.Mul(f)       // v·f <= v
	return out
}

// ValueAt is the session's V at height h (h >= VHeight): grown while the
// worker is online and computing, decayed while it is offline, and frozen
// once the session is cooling down.
func (p Params) ValueAt(s *Session, h int64) fixedpoint.U64F64 {
	if h <= s.VHeight || s.State != StateComputing {
		return s.V
	}
	blocks := uint64(h - s.VHeight)
	if s.Online {
		return grown(s.V, p.VGrowthPerBlock, blocks, p.VMax)
	}
	return decayed(s.V, p.SlashRatePerBlock, blocks)
}

// Share is sqrt(V² + (2·P·conf)²), a worker's weight in the block's budget.
func Share(v fixedpoint.U64F64, benchmark uint64) (fixedpoint.U64F64, error) {
	v2, err := v.Mul(v)
	if err != nil {
		return fixedpoint.Zero, fmt.Errorf("%w: V² of %s", ErrArithmeticOverflow, v)
	}
	pc := fixedpoint.FromInt(2 * Confidence * benchmark) // benchmark <= MaxBenchmark
	p2, err := pc.Mul(pc)
	if err != nil {
		return fixedpoint.Zero, fmt.Errorf("%w: (2P)² of %d", ErrArithmeticOverflow, benchmark)
	}
	sum, err := v2.Add(p2)
	if err != nil {
		return fixedpoint.Zero, fmt.Errorf("%w: share of V %s, P %d", ErrArithmeticOverflow, v, benchmark)
	}
	return sum.Sqrt(), nil
}
