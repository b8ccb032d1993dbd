// Package mining holds the pure formulas of Phala's computation (mining)
// economy: the minimum stake k·sqrt(P), the initial value Ve, the idle
// growth and the slash of V per block, the stake returned when a session
// ends, a worker's share sqrt(V² + (2·P·conf)²), and the heartbeat
// challenge draw. Everything is 64.64 fixed point rounded down at every
// step, so every node computes the same numbers; package computation
// applies them to sessions in state (docs/economy.md cites Phala's source
// of each).
package mining

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/phalanetwork/phala/fixedpoint"
	"github.com/phalanetwork/phala/pha"
)

// MinStake is the least stake that may start a session of benchmark p:
// k·sqrt(P) PHA, rounded down to base units.
func MinStake(k fixedpoint.U64F64, benchmark uint64) pha.Amount {
	root := fixedpoint.FromInt(benchmark).Sqrt()
	s, err := k.Mul(root)
	if err != nil {
		return pha.Amount{} // k·sqrt(P) above 2^64 PHA: never reached with valid params
	}
	return s.Amount()
}

// Rig shapes the initial value of a session.
type Rig struct {
	// Re, K and B: Ve = ((re−1)·conf+1)·(stake + k·P + b).
	Re, K, B fixedpoint.U64F64
	// Conf is the confidence level factor.
	Conf uint64
	// VMax caps V.
	VMax fixedpoint.U64F64
}

// InitialV is Ve = ((re−1)·conf+1)·(stake + rig_k·P + rig_b), capped at
// v_max, stake counted in whole PHA.
func InitialV(r Rig, stake pha.Amount, benchmark uint64) (fixedpoint.U64F64, error) {
	s, err := fixedpoint.FromAmount(stake)
	if err != nil {
		return fixedpoint.Zero, err
	}
	rig, err := r.K.Mul(fixedpoint.FromInt(benchmark))
	if err != nil {
		return fixedpoint.Zero, err
	}
	sum, err := s.Add(rig)
	if err == nil {
		sum, err = sum.Add(r.B)
	}
	if err != nil {
		return r.VMax, nil // far above v_max anyway
	}
	reMinus1, _ := r.Re.Sub(fixedpoint.One) // Validate: re >= 1
	factor, err := reMinus1.Mul(fixedpoint.FromInt(r.Conf))
	if err == nil {
		factor, err = factor.Add(fixedpoint.One)
	}
	if err != nil {
		return fixedpoint.Zero, err
	}
	v, err := factor.Mul(sum)
	if err != nil {
		return r.VMax, nil
	}
	return v.Min(r.VMax), nil
}

// Decayed returns v·(1−s)^blocks by squaring.
func Decayed(v fixedpoint.U64F64, s fixedpoint.U64F64, blocks uint64) fixedpoint.U64F64 {
	keep, err := fixedpoint.One.Sub(s)
	if err != nil {
		return fixedpoint.Zero
	}
	f, _ := keep.Pow(blocks) // below 1: cannot overflow
	out, _ := v.Mul(f)       // v·f <= v
	return out
}

// Share is sqrt(V² + (2·P·conf)²), a worker's weight in the block's budget.
func Share(v fixedpoint.U64F64, benchmark, conf uint64) (fixedpoint.U64F64, error) {
	v2, err := v.Mul(v)
	if err != nil {
		return fixedpoint.Zero, fmt.Errorf("square of V %s", v)
	}
	pc := fixedpoint.FromInt(2 * conf * benchmark) // benchmark <= computation.MaxBenchmark
	p2, err := pc.Mul(pc)
	if err != nil {
		return fixedpoint.Zero, fmt.Errorf("(2P)² of %d", benchmark)
	}
	sum, err := v2.Add(p2)
	if err != nil {
		return fixedpoint.Zero, fmt.Errorf("share of V %s, P %d", v, benchmark)
	}
	return sum.Sqrt(), nil
}

// challengeDomain separates challenge hashes from every other hash.
const challengeDomain = "phala/computation/challenge/v1"

// Challenged reports whether a worker is challenged at the block after the
// block with hash blockHash: the first 8 bytes of SHA-256(domain ||
// blockHash || worker), read big-endian (the hash mod 2^64), are below
// threshold. It allocates nothing, so settlement can ask for every online
// worker each block.
func Challenged(blockHash []byte, worker [32]byte, threshold uint64) bool {
	if len(blockHash) == 0 {
		return false
	}
	var sum [sha256.Size]byte
	var buf [len(challengeDomain) + 64 + 32]byte
	if len(blockHash) <= 64 {
		n := copy(buf[:], challengeDomain)
		n += copy(buf[n:], blockHash)
		n += copy(buf[n:], worker[:])
		sum = sha256.Sum256(buf[:n])
	} else { // not a CometBFT hash (32 bytes); same definition, slower
		h := sha256.New()
		h.Write([]byte(challengeDomain))
		h.Write(blockHash)
		h.Write(worker[:])
		h.Sum(sum[:0])
	}
	return binary.BigEndian.Uint64(sum[:8]) < threshold
}

// Idle returns V after blocks of Phala's idle update (update_v_idle in
// crates/phactory/src/system/gk.rs), block by block
//
//	ΔV = (ρ−1)·V + cost,  V ← min(V + ΔV, vmax),  deductible ← deductible + ΔV
//
// with g = ρ−1 and cost = cost_k·P + cost_b, and the deductible: the sum of
// the ΔV, which a heartbeat's payout may take back out of V. It uses the
// closed form V_n = ρ^n·V + cost·(ρ^n − 1)/g up to the block k at which V
// reaches vmax, then vmax with ΔV = g·vmax + cost each block (Phala keeps
// adding ΔV to the deductible while V sits at the cap). Results saturate
// instead of overflowing.
func Idle(v, g, cost fixedpoint.U64F64, blocks uint64, vmax fixedpoint.U64F64) (fixedpoint.U64F64, fixedpoint.U64F64) {
	if blocks == 0 {
		return v.Min(vmax), fixedpoint.Zero
	}
	atCap := satAdd(satMul(g, vmax), cost)
	if !v.LT(vmax) {
		return vmax, satMul(fixedpoint.FromInt(blocks), atCap)
	}
	if n := uncapped(v, g, cost, blocks); n.LT(vmax) {
		d, _ := n.Sub(v)
		return n, d
	}
	// The first block k whose uncapped V reaches vmax: uncapped rises with
	// n, so bisect.
	lo, hi := uint64(0), blocks // uncapped(lo) < vmax <= uncapped(hi)
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if uncapped(v, g, cost, mid).LT(vmax) {
			lo = mid
		} else {
			hi = mid
		}
	}
	d, _ := uncapped(v, g, cost, hi).Sub(v)
	return vmax, satAdd(d, satMul(fixedpoint.FromInt(blocks-hi), atCap))
}

// uncapped is ρ^n·v + cost·(ρ^n − 1)/g, saturating at the largest value.
func uncapped(v, g, cost fixedpoint.U64F64, n uint64) fixedpoint.U64F64 {
	if g.IsZero() {
		return satAdd(v, satMul(fixedpoint.FromInt(n), cost))
	}
	rho, err := fixedpoint.One.Add(g)
	if err != nil {
		return maxFP
	}
	f, err := rho.Pow(n)
	if err != nil {
		return maxFP
	}
	grown := satMul(v, f)
	rise, _ := f.Sub(fixedpoint.One) // f >= 1
	acc, err := cost.MulDiv(rise, g)
	if err != nil {
		return maxFP
	}
	return satAdd(grown, acc)
}

var maxFP = fixedpoint.FromBits(^uint64(0), ^uint64(0))

func satAdd(a, b fixedpoint.U64F64) fixedpoint.U64F64 {
	s, err := a.Add(b)
	if err != nil {
		return maxFP
	}
	return s
}

func satMul(a, b fixedpoint.U64F64) fixedpoint.U64F64 {
	s, err := a.Mul(b)
	if err != nil {
		return maxFP
	}
	return s
}

// FinalStake is Phala's calc_final_stake (pallets/phala/src/mining.rs of
// phala-blockchain, before the slash was switched off for StakePool v2):
// the stake returned when a session ends is stake·min(V/Ve, 1), rounded
// down, and the rest is slashed.
func FinalStake(stake pha.Amount, v, ve fixedpoint.U64F64) (returned, slashed pha.Amount) {
	if ve.IsZero() {
		return stake, pha.Amount{}
	}
	rate, err := v.Div(ve)
	if err != nil || !rate.LT(fixedpoint.One) {
		return stake, pha.Amount{}
	}
	returned, _ = fixedpoint.MulAmount(stake, rate) // rate < 1
	slashed, _ = stake.Sub(returned)
	return returned, slashed
}
