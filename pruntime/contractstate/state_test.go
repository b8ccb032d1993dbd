package contractstate

import (
	"bytes"
	"errors"
	"testing"
)

func TestSealOpenRootAndRekey(t *testing.T) {
	s := New()
	for k, v := range map[string]string{"balance/alice": "100", "balance/bob": "7", "owner": "alice"} {
		if err := s.Set(k, []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	k1, k2 := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	sealed, err := s.Seal(k1, []byte("contract|epoch0"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range sealed {
		if bytes.Contains(e, []byte("balance")) || bytes.Contains(e, []byte("alice")) {
			t.Fatal("a sealed entry shows a name or value")
		}
	}
	back, err := Open(k1, []byte("contract|epoch0"), sealed)
	if err != nil || back.Root(k1) != s.Root(k1) || string(back.Get("balance/bob")) != "7" {
		t.Fatalf("round trip: %v", err)
	}
	if _, err := Open(k2, []byte("contract|epoch0"), sealed); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("wrong key: %v", err)
	}
	if _, err := Open(k1, []byte("contract|epoch1"), sealed); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("wrong binding: %v", err)
	}
	// Re-keying is opening under the old key and sealing under the new.
	resealed, _ := back.Seal(k2, []byte("contract|epoch1"))
	again, err := Open(k2, []byte("contract|epoch1"), resealed)
	if err != nil || again.Root(k1) != s.Root(k1) {
		t.Fatalf("rekey lost state: %v", err)
	}
	// The root depends on every value and on nothing else.
	c := s.Clone()
	c.Set("balance/bob", []byte("8"))
	if c.Root(k1) == s.Root(k1) {
		t.Fatal("root ignores a value")
	}
	if s.Root(k1) == s.Root(k2) {
		t.Fatal("root ignores its key")
	}
	if got := s.Keys("balance/"); len(got) != 2 || got[0] != "balance/alice" {
		t.Fatalf("keys %v", got)
	}
	if err := s.Set("", nil); err == nil {
		t.Fatal("empty key accepted")
	}
}
