package address

import (
	"strings"
	"testing"
)

// FuzzParse: account addresses come from CLI users, RPC query paths and
// genesis; no string panics Parse, a refusal names the address, and an
// address that parses prints as the input up to case (bech32 accepts
// either case, never a mix).
func FuzzParse(f *testing.F) {
	a := Module("fuzz")
	s := a.String()
	for _, seed := range []string{s, strings.ToUpper(s), s[:len(s)-1], "", Prefix + "1", strings.Replace(s, Prefix, "cosmos", 1)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := Parse(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "parse address") {
				t.Fatalf("refusal does not name the address: %v", err)
			}
			return
		}
		if got := a.String(); got != strings.ToLower(s) {
			t.Fatalf("address %q prints back as %q", s, got)
		}
		var b Address
		if err := b.UnmarshalText([]byte(a.String())); err != nil || b != a {
			t.Fatalf("printed address does not read back: %v", err)
		}
	})
}
