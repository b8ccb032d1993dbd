// Package fixedpoint is unsigned 64.64 fixed-point arithmetic: a number is a
// 128-bit integer X standing for X / 2^64, so 64 bits hold the integer part
// and 64 bits the fraction. Every operation is exact integer arithmetic
// that rounds down (floor) and reports overflow, underflow and division by
// zero as errors, so state machines can use it where floats are forbidden.
package fixedpoint

import (
	"errors"
	"math/bits"

	"github.com/phalanetwork/phala/uint128"
)

// Errors of checked arithmetic.
var (
	// ErrOverflow means the result does not fit in 64.64.
	ErrOverflow = errors.New("fixedpoint: overflow")
	// ErrUnderflow means a subtraction would go below zero.
	ErrUnderflow = errors.New("fixedpoint: negative result")
	// ErrDivByZero means a division by zero.
	ErrDivByZero = errors.New("fixedpoint: division by zero")
)

// U64F64 is an unsigned 64.64 fixed-point number; the zero value is 0.
type U64F64 struct{ v uint128.Uint128 }

// Zero is 0.
var Zero = U64F64{}

// One is 1.
var One = FromInt(1)

// Max is the largest U64F64, 2^64 - 2^-64.
var Max = FromBits(^uint64(0), ^uint64(0))

// FromInt returns the integer n.
func FromInt(n uint64) U64F64 { return U64F64{uint128.Uint128{Hi: n}} }

// FromBits returns the number whose raw 128-bit form is hi·2^64 + lo: hi is
// the integer part and lo the fraction in units of 2^-64.
func FromBits(hi, lo uint64) U64F64 { return U64F64{uint128.Uint128{Hi: hi, Lo: lo}} }

// Bits returns the raw form: the integer part and the fraction in units of
// 2^-64.
func (x U64F64) Bits() (hi, lo uint64) { return x.v.Hi, x.v.Lo }

// FromRatio returns floor(num/den) to 64 fractional bits, or ErrDivByZero.
func FromRatio(num, den uint64) (U64F64, error) {
	if den == 0 {
		return Zero, ErrDivByZero
	}
	hi, rem := num/den, num%den
	lo, _ := bits.Div64(rem, 0, den)
	return FromBits(hi, lo), nil
}

// MustRatio is FromRatio for constants; it panics on a zero denominator.
func MustRatio(num, den uint64) U64F64 {
	x, err := FromRatio(num, den)
	if err != nil {
		panic(err)
	}
	return x
}

// Int returns the integer part (the floor).
func (x U64F64) Int() uint64 { return x.v.Hi }

// IsZero reports whether x is 0.
func (x U64F64) IsZero() bool { return x.v.IsZero() }

// Cmp returns -1, 0 or +1 as x is less than, equal to or greater than y.
func (x U64F64) Cmp(y U64F64) int { return x.v.Cmp(y.v) }

// LT reports whether x < y.
func (x U64F64) LT(y U64F64) bool { return x.v.Cmp(y.v) < 0 }

// Min returns the smaller of x and y.
func (x U64F64) Min(y U64F64) U64F64 {
	if y.LT(x) {
		return y
	}
	return x
}

// Add returns x+y or ErrOverflow.
func (x U64F64) Add(y U64F64) (U64F64, error) {
	s, over := x.v.Add(y.v)
	if over {
		return Zero, ErrOverflow
	}
	return U64F64{s}, nil
}

// Sub returns x-y or ErrUnderflow.
func (x U64F64) Sub(y U64F64) (U64F64, error) {
	d, borrow := x.v.Sub(y.v)
	if borrow {
		return Zero, ErrUnderflow
	}
	return U64F64{d}, nil
}

// Mul returns x·y rounded down, or ErrOverflow.
func (x U64F64) Mul(y U64F64) (U64F64, error) {
	p := x.v.Mul(y.v)
	if p[3] != 0 {
		return Zero, ErrOverflow
	}
	return FromBits(p[2], p[1]), nil
}

// Div returns x/y rounded down, or ErrDivByZero or ErrOverflow.
func (x U64F64) Div(y U64F64) (U64F64, error) {
	if y.IsZero() {
		return Zero, ErrDivByZero
	}
	q, _ := uint128.DivMod(uint128.Uint256{0, x.v.Lo, x.v.Hi, 0}, y.v)
	v, fits := q.Low128()
	if !fits {
		return Zero, ErrOverflow
	}
	return U64F64{v}, nil
}

// MulDiv returns x·y/z rounded down once (the product is kept to 256 bits),
// or ErrDivByZero or ErrOverflow.
func (x U64F64) MulDiv(y, z U64F64) (U64F64, error) {
	if z.IsZero() {
		return Zero, ErrDivByZero
	}
	v, fits := uint128.MulDiv(x.v, y.v, z.v)
	if !fits {
		return Zero, ErrOverflow
	}
	return U64F64{v}, nil
}

// Pow returns x^n by repeated squaring, each product rounded down, or
// ErrOverflow. Pow(x, 0) is 1.
func (x U64F64) Pow(n uint64) (U64F64, error) {
	result, base := One, x
	for {
		if n&1 == 1 {
			var err error
			if result, err = result.Mul(base); err != nil {
				return Zero, err
			}
		}
		n >>= 1
		if n == 0 {
			return result, nil
		}
		var err error
		if base, err = base.Mul(base); err != nil {
			return Zero, err
		}
	}
}
