package uint128

import (
	"errors"
	"math/bits"
	"strconv"
	"strings"
)

// pow19 is 10^19, the largest power of ten below 2^64: String peels off
// nineteen decimal digits per 64-bit division.
const pow19 = 10_000_000_000_000_000_000

// String returns the decimal form, e.g. "340282366920938463463374607431768211455".
func (a Uint128) String() string {
	if a.Hi == 0 {
		return strconv.FormatUint(a.Lo, 10)
	}
	// At most three chunks: 2^128 < 10^57.
	var chunks [3]uint64
	n := 0
	for !a.IsZero() {
		a, chunks[n] = a.QuoRem64(pow19)
		n++
	}
	var b strings.Builder
	b.WriteString(strconv.FormatUint(chunks[n-1], 10))
	for i := n - 2; i >= 0; i-- {
		d := strconv.FormatUint(chunks[i], 10)
		b.WriteString(strings.Repeat("0", 19-len(d)))
		b.WriteString(d)
	}
	return b.String()
}

// Parse reads a non-empty string of ASCII decimal digits (no sign, no
// spaces, leading zeros allowed); it returns ErrOverflow when the value
// needs more than 128 bits.
func Parse(s string) (Uint128, error) {
	if s == "" {
		return Uint128{}, errors.New("uint128: parse: no digits")
	}
	var v Uint128
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return Uint128{}, errors.New("uint128: parse: " + strconv.Quote(s) + " is not a decimal integer")
		}
		var ok bool
		if v, ok = v.mulAdd64(10, uint64(c-'0')); !ok {
			return Uint128{}, ErrOverflow
		}
	}
	return v, nil
}

// mulAdd64 returns a·m + d and whether it fits in 128 bits.
func (a Uint128) mulAdd64(m, d uint64) (Uint128, bool) {
	carry, lo := bits.Mul64(a.Lo, m)
	top, hi := bits.Mul64(a.Hi, m)
	hi, c := bits.Add64(hi, carry, 0)
	lo, c2 := bits.Add64(lo, d, 0)
	hi, c3 := bits.Add64(hi, 0, c2)
	return Uint128{Hi: hi, Lo: lo}, top == 0 && c == 0 && c3 == 0
}
