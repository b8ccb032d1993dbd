package fixedpoint

import (
	"strings"
	"testing"
)

// FuzzParse: 64.64 values come as text in genesis params and in governance
// proposals; no string panics Parse, a refusal names the package and the
// input, and every value that parses prints as a string that parses back
// to it (String is exact; the input itself may have been rounded down).
func FuzzParse(f *testing.F) {
	for _, s := range []string{"0", "1.3", "1/3600000", "18446744073709551615.9999999999999999999457898913757247782996273599565029144287109375", "18446744073709551616", "0.", ".5", "1/0", " 7 / 2 ", "-1", "1e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		x, err := Parse(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fixedpoint: parse ") {
				t.Fatalf("refusal does not name the parse: %v", err)
			}
			return
		}
		var y U64F64
		if err := y.UnmarshalText([]byte(x.String())); err != nil || y != x {
			t.Fatalf("%q parsed as %s, which reads back as %s (%v)", s, x, y, err)
		}
	})
}
