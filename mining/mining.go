// Package mining holds the pure formulas of Phala's computation (mining)
// economy: the minimum stake k·sqrt(P), the initial value Ve, the growth
// and decay of V per block, a worker's share sqrt(V² + (2·P·conf)²) of the
// block's budget, and the heartbeat challenge draw. Everything is 64.64
// fixed point rounded down at every step, so every node computes the same
// numbers; package computation applies them to sessions in state.
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

// Grown returns v after blocks of growth by the factor 1 + g, capped at
// vmax: v·(1+g)^blocks, by squaring, stopping as soon as the cap is
// reached (every factor is at least 1, so the running value only rises).
// A factor that overflows 64.64 exceeds 2^64, which takes any v above
// 2^-50 past any cap this chain uses; grown then returns the cap.
func Grown(v fixedpoint.U64F64, g fixedpoint.U64F64, blocks uint64, vmax fixedpoint.U64F64) fixedpoint.U64F64 {
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
