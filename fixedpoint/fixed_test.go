package fixedpoint

import (
	"encoding/json"
	"errors"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/phalanetwork/phala/pha"
)

// The property tests check every operation against math/big on random
// inputs drawn to hit the interesting widths: small numbers, numbers near
// 2^64 and 2^128, and values with only one half set.

var two64 = new(big.Int).Lsh(big.NewInt(1), 64)
var two128 = new(big.Int).Lsh(big.NewInt(1), 128)

func toBig(x U64F64) *big.Int {
	hi, lo := x.Bits()
	b := new(big.Int).SetUint64(hi)
	b.Lsh(b, 64)
	return b.Or(b, new(big.Int).SetUint64(lo))
}

// word draws a 64-bit word of a random shape.
func word(r *rand.Rand) uint64 {
	switch r.IntN(6) {
	case 0:
		return 0
	case 1:
		return uint64(r.IntN(16))
	case 2:
		return ^uint64(0) - uint64(r.IntN(16))
	case 3:
		return 1 << r.IntN(64)
	case 4:
		return r.Uint64() >> r.IntN(64)
	}
	return r.Uint64()
}

func random(r *rand.Rand) U64F64 { return FromBits(word(r), word(r)) }

const cases = 20000

// check compares a checked result with the exact one: an error exactly
// when the exact result is out of range, else the same value.
func check(t *testing.T, op string, x, y U64F64, got U64F64, err error, want *big.Int) {
	t.Helper()
	if want.Sign() < 0 {
		if !errors.Is(err, ErrUnderflow) {
			t.Fatalf("%s(%s, %s): want underflow, got %s %v", op, x, y, got, err)
		}
		return
	}
	if want.Cmp(two128) >= 0 {
		if !errors.Is(err, ErrOverflow) {
			t.Fatalf("%s(%s, %s): want overflow, got %s %v", op, x, y, got, err)
		}
		return
	}
	if err != nil {
		t.Fatalf("%s(%s, %s): %v, want %s", op, x, y, err, want)
	}
	if toBig(got).Cmp(want) != 0 {
		t.Fatalf("%s(%s, %s) = %s, want raw %s", op, x, y, toBig(got), want)
	}
}

func TestAddSubMulDivAgainstBig(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range cases {
		x, y := random(r), random(r)
		bx, by := toBig(x), toBig(y)
		s, err := x.Add(y)
		check(t, "Add", x, y, s, err, new(big.Int).Add(bx, by))
		d, err := x.Sub(y)
		check(t, "Sub", x, y, d, err, new(big.Int).Sub(bx, by))
		m, err := x.Mul(y)
		check(t, "Mul", x, y, m, err, new(big.Int).Rsh(new(big.Int).Mul(bx, by), 64))
		q, err := x.Div(y)
		if y.IsZero() {
			if !errors.Is(err, ErrDivByZero) {
				t.Fatalf("Div(%s, 0): %v", x, err)
			}
		} else {
			check(t, "Div", x, y, q, err, new(big.Int).Quo(new(big.Int).Lsh(bx, 64), by))
		}
	}
}

func TestMulDivAgainstBig(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range cases {
		x, y, z := random(r), random(r), random(r)
		got, err := x.MulDiv(y, z)
		if z.IsZero() {
			if !errors.Is(err, ErrDivByZero) {
				t.Fatalf("MulDiv by 0: %v", err)
			}
			continue
		}
		want := new(big.Int).Mul(toBig(x), toBig(y))
		want.Quo(want, toBig(z))
		check(t, "MulDiv", x, y, got, err, want)
	}
}

func TestSqrtAgainstBig(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for i := range cases {
		x := random(r)
		if i < 300 {
			x = FromInt(uint64(i)) // small perfect and imperfect squares
		}
		got := x.Sqrt()
		want := new(big.Int).Sqrt(new(big.Int).Lsh(toBig(x), 64))
		if toBig(got).Cmp(want) != 0 {
			t.Fatalf("Sqrt(%s) = raw %s, want %s", x, toBig(got), want)
		}
		// Exact floor: y² <= x < (y+ulp)², in exact arithmetic.
		y := toBig(got)
		sq := new(big.Int).Mul(y, y)
		next := new(big.Int).Add(y, big.NewInt(1))
		x128 := new(big.Int).Lsh(toBig(x), 64)
		if sq.Cmp(x128) > 0 || next.Mul(next, next).Cmp(x128) <= 0 {
			t.Fatalf("Sqrt(%s) = %s is not the floor", x, got)
		}
		hi, lo := word(r), word(r)
		n := toBig(FromBits(hi, lo))
		if got, want := ISqrt(hi, lo), new(big.Int).Sqrt(n); want.Uint64() != got {
			t.Fatalf("ISqrt(%s) = %d, want %s", n, got, want)
		}
	}
}

func TestPowAgainstBig(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for range cases / 4 {
		// Bases near 1, where Pow is used (V growth and decay).
		x := FromBits(uint64(r.IntN(2)), r.Uint64()>>r.IntN(20))
		if r.IntN(2) == 0 {
			x = FromBits(1, r.Uint64()>>(20+r.IntN(40)))
		}
		n := uint64(r.IntN(5_000_000))
		got, err := x.Pow(n)
		// The same squaring steps, each floored, in big.Int.
		result, base := new(big.Int).Set(two64), toBig(x)
		overflow := false
		for e := n; ; {
			if e&1 == 1 {
				result.Mul(result, base).Rsh(result, 64)
				overflow = overflow || result.Cmp(two128) >= 0
			}
			e >>= 1
			if e == 0 {
				break
			}
			base.Mul(base, base).Rsh(base, 64)
			overflow = overflow || base.Cmp(two128) >= 0
		}
		if overflow {
			if !errors.Is(err, ErrOverflow) {
				t.Fatalf("Pow(%s, %d): want overflow, got %s %v", x, n, got, err)
			}
			continue
		}
		if err != nil || toBig(got).Cmp(result) != 0 {
			t.Fatalf("Pow(%s, %d) = %s %v, want raw %s", x, n, got, err, result)
		}
	}
}

func TestFromRatioAgainstBig(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for range cases {
		num, den := word(r), word(r)
		got, err := FromRatio(num, den)
		if den == 0 {
			if !errors.Is(err, ErrDivByZero) {
				t.Fatalf("FromRatio(%d, 0): %v", num, err)
			}
			continue
		}
		want := new(big.Int).Lsh(new(big.Int).SetUint64(num), 64)
		want.Quo(want, new(big.Int).SetUint64(den))
		check(t, "FromRatio", FromInt(num), FromInt(den), got, err, want)
	}
}

func TestAmountConversionsAgainstBig(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	units := big.NewInt(1_000_000_000_000)
	for range cases {
		a, err := pha.FromBig(toBig(random(r)))
		if err != nil {
			t.Fatal(err)
		}
		x, err := FromAmount(a)
		want := new(big.Int).Lsh(a.Big(), 64)
		want.Quo(want, units)
		check(t, "FromAmount", Zero, Zero, x, err, want)
		y := random(r)
		back := y.Amount()
		w := new(big.Int).Mul(toBig(y), units)
		w.Rsh(w, 64)
		if back.Big().Cmp(w) != 0 {
			t.Fatalf("%s.Amount() = %s, want %s", y, back, w)
		}
		num, den := random(r), random(r)
		got, err := MulDivAmount(a, num, den)
		if den.IsZero() {
			if !errors.Is(err, ErrDivByZero) {
				t.Fatal(err)
			}
		} else {
			w := new(big.Int).Mul(a.Big(), toBig(num))
			w.Quo(w, toBig(den))
			if w.Cmp(two128) >= 0 {
				if !errors.Is(err, ErrOverflow) {
					t.Fatalf("MulDivAmount: want overflow, got %s %v", got, err)
				}
			} else if err != nil || got.Big().Cmp(w) != 0 {
				t.Fatalf("MulDivAmount(%s, %s, %s) = %s %v, want %s", a, num, den, got, err, w)
			}
		}
		m, err := MulAmount(a, num)
		w = new(big.Int).Mul(a.Big(), toBig(num))
		w.Rsh(w, 64)
		if w.Cmp(two128) >= 0 {
			if !errors.Is(err, ErrOverflow) {
				t.Fatalf("MulAmount: want overflow, got %s %v", m, err)
			}
		} else if err != nil || m.Big().Cmp(w) != 0 {
			t.Fatalf("MulAmount(%s, %s) = %s %v, want %s", a, num, m, err, w)
		}
	}
}

func TestTextRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for range cases {
		x := random(r)
		s := x.String()
		y, err := Parse(s)
		if err != nil || y != x {
			t.Fatalf("Parse(%q) = %s %v, want %s", s, toBig(y), err, toBig(x))
		}
		// Format truncates the exact expansion.
		if f := x.Format(12); len(s) > len(f) && s[:len(f)] != f {
			t.Fatalf("Format(12) of %s = %s", s, f)
		}
	}
	raw, _ := json.Marshal(struct{ X U64F64 }{MustParse("1.3")})
	var back struct{ X U64F64 }
	if err := json.Unmarshal(raw, &back); err != nil || back.X != MustParse("1.3") {
		t.Fatalf("JSON %s -> %v %v", raw, back, err)
	}
}

func TestEdgeCases(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  func() (U64F64, error)
		want U64F64
		err  error
	}{
		{"max+ulp overflows", func() (U64F64, error) { return Max.Add(FromBits(0, 1)) }, Zero, ErrOverflow},
		{"max+0", func() (U64F64, error) { return Max.Add(Zero) }, Max, nil},
		{"0-ulp underflows", func() (U64F64, error) { return Zero.Sub(FromBits(0, 1)) }, Zero, ErrUnderflow},
		{"x-x", func() (U64F64, error) { return Max.Sub(Max) }, Zero, nil},
		{"2^32 squared overflows", func() (U64F64, error) { return FromInt(1 << 32).Mul(FromInt(1 << 32)) }, Zero, ErrOverflow},
		{"just below", func() (U64F64, error) { return FromInt(1<<32 - 1).Mul(FromInt(1 << 32)) }, FromInt((1<<32 - 1) << 32), nil},
		{"ulp squared floors to 0", func() (U64F64, error) { return FromBits(0, 1).Mul(FromBits(0, 1)) }, Zero, nil},
		{"max*1", func() (U64F64, error) { return Max.Mul(One) }, Max, nil},
		{"div by 0", func() (U64F64, error) { return One.Div(Zero) }, Zero, ErrDivByZero},
		{"max/ulp overflows", func() (U64F64, error) { return Max.Div(FromBits(0, 1)) }, Zero, ErrOverflow},
		{"1/3", func() (U64F64, error) { return One.Div(FromInt(3)) }, FromBits(0, 0x5555555555555555), nil},
		{"ratio 0/1", func() (U64F64, error) { return FromRatio(0, 1) }, Zero, nil},
		{"ratio x/0", func() (U64F64, error) { return FromRatio(1, 0) }, Zero, ErrDivByZero},
		{"pow 0^0", func() (U64F64, error) { return Zero.Pow(0) }, One, nil},
		{"pow 2^64 overflows", func() (U64F64, error) { return FromInt(2).Pow(64) }, Zero, ErrOverflow},
		{"pow 2^63", func() (U64F64, error) { return FromInt(2).Pow(63) }, FromInt(1 << 63), nil},
		{"sqrt max", func() (U64F64, error) { return Max.Sqrt(), nil }, FromBits(0xffffffff, 0xffffffffffffffff), nil},
		{"sqrt 4", func() (U64F64, error) { return FromInt(4).Sqrt(), nil }, FromInt(2), nil},
		{"sqrt 0", func() (U64F64, error) { return Zero.Sqrt(), nil }, Zero, nil},
		{"parse fraction", func() (U64F64, error) { return Parse("1/4") }, FromBits(0, 1<<62), nil},
		{"parse decimal", func() (U64F64, error) { return Parse("0.5") }, FromBits(0, 1<<63), nil},
		{"amount 1.5PHA", func() (U64F64, error) { return FromAmount(pha.Units(1_500_000_000_000)) }, FromBits(1, 1<<63), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.got()
			if !errors.Is(err, tc.err) || (tc.err == nil && got != tc.want) {
				t.Fatalf("got %s (%v), want %s (%v)", got, err, tc.want, tc.err)
			}
		})
	}
	for _, bad := range []string{"", "-1", "1e3", "0x10", "1/0", "a/b", "18446744073709551616", "1.2.3"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
	if ISqrt(^uint64(0), ^uint64(0)) != ^uint64(0) {
		t.Fatal("ISqrt(2^128-1)")
	}
	if got := MustParse("30000").Amount(); got != pha.Whole(30000) {
		t.Fatalf("30000 -> %s", got)
	}
}
