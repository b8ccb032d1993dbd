// Package uint128 is the unsigned 128-bit integer behind PHA amounts and
// 64.64 fixed-point numbers, with the 256-bit product and the 256-by-128
// division that exact multiply-then-divide needs. Every operation is plain
// integer arithmetic on 64-bit words: no allocation and no math/big on the
// hot path, so state machines can use it where floats are forbidden.
package uint128

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"math/bits"
)

// Size is the length of the big-endian binary form.
const Size = 16

// ErrOverflow is returned when a value does not fit in 128 bits.
var ErrOverflow = errors.New("uint128: overflows 128 bits")

// Uint128 is an unsigned 128-bit integer Hi·2^64 + Lo; the zero value is 0.
// It is comparable, so == is equality.
type Uint128 struct{ Hi, Lo uint64 }

// Max is 2^128 - 1.
var Max = Uint128{Hi: ^uint64(0), Lo: ^uint64(0)}

// From64 returns n as a Uint128.
func From64(n uint64) Uint128 { return Uint128{Lo: n} }

// IsZero reports whether a is 0.
func (a Uint128) IsZero() bool { return a.Hi == 0 && a.Lo == 0 }

// Cmp returns -1, 0 or +1 as a is less than, equal to or greater than b.
func (a Uint128) Cmp(b Uint128) int {
	switch {
	case a.Hi < b.Hi:
		return -1
	case a.Hi > b.Hi:
		return 1
	case a.Lo < b.Lo:
		return -1
	case a.Lo > b.Lo:
		return 1
	}
	return 0
}

// Add returns a+b mod 2^128 and whether the true sum overflowed.
func (a Uint128) Add(b Uint128) (sum Uint128, overflow bool) {
	lo, c := bits.Add64(a.Lo, b.Lo, 0)
	hi, c := bits.Add64(a.Hi, b.Hi, c)
	return Uint128{Hi: hi, Lo: lo}, c != 0
}

// Sub returns a-b mod 2^128 and whether the true difference is negative.
func (a Uint128) Sub(b Uint128) (diff Uint128, borrow bool) {
	lo, br := bits.Sub64(a.Lo, b.Lo, 0)
	hi, br := bits.Sub64(a.Hi, b.Hi, br)
	return Uint128{Hi: hi, Lo: lo}, br != 0
}

// Mul returns the full 256-bit product a·b.
func (a Uint128) Mul(b Uint128) Uint256 {
	// (ah·2^64 + al)(bh·2^64 + bl)
	h0, l0 := bits.Mul64(a.Lo, b.Lo)
	h1, l1 := bits.Mul64(a.Lo, b.Hi)
	h2, l2 := bits.Mul64(a.Hi, b.Lo)
	h3, l3 := bits.Mul64(a.Hi, b.Hi)
	var p Uint256
	p[0] = l0
	var c, c2 uint64
	p[1], c = bits.Add64(h0, l1, 0)
	p[2], c2 = bits.Add64(h1, h2, c)
	p[1], c = bits.Add64(p[1], l2, 0)
	p[2], c = bits.Add64(p[2], l3, c)
	p[3] = h3 + c + c2
	return p
}

// QuoRem64 returns a/d and a%d; d must not be zero.
func (a Uint128) QuoRem64(d uint64) (q Uint128, r uint64) {
	q.Hi, r = bits.Div64(0, a.Hi, d)
	q.Lo, r = bits.Div64(r, a.Lo, d)
	return q, r
}

// QuoRem returns a/d and a%d; d must not be zero.
func (a Uint128) QuoRem(d Uint128) (q, r Uint128) {
	q256, r := DivMod(a.Wide(), d)
	q, _ = q256.Low128()
	return q, r
}

// Lsh returns a<<n mod 2^128.
func (a Uint128) Lsh(n uint) Uint128 {
	switch {
	case n >= 128:
		return Uint128{}
	case n >= 64:
		return Uint128{Hi: a.Lo << (n - 64)}
	}
	// For n == 0 the shift by 64 yields 0, as Go defines it.
	return Uint128{Hi: a.Hi<<n | a.Lo>>(64-n), Lo: a.Lo << n}
}

// Rsh returns a>>n.
func (a Uint128) Rsh(n uint) Uint128 {
	switch {
	case n >= 128:
		return Uint128{}
	case n >= 64:
		return Uint128{Lo: a.Hi >> (n - 64)}
	}
	return Uint128{Hi: a.Hi >> n, Lo: a.Lo>>n | a.Hi<<(64-n)}
}

// Wide returns a as a Uint256.
func (a Uint128) Wide() Uint256 { return Uint256{a.Lo, a.Hi, 0, 0} }

// Big returns a as a big.Int.
func (a Uint128) Big() *big.Int {
	b := new(big.Int).SetUint64(a.Hi)
	b.Lsh(b, 64)
	return b.Or(b, new(big.Int).SetUint64(a.Lo))
}

// FromBig converts b, which must be non-negative; it returns ErrOverflow
// when b needs more than 128 bits.
func FromBig(b *big.Int) (Uint128, error) {
	if b.Sign() < 0 {
		return Uint128{}, errors.New("uint128: negative value")
	}
	if b.BitLen() > 128 {
		return Uint128{}, ErrOverflow
	}
	var buf [Size]byte
	b.FillBytes(buf[:])
	return FromBytes(buf[:])
}

// Put writes the 16-byte big-endian form into b, which must hold Size bytes.
func (a Uint128) Put(b []byte) {
	binary.BigEndian.PutUint64(b[0:8], a.Hi)
	binary.BigEndian.PutUint64(b[8:16], a.Lo)
}

// FromBytes decodes the 16-byte big-endian form.
func FromBytes(b []byte) (Uint128, error) {
	if len(b) != Size {
		return Uint128{}, fmt.Errorf("uint128: %d bytes, want %d", len(b), Size)
	}
	return Uint128{Hi: binary.BigEndian.Uint64(b[0:8]), Lo: binary.BigEndian.Uint64(b[8:16])}, nil
}
