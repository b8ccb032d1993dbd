package address

import (
	"crypto/ed25519"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	pub := ed25519.NewKeyFromSeed(make([]byte, 32)).Public().(ed25519.PublicKey)
	a := FromPubKey(pub)
	s := a.String()
	if !strings.HasPrefix(s, "pha1") {
		t.Fatalf("address %s lacks the pha prefix", s)
	}
	b, err := Parse(s)
	if err != nil || b != a {
		t.Fatalf("parse %s: %v", s, err)
	}
	if Module("treasury") == Module("computation_subsidy") || Module("treasury").IsZero() {
		t.Fatal("module addresses collide")
	}
}

func TestParseRejects(t *testing.T) {
	good := Module("treasury").String()
	bad := []string{
		"",
		"cosmos1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqnrql8a",      // wrong prefix
		good[:len(good)-1] + flip(good[len(good)-1]),         // bad checksum
		"pha1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq", // wrong length / checksum
	}
	for _, s := range bad {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) accepted", s)
		}
	}
}

func flip(c byte) string {
	if c == 'q' {
		return "p"
	}
	return "q"
}
