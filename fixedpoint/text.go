package fixedpoint

import (
	"fmt"
	"math/big"
	"math/bits"
	"strconv"
	"strings"
)

// String returns the exact decimal form, e.g. "1.3" or
// "0.000000999999999999999...": every 64.64 number has a finite decimal
// expansion (at most 64 fractional digits), so Parse(x.String()) == x.
func (x U64F64) String() string {
	s := strconv.FormatUint(x.v.Hi, 10)
	frac := x.v.Lo
	if frac == 0 {
		return s
	}
	var b strings.Builder
	b.WriteString(s)
	b.WriteByte('.')
	for frac != 0 {
		d, rest := bits.Mul64(frac, 10)
		b.WriteByte(byte('0' + d))
		frac = rest
	}
	return b.String()
}

// Format returns x rounded down to the given number of decimal places.
func (x U64F64) Format(decimals int) string {
	s := strconv.FormatUint(x.v.Hi, 10)
	if decimals <= 0 {
		return s
	}
	var b strings.Builder
	b.WriteString(s)
	b.WriteByte('.')
	frac := x.v.Lo
	for range decimals {
		d, rest := bits.Mul64(frac, 10)
		b.WriteByte(byte('0' + d))
		frac = rest
	}
	return b.String()
}

// Parse reads a decimal ("30000", "0.3", "1.000012") or a fraction of two
// integers ("1/3600000"), rounding down to 64 fractional bits.
func Parse(s string) (U64F64, error) {
	in := strings.TrimSpace(s)
	if num, den, ok := strings.Cut(in, "/"); ok {
		n, err1 := strconv.ParseUint(strings.TrimSpace(num), 10, 64)
		d, err2 := strconv.ParseUint(strings.TrimSpace(den), 10, 64)
		if err1 != nil || err2 != nil {
			return Zero, fmt.Errorf("fixedpoint: parse %q: a fraction needs two unsigned 64-bit integers", s)
		}
		x, err := FromRatio(n, d)
		if err != nil {
			return Zero, fmt.Errorf("fixedpoint: parse %q: %w", s, err)
		}
		return x, nil
	}
	whole, frac, _ := strings.Cut(in, ".")
	if whole == "" || strings.Trim(whole+frac, "0123456789") != "" {
		return Zero, fmt.Errorf("fixedpoint: parse %q: not an unsigned decimal", s)
	}
	hi, err := strconv.ParseUint(whole, 10, 64)
	if err != nil {
		return Zero, fmt.Errorf("fixedpoint: parse %q: integer part: %w", s, ErrOverflow)
	}
	if frac == "" {
		return FromInt(hi), nil
	}
	// floor(frac · 2^64 / 10^len(frac)); math/big is fine off the hot path.
	f, _ := new(big.Int).SetString(frac, 10)
	f.Lsh(f, 64)
	f.Quo(f, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(len(frac))), nil))
	return FromBits(hi, f.Uint64()), nil
}

// MustParse is Parse for constants; it panics on a malformed string.
func MustParse(s string) U64F64 {
	x, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return x
}

// MarshalText writes the exact decimal form, so JSON round-trips.
func (x U64F64) MarshalText() ([]byte, error) { return []byte(x.String()), nil }

// UnmarshalText accepts whatever Parse accepts.
func (x *U64F64) UnmarshalText(b []byte) error {
	p, err := Parse(string(b))
	if err != nil {
		return err
	}
	*x = p
	return nil
}
