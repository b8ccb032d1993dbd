package pha

import (
	"strings"
	"testing"
)

// FuzzParse: amounts come as text from CLI users, RPC clients and genesis;
// no string panics Parse, a refusal names the amount, and an amount that
// parses prints (in base units) as a string that parses back to it.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"0", "12", "1.5PHA", "0.000000000001 pha", ".5PHA", "PHA", "1e3", "340282366920938463463374607431768211455", "340282366920938463463374607431768211456", "1.0000000000001PHA", Whole(3).String()} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := Parse(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "parse amount") {
				t.Fatalf("refusal does not name the amount: %v", err)
			}
			return
		}
		var b Amount
		if err := b.UnmarshalText([]byte(a.String())); err != nil || b != a {
			t.Fatalf("%q parsed as %s, which reads back as %s (%v)", s, a, b, err)
		}
	})
}
