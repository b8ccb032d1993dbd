package uint128

import "math/bits"

// Uint256 is an unsigned 256-bit integer as four 64-bit limbs, least
// significant first: the exact product of two Uint128 values.
type Uint256 [4]uint64

// BitLen is the number of significant bits of n; 0 for n == 0.
func (n Uint256) BitLen() int {
	for i := 3; i >= 0; i-- {
		if n[i] != 0 {
			return 64*i + bits.Len64(n[i])
		}
	}
	return 0
}

// Low128 returns n's lower half and whether the upper half is zero, that
// is whether n fits in 128 bits.
func (n Uint256) Low128() (v Uint128, fits bool) {
	return Uint128{Hi: n[1], Lo: n[0]}, n[2] == 0 && n[3] == 0
}

// DivMod returns n/d and n%d; d must not be zero. It is Knuth's algorithm D
// with 64-bit digits, specialised to divisors of one or two digits.
func DivMod(n Uint256, d Uint128) (q Uint256, r Uint128) {
	if d.Hi == 0 {
		var rem uint64
		for i := 3; i >= 0; i-- {
			q[i], rem = bits.Div64(rem, n[i], d.Lo)
		}
		return q, Uint128{Lo: rem}
	}
	// Normalise so the divisor's top bit is set; the dividend gains a
	// fifth digit.
	s := uint(bits.LeadingZeros64(d.Hi))
	v := d.Lsh(s)
	u := normalise(n, s)
	for j := 2; j >= 0; j-- {
		q[j] = divStep(&u, j, v)
	}
	return q, Uint128{Hi: u[1], Lo: u[0]}.Rsh(s)
}

// normalise returns n<<s as five digits, for 0 <= s < 64.
func normalise(n Uint256, s uint) (u [5]uint64) {
	if s == 0 {
		copy(u[:4], n[:])
		return u
	}
	u[4] = n[3] >> (64 - s)
	u[3] = n[3]<<s | n[2]>>(64-s)
	u[2] = n[2]<<s | n[1]>>(64-s)
	u[1] = n[1]<<s | n[0]>>(64-s)
	u[0] = n[0] << s
	return u
}

// divStep is one step of algorithm D: it divides the three digits
// u[j..j+2] by the normalised two-digit divisor v, leaves the remainder in
// their place and returns the quotient digit.
func divStep(u *[5]uint64, j int, v Uint128) uint64 {
	v1, v0 := v.Hi, v.Lo
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
	return qhat
}

// MulDiv returns floor(a·b/d), the product kept to 256 bits, and whether
// the quotient fits in 128 bits; d must not be zero.
func MulDiv(a, b, d Uint128) (q Uint128, fits bool) {
	q256, _ := DivMod(a.Mul(b), d)
	return q256.Low128()
}
