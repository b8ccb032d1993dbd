package uint128

import (
	"errors"
	"math/big"
	"math/rand/v2"
	"testing"
)

// The tests check every operation against math/big, on tables of edge
// cases, on random inputs drawn to hit the interesting widths (small
// numbers, numbers near 2^64 and 2^128, one half set) and under the fuzzer.

var two128 = new(big.Int).Lsh(big.NewInt(1), 128)

// mask128 reduces b mod 2^128, the wrapped result of Add and Sub.
func mask128(b *big.Int) *big.Int {
	return new(big.Int).Mod(b, two128)
}

func wideBig(n Uint256) *big.Int {
	b := new(big.Int)
	for j := 3; j >= 0; j-- {
		b.Lsh(b, 64).Or(b, new(big.Int).SetUint64(n[j]))
	}
	return b
}

// random draws a 128-bit value of a random shape: small, near 2^128,
// a power of two, random with leading zeros, or random with one half zero.
func random(r *rand.Rand) Uint128 {
	full := Uint128{r.Uint64(), r.Uint64()}
	switch r.IntN(7) {
	case 0:
		return From64(uint64(r.IntN(16)))
	case 1:
		d, _ := Max.Sub(From64(uint64(r.IntN(16))))
		return d
	case 2:
		return From64(1).Lsh(uint(r.IntN(128)))
	case 3:
		return full.Rsh(uint(r.IntN(128)))
	case 4:
		return Uint128{Hi: full.Hi}
	case 5:
		return Uint128{Lo: full.Lo}
	}
	return full
}

const cases = 20000

// checkArith compares Cmp, Add, Sub, Mul, QuoRem, QuoRem64 and the shifts
// of a and b with math/big.
func checkArith(t *testing.T, a, b Uint128) {
	t.Helper()
	ba, bb := a.Big(), b.Big()
	if got, want := a.Cmp(b), ba.Cmp(bb); got != want {
		t.Fatalf("Cmp(%s, %s) = %d, want %d", a, b, got, want)
	}
	sum, over := a.Add(b)
	ws := new(big.Int).Add(ba, bb)
	if sum.Big().Cmp(mask128(ws)) != 0 || over != (ws.Cmp(two128) >= 0) {
		t.Fatalf("Add(%s, %s) = %s %v, want %s", a, b, sum, over, ws)
	}
	diff, borrow := a.Sub(b)
	wd := new(big.Int).Sub(ba, bb)
	if diff.Big().Cmp(mask128(wd)) != 0 || borrow != (wd.Sign() < 0) {
		t.Fatalf("Sub(%s, %s) = %s %v, want %s", a, b, diff, borrow, wd)
	}
	if got, want := wideBig(a.Mul(b)), new(big.Int).Mul(ba, bb); got.Cmp(want) != 0 {
		t.Fatalf("Mul(%s, %s) = %s, want %s", a, b, got, want)
	}
	if !b.IsZero() {
		q, r := a.QuoRem(b)
		wq, wr := new(big.Int).QuoRem(ba, bb, new(big.Int))
		if q.Big().Cmp(wq) != 0 || r.Big().Cmp(wr) != 0 {
			t.Fatalf("QuoRem(%s, %s) = %s r %s, want %s r %s", a, b, q, r, wq, wr)
		}
	}
	if b.Lo != 0 {
		q, r := a.QuoRem64(b.Lo)
		wq, wr := new(big.Int).QuoRem(ba, new(big.Int).SetUint64(b.Lo), new(big.Int))
		if q.Big().Cmp(wq) != 0 || wr.Uint64() != r {
			t.Fatalf("QuoRem64(%s, %d) = %s r %d, want %s r %s", a, b.Lo, q, r, wq, wr)
		}
	}
	n := uint(b.Lo % 130)
	if got, want := a.Lsh(n).Big(), mask128(new(big.Int).Lsh(ba, n)); got.Cmp(want) != 0 {
		t.Fatalf("%s << %d = %s, want %s", a, n, got, want)
	}
	if got, want := a.Rsh(n).Big(), new(big.Int).Rsh(ba, n); got.Cmp(want) != 0 {
		t.Fatalf("%s >> %d = %s, want %s", a, n, got, want)
	}
}

// checkDivMod compares the 256-by-128 division with math/big.
func checkDivMod(t *testing.T, n Uint256, d Uint128) {
	t.Helper()
	if d.IsZero() {
		return
	}
	q, r := DivMod(n, d)
	bn, bd := wideBig(n), d.Big()
	wq, wr := new(big.Int).QuoRem(bn, bd, new(big.Int))
	if wideBig(q).Cmp(wq) != 0 || r.Big().Cmp(wr) != 0 {
		t.Fatalf("%s / %s = %s r %s, want %s r %s", bn, bd, wideBig(q), r, wq, wr)
	}
	if got, want := n.BitLen(), bn.BitLen(); got != want {
		t.Fatalf("BitLen(%s) = %d, want %d", bn, got, want)
	}
	low, fits := n.Low128()
	if fits != (bn.Cmp(two128) < 0) || low.Big().Cmp(mask128(bn)) != 0 {
		t.Fatalf("Low128(%s) = %s %v", bn, low, fits)
	}
}

// checkText compares String and Parse with math/big and the binary form
// with its round trip.
func checkText(t *testing.T, a Uint128) {
	t.Helper()
	s := a.String()
	if want := a.Big().String(); s != want {
		t.Fatalf("String() = %s, want %s", s, want)
	}
	if back, err := Parse(s); err != nil || back != a {
		t.Fatalf("Parse(%q) = %s %v", s, back, err)
	}
	var b [Size]byte
	a.Put(b[:])
	if back, err := FromBytes(b[:]); err != nil || back != a {
		t.Fatalf("FromBytes(%x) = %s %v", b, back, err)
	}
	if back, err := FromBig(a.Big()); err != nil || back != a {
		t.Fatalf("FromBig(%s) = %s %v", a, back, err)
	}
}

func TestArithAgainstBig(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range cases {
		a, b := random(r), random(r)
		checkArith(t, a, b)
		checkText(t, a)
	}
}

// TestDivModAgainstBig drives the 256-by-128 division with dividends of
// every width, including the correction steps of algorithm D.
func TestDivModAgainstBig(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := range 4 * cases {
		lo, hi := random(r), random(r)
		n := Uint256{lo.Lo, lo.Hi, hi.Lo, hi.Hi}
		d := random(r)
		if i%7 == 0 {
			// Divisors just above a power of two make qhat estimates
			// too large, which is what the correction steps are for.
			d = Uint128{Hi: 1 << r.IntN(64), Lo: uint64(r.IntN(3))}
		}
		checkDivMod(t, n, d)
	}
}

func TestEdgeCases(t *testing.T) {
	edges := []Uint128{{}, From64(1), From64(^uint64(0)), {Hi: 1}, {Hi: 1 << 63}, Max, {Hi: ^uint64(0)}, {Lo: 10}}
	for _, a := range edges {
		checkText(t, a)
		for _, b := range edges {
			checkArith(t, a, b)
			checkDivMod(t, a.Mul(b), b)
			checkDivMod(t, Uint256{a.Lo, a.Hi, b.Lo, b.Hi}, b)
		}
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Uint128
		err  bool
	}{
		{in: "0", want: Uint128{}},
		{in: "007", want: From64(7)},
		{in: "18446744073709551616", want: Uint128{Hi: 1}},
		{in: "340282366920938463463374607431768211455", want: Max},
		{in: "340282366920938463463374607431768211456", err: true},
		{in: "3402823669209384634633746074317682114550", err: true},
		{in: "", err: true},
		{in: "-1", err: true},
		{in: "+1", err: true},
		{in: " 1", err: true},
		{in: "1_000", err: true},
		{in: "1.0", err: true},
	} {
		got, err := Parse(tc.in)
		if tc.err != (err != nil) || got != tc.want {
			t.Errorf("Parse(%q) = %s %v, want %s (error %v)", tc.in, got, err, tc.want, tc.err)
		}
	}
	if _, err := Parse("340282366920938463463374607431768211456"); !errors.Is(err, ErrOverflow) {
		t.Errorf("2^128: %v, want ErrOverflow", err)
	}
	if _, err := FromBig(two128); !errors.Is(err, ErrOverflow) {
		t.Errorf("FromBig(2^128): %v, want ErrOverflow", err)
	}
	if _, err := FromBig(big.NewInt(-1)); err == nil {
		t.Error("FromBig(-1) accepted")
	}
	if _, err := FromBytes(make([]byte, 15)); err == nil {
		t.Error("FromBytes of 15 bytes accepted")
	}
}

func FuzzArith(f *testing.F) {
	f.Add(uint64(0), uint64(0), uint64(0), uint64(1))
	f.Add(^uint64(0), ^uint64(0), uint64(1), uint64(0))
	f.Add(uint64(1)<<63, uint64(3), uint64(1)<<62, ^uint64(0))
	f.Fuzz(func(t *testing.T, ah, al, bh, bl uint64) {
		checkArith(t, Uint128{ah, al}, Uint128{bh, bl})
		checkText(t, Uint128{ah, al})
	})
}

func FuzzDivMod(f *testing.F) {
	f.Add(uint64(1), uint64(2), uint64(3), uint64(4), uint64(1)<<63, uint64(1))
	f.Add(^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0), uint64(1), uint64(0))
	f.Fuzz(func(t *testing.T, n0, n1, n2, n3, dh, dl uint64) {
		checkDivMod(t, Uint256{n0, n1, n2, n3}, Uint128{dh, dl})
	})
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"0", "12345678901234567890123", "340282366920938463463374607431768211456", "", "1a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Parse(s)
		want, ok := new(big.Int).SetString(s, 10)
		valid := ok && s != "" && s[0] != '+' && s[0] != '-' && want.Cmp(two128) < 0
		for i := 0; valid && i < len(s); i++ {
			valid = s[i] >= '0' && s[i] <= '9'
		}
		if valid != (err == nil) {
			t.Fatalf("Parse(%q) = %s %v, big says %v", s, got, err, valid)
		}
		if valid && got.Big().Cmp(want) != 0 {
			t.Fatalf("Parse(%q) = %s, want %s", s, got, want)
		}
	})
}
