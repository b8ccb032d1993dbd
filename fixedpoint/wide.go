package fixedpoint

import "math/bits"

// The wide integers behind the fixed-point type: a 128-bit value as two
// 64-bit halves and a 256-bit product as four little-endian 64-bit limbs.

// u128 is an unsigned 128-bit integer.
type u128 struct{ hi, lo uint64 }

// u256 is an unsigned 256-bit integer, least significant limb first.
type u256 [4]uint64

func (a u128) isZero() bool { return a.hi == 0 && a.lo == 0 }

func (a u128) cmp(b u128) int {
	switch {
	case a.hi < b.hi:
		return -1
	case a.hi > b.hi:
		return 1
	case a.lo < b.lo:
		return -1
	case a.lo > b.lo:
		return 1
	}
	return 0
}

// add returns a+b and whether it overflowed.
func (a u128) add(b u128) (u128, bool) {
	lo, c := bits.Add64(a.lo, b.lo, 0)
	hi, c := bits.Add64(a.hi, b.hi, c)
	return u128{hi, lo}, c != 0
}

// sub returns a-b and whether it borrowed.
func (a u128) sub(b u128) (u128, bool) {
	lo, br := bits.Sub64(a.lo, b.lo, 0)
	hi, br := bits.Sub64(a.hi, b.hi, br)
	return u128{hi, lo}, br != 0
}

// mul returns the full 256-bit product a*b.
func (a u128) mul(b u128) u256 {
	// (ah·2^64 + al)(bh·2^64 + bl)
	h0, l0 := bits.Mul64(a.lo, b.lo)
	h1, l1 := bits.Mul64(a.lo, b.hi)
	h2, l2 := bits.Mul64(a.hi, b.lo)
	h3, l3 := bits.Mul64(a.hi, b.hi)
	var p u256
	p[0] = l0
	var c, c2 uint64
	p[1], c = bits.Add64(h0, l1, 0)
	p[2], c2 = bits.Add64(h1, h2, c)
	p[1], c = bits.Add64(p[1], l2, 0)
	p[2], c = bits.Add64(p[2], l3, c)
	p[3] = h3 + c + c2
	return p
}

// bitLen is the number of significant bits of n.
func (n u256) bitLen() int {
	for i := 3; i >= 0; i-- {
		if n[i] != 0 {
			return 64*i + bits.Len64(n[i])
		}
	}
	return 0
}

// low128 is n's lower half; fits reports whether the upper half is zero.
func (n u256) low128() (v u128, fits bool) {
	return u128{hi: n[1], lo: n[0]}, n[2] == 0 && n[3] == 0
}

// divmod returns n/d and n%d; d must not be zero. It is Knuth's algorithm D
// with 64-bit digits, specialised to divisors of one or two digits.
func divmod(n u256, d u128) (q u256, r u128) {
	if d.hi == 0 {
		var rem uint64
		for i := 3; i >= 0; i-- {
			q[i], rem = bits.Div64(rem, n[i], d.lo)
		}
		return q, u128{lo: rem}
	}
	// Normalise so the divisor's top bit is set; the dividend gains a
	// fifth digit.
	s := uint(bits.LeadingZeros64(d.hi))
	v1 := d.hi<<s | d.lo>>(64-s)
	v0 := d.lo << s
	if s == 0 {
		v1 = d.hi
	}
	var u [5]uint64
	if s == 0 {
		copy(u[:4], n[:])
	} else {
		u[4] = n[3] >> (64 - s)
		u[3] = n[3]<<s | n[2]>>(64-s)
		u[2] = n[2]<<s | n[1]>>(64-s)
		u[1] = n[1]<<s | n[0]>>(64-s)
		u[0] = n[0] << s
	}
	for j := 2; j >= 0; j-- {
		var qhat, rhat uint64
		overflow := false
		if u[j+2] >= v1 {
			// u[j+2] == v1 (the running remainder is below the divisor):
			// the estimate is the largest digit.
			qhat = ^uint64(0)
			var c uint64
			rhat, c = bits.Add64(u[j+1], v1, 0)
			overflow = c != 0
		} else {
			qhat, rhat = bits.Div64(u[j+2], u[j+1], v1)
		}
		for !overflow {
			ph, pl := bits.Mul64(qhat, v0)
			if ph < rhat || (ph == rhat && pl <= u[j]) {
				break
			}
			qhat--
			var c uint64
			rhat, c = bits.Add64(rhat, v1, 0)
			overflow = c != 0
		}
		// u[j..j+2] -= qhat·(v1:v0)
		p0h, p0l := bits.Mul64(qhat, v0)
		p1h, p1l := bits.Mul64(qhat, v1)
		t1, c := bits.Add64(p0h, p1l, 0)
		t2 := p1h + c
		var br uint64
		u[j], br = bits.Sub64(u[j], p0l, 0)
		u[j+1], br = bits.Sub64(u[j+1], t1, br)
		u[j+2], br = bits.Sub64(u[j+2], t2, br)
		if br != 0 {
			// The estimate was one too large: add the divisor back. With a
			// two-digit divisor the test above already compares against
			// the whole divisor, so this is not reached; it is kept so the
			// routine is algorithm D as published.
			qhat--
			u[j], c = bits.Add64(u[j], v0, 0)
			u[j+1], c = bits.Add64(u[j+1], v1, c)
			u[j+2] += c
		}
		q[j] = qhat
	}
	if s == 0 {
		return q, u128{hi: u[1], lo: u[0]}
	}
	return q, u128{hi: u[1] >> s, lo: u[0]>>s | u[1]<<(64-s)}
}

// isqrt returns floor(sqrt(n)) for n below 2^192 (Newton's method from
// above, in integers only).
func isqrt(n u256) u128 {
	bl := n.bitLen()
	if bl == 0 {
		return u128{}
	}
	if n[3] != 0 {
		panic("fixedpoint: isqrt of a number of 192 bits or more")
	}
	// x0 = 2^ceil(bl/2) >= sqrt(n); at most 2^96.
	e := uint((bl + 1) / 2)
	var x u128
	if e >= 64 {
		x.hi = 1 << (e - 64)
	} else {
		x.lo = 1 << e
	}
	for {
		// y = (x + n/x) / 2; n/x < 2^97 while x >= sqrt(n).
		qn, _ := divmod(n, x)
		q, _ := qn.low128()
		y, _ := x.add(q)
		y = u128{hi: y.hi >> 1, lo: y.lo>>1 | y.hi<<63}
		if y.cmp(x) >= 0 {
			return x
		}
		x = y
	}
}
