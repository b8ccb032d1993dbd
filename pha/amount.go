// Package pha defines the PHA token amount: an unsigned 128-bit integer of
// base units, where 1 PHA = 10^12 base units.
package pha

import (
	"errors"
	"fmt"
	"math/big"
	"math/bits"
	"strings"

	"github.com/phalanetwork/phala/uint128"
)

// Decimals is the number of decimal places of one PHA.
const Decimals = 12

// Denom is the display name of the token.
const Denom = "PHA"

// unitsPerPHA is 10^Decimals.
const unitsPerPHA = 1_000_000_000_000

// Amount is a non-negative number of base units, below 2^128. The zero value
// is zero. Arithmetic is checked: it returns an error instead of wrapping.
type Amount struct {
	v uint128.Uint128
}

// Size is the length of the fixed-width binary form.
const Size = uint128.Size

// ErrOverflow is returned when a result does not fit in 128 bits.
var ErrOverflow = errors.New("amount overflows 128 bits")

// ErrUnderflow is returned when a subtraction would go below zero.
var ErrUnderflow = errors.New("amount would be negative")

// Units returns n base units.
func Units(n uint64) Amount { return Amount{uint128.From64(n)} }

// Whole returns n whole PHA.
func Whole(n uint64) Amount {
	hi, lo := bits.Mul64(n, unitsPerPHA)
	return Amount{uint128.Uint128{Hi: hi, Lo: lo}}
}

// FromUint128 returns v base units.
func FromUint128(v uint128.Uint128) Amount { return Amount{v} }

// Uint128 returns a's number of base units.
func (a Amount) Uint128() uint128.Uint128 { return a.v }

// IsZero reports whether a is zero.
func (a Amount) IsZero() bool { return a.v.IsZero() }

// Cmp returns -1, 0 or +1 as a is less than, equal to or greater than b.
func (a Amount) Cmp(b Amount) int { return a.v.Cmp(b.v) }

// LT reports whether a < b.
func (a Amount) LT(b Amount) bool { return a.Cmp(b) < 0 }

// Add returns a+b or ErrOverflow.
func (a Amount) Add(b Amount) (Amount, error) {
	s, over := a.v.Add(b.v)
	if over {
		return Amount{}, ErrOverflow
	}
	return Amount{s}, nil
}

// Sub returns a-b or ErrUnderflow.
func (a Amount) Sub(b Amount) (Amount, error) {
	d, borrow := a.v.Sub(b.v)
	if borrow {
		return Amount{}, ErrUnderflow
	}
	return Amount{d}, nil
}

// MulDiv returns floor(a*num/den) computed without intermediate overflow
// (a 256-bit product), or an error if den is zero or the result overflows.
func (a Amount) MulDiv(num, den Amount) (Amount, error) {
	if den.IsZero() {
		return Amount{}, errors.New("amount: division by zero")
	}
	v, fits := uint128.MulDiv(a.v, num.v, den.v)
	if !fits {
		return Amount{}, ErrOverflow
	}
	return Amount{v}, nil
}

// Big returns a as a big.Int.
func (a Amount) Big() *big.Int { return a.v.Big() }

// FromBig converts a non-negative big.Int below 2^128.
func FromBig(b *big.Int) (Amount, error) {
	if b.Sign() < 0 {
		return Amount{}, ErrUnderflow
	}
	v, err := uint128.FromBig(b)
	if err != nil {
		return Amount{}, ErrOverflow
	}
	return Amount{v}, nil
}

// Bytes returns the 16-byte big-endian form used in state and transactions.
func (a Amount) Bytes() []byte {
	var b [Size]byte
	a.Put(b[:])
	return b[:]
}

// Put writes the 16-byte big-endian form into b, which must hold Size bytes.
func (a Amount) Put(b []byte) { a.v.Put(b) }

// FromBytes decodes the 16-byte big-endian form.
func FromBytes(b []byte) (Amount, error) {
	if len(b) != Size {
		return Amount{}, fmt.Errorf("amount: %d bytes, want %d", len(b), Size)
	}
	v, err := uint128.FromBytes(b)
	return Amount{v}, err
}

// String returns the base-unit decimal form, e.g. "1500000000000".
func (a Amount) String() string { return a.v.String() }

// PHA returns the human form with the denomination, e.g. "1.5PHA", without
// trailing zeros in the fraction.
func (a Amount) PHA() string {
	s := a.String()
	if len(s) <= Decimals {
		s = strings.Repeat("0", Decimals-len(s)+1) + s
	}
	whole, frac := s[:len(s)-Decimals], strings.TrimRight(s[len(s)-Decimals:], "0")
	if frac == "" {
		return whole + Denom
	}
	return whole + "." + frac + Denom
}

// Parse reads an amount written either in PHA with a suffix ("1.5PHA",
// "2 PHA", case-insensitive) or in base units as a bare integer ("1500").
func Parse(s string) (Amount, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return Amount{}, errors.New("parse amount: empty")
	}
	upper := strings.ToUpper(in)
	if strings.HasSuffix(upper, Denom) {
		return parseDecimal(s, strings.TrimSpace(in[:len(in)-len(Denom)]))
	}
	if strings.ContainsAny(in, ".eE-+ ") {
		return Amount{}, fmt.Errorf("parse amount %q: base units must be a whole number; write %sPHA for PHA", s, in)
	}
	return parseDigits(s, in)
}

func parseDecimal(orig, num string) (Amount, error) {
	whole, frac, hasDot := strings.Cut(num, ".")
	if whole == "" && (!hasDot || frac == "") {
		return Amount{}, fmt.Errorf("parse amount %q: no digits", orig)
	}
	if len(frac) > Decimals {
		return Amount{}, fmt.Errorf("parse amount %q: more than %d decimal places", orig, Decimals)
	}
	if whole == "" {
		whole = "0"
	}
	return parseDigits(orig, whole+frac+strings.Repeat("0", Decimals-len(frac)))
}

func parseDigits(orig, digits string) (Amount, error) {
	for _, c := range digits {
		if c < '0' || c > '9' {
			return Amount{}, fmt.Errorf("parse amount %q: unexpected character %q", orig, c)
		}
	}
	v, err := uint128.Parse(digits)
	if errors.Is(err, uint128.ErrOverflow) {
		return Amount{}, fmt.Errorf("parse amount %q: %w", orig, ErrOverflow)
	}
	if err != nil {
		return Amount{}, fmt.Errorf("parse amount %q: not a number", orig)
	}
	return Amount{v}, nil
}

// MarshalText writes base units, so JSON holds exact integers as strings.
func (a Amount) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText accepts anything Parse accepts.
func (a *Amount) UnmarshalText(b []byte) error {
	p, err := Parse(string(b))
	if err != nil {
		return err
	}
	*a = p
	return nil
}
