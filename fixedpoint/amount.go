package fixedpoint

import (
	"encoding/binary"
	"math/bits"

	"github.com/phalanetwork/phala/pha"
)

// Conversions between PHA amounts (128-bit integers of base units, 10^12 to
// the PHA) and fixed-point numbers of whole PHA.

// unitsPerPHA is 10^pha.Decimals.
const unitsPerPHA = 1_000_000_000_000

func amountBits(a pha.Amount) u128 {
	var b [pha.Size]byte
	a.Put(b[:])
	return u128{hi: binary.BigEndian.Uint64(b[:8]), lo: binary.BigEndian.Uint64(b[8:])}
}

func toAmount(v u128) pha.Amount {
	var b [pha.Size]byte
	binary.BigEndian.PutUint64(b[:8], v.hi)
	binary.BigEndian.PutUint64(b[8:], v.lo)
	a, _ := pha.FromBytes(b[:])
	return a
}

// FromAmount returns a as a number of whole PHA, rounded down to 64
// fractional bits, or ErrOverflow above 2^64 PHA.
func FromAmount(a pha.Amount) (U64F64, error) {
	v := amountBits(a)
	q, _ := divmod(u256{0, v.lo, v.hi, 0}, u128{lo: unitsPerPHA})
	r, fits := q.low128()
	if !fits {
		return Zero, ErrOverflow
	}
	return U64F64{r}, nil
}

// Amount returns x PHA in base units, rounded down. It cannot overflow:
// 2^64 PHA is below 2^128 base units.
func (x U64F64) Amount() pha.Amount {
	// X·10^12 / 2^64: the product has at most 168 bits.
	h1, _ := bits.Mul64(x.v.lo, unitsPerPHA)
	h2, l2 := bits.Mul64(x.v.hi, unitsPerPHA)
	mid, c := bits.Add64(h1, l2, 0)
	return toAmount(u128{hi: h2 + c, lo: mid})
}

// MulDivAmount returns floor(a·num/den), the product kept to 256 bits: the
// part of a that num is of den. It fails with ErrDivByZero, or ErrOverflow
// when the result needs more than 128 bits.
func MulDivAmount(a pha.Amount, num, den U64F64) (pha.Amount, error) {
	if den.IsZero() {
		return pha.Amount{}, ErrDivByZero
	}
	q, _ := divmod(amountBits(a).mul(num.v), den.v)
	r, fits := q.low128()
	if !fits {
		return pha.Amount{}, ErrOverflow
	}
	return toAmount(r), nil
}

// MulAmount returns floor(a·x), or ErrOverflow.
func MulAmount(a pha.Amount, x U64F64) (pha.Amount, error) {
	p := amountBits(a).mul(x.v)
	if p[3] != 0 {
		return pha.Amount{}, ErrOverflow
	}
	return toAmount(u128{hi: p[2], lo: p[1]}), nil
}
