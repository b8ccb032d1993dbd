package fixedpoint

import "github.com/phalanetwork/phala/uint128"

// Sqrt returns the square root of x rounded down to 64 fractional bits:
// the largest y with y·y <= x, computed as floor(sqrt(X·2^64)) over the raw
// form X. It cannot fail.
func (x U64F64) Sqrt() U64F64 {
	return U64F64{isqrt(uint128.Uint256{0, x.v.Lo, x.v.Hi, 0})}
}

// ISqrt returns floor(sqrt(n)) of the 128-bit integer n = hi·2^64 + lo.
func ISqrt(hi, lo uint64) uint64 {
	return isqrt(uint128.Uint256{lo, hi, 0, 0}).Lo
}

// isqrt returns floor(sqrt(n)) for n below 2^192 (Newton's method from
// above, in integers only).
func isqrt(n uint128.Uint256) uint128.Uint128 {
	bl := n.BitLen()
	if bl == 0 {
		return uint128.Uint128{}
	}
	if n[3] != 0 {
		panic("fixedpoint: isqrt of a number of 192 bits or more")
	}
	// x0 = 2^ceil(bl/2) >= sqrt(n); at most 2^96.
	x := uint128.From64(1).Lsh(uint((bl + 1) / 2))
	for {
		// y = (x + n/x) / 2; n/x < 2^97 while x >= sqrt(n).
		qn, _ := uint128.DivMod(n, x)
		q, _ := qn.Low128()
		y, _ := x.Add(q)
		y = y.Rsh(1)
		if y.Cmp(x) >= 0 {
			return x
		}
		x = y
	}
}
