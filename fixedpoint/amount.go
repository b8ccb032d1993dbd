package fixedpoint

import (
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/uint128"
)

// Conversions between PHA amounts (128-bit integers of base units, 10^12 to
// the PHA) and fixed-point numbers of whole PHA.

// unitsPerPHA is 10^pha.Decimals.
var unitsPerPHA = uint128.From64(1_000_000_000_000)

// FromAmount returns a as a number of whole PHA, rounded down to 64
// fractional bits, or ErrOverflow above 2^64 PHA.
func FromAmount(a pha.Amount) (U64F64, error) {
	v := a.Uint128()
	q, _ := uint128.DivMod(uint128.Uint256{0, v.Lo, v.Hi, 0}, unitsPerPHA)
	r, fits := q.Low128()
	if !fits {
		return Zero, ErrOverflow
	}
	return U64F64{r}, nil
}

// Amount returns x PHA in base units, rounded down. It cannot overflow:
// 2^64 PHA is below 2^128 base units.
func (x U64F64) Amount() pha.Amount {
	// X·10^12 / 2^64: the product has at most 168 bits.
	p := x.v.Mul(unitsPerPHA)
	return pha.FromUint128(uint128.Uint128{Hi: p[2], Lo: p[1]})
}

// MulDivAmount returns floor(a·num/den), the product kept to 256 bits: the
// part of a that num is of den. It fails with ErrDivByZero, or ErrOverflow
// when the result needs more than 128 bits.
func MulDivAmount(a pha.Amount, num, den U64F64) (pha.Amount, error) {
	if den.IsZero() {
		return pha.Amount{}, ErrDivByZero
	}
	r, fits := uint128.MulDiv(a.Uint128(), num.v, den.v)
	if !fits {
		return pha.Amount{}, ErrOverflow
	}
	return pha.FromUint128(r), nil
}

// MulAmount returns floor(a·x), or ErrOverflow.
func MulAmount(a pha.Amount, x U64F64) (pha.Amount, error) {
	p := a.Uint128().Mul(x.v)
	if p[3] != 0 {
		return pha.Amount{}, ErrOverflow
	}
	return pha.FromUint128(uint128.Uint128{Hi: p[2], Lo: p[1]}), nil
}
