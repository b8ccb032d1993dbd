package fixedpoint

// Sqrt returns the square root of x rounded down to 64 fractional bits:
// the largest y with y·y <= x, computed as floor(sqrt(X·2^64)) over the raw
// form X. It cannot fail.
func (x U64F64) Sqrt() U64F64 {
	return U64F64{isqrt(u256{0, x.v.lo, x.v.hi, 0})}
}

// ISqrt returns floor(sqrt(n)) of the 128-bit integer n = hi·2^64 + lo.
func ISqrt(hi, lo uint64) uint64 {
	return isqrt(u256{lo, hi, 0, 0}).lo
}
