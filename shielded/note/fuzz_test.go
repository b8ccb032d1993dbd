package note

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// FuzzParseAddress: a shielded address is what a wallet user pastes and
// what a payer's client reads; no string panics the parser, a refusal is
// ErrBadAddress, and an address that parses prints back as the same
// string up to case (bech32 accepts either case, never a mix).
func FuzzParseAddress(f *testing.F) {
	k, err := NewSpendingKey(bytes.NewReader(bytes.Repeat([]byte{9}, 64)))
	if err != nil {
		f.Fatal(err)
	}
	s := k.Address().String()
	for _, seed := range []string{s, strings.ToUpper(s), s[:len(s)-1], s[:len(AddressPrefix)+1], "", "zpha1", strings.Replace(s, "zpha", "zphb", 1)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAddress(s)
		if err != nil {
			if !errors.Is(err, ErrBadAddress) {
				t.Fatalf("refusal is not ErrBadAddress: %v", err)
			}
			return
		}
		if got := a.String(); got != strings.ToLower(s) {
			t.Fatalf("address %q prints back as %q", s, got)
		}
		if again, err := ParseAddress(a.String()); err != nil || again != a {
			t.Fatalf("printed address does not parse back: %v", err)
		}
	})
}

// FuzzKeysFromBytes: exported spending and viewing keys are files a user
// imports; no bytes panic their decoders, a refusal is ErrBadKey, and a
// key that decodes exports to the same bytes.
func FuzzKeysFromBytes(f *testing.F) {
	k, err := NewSpendingKey(bytes.NewReader(bytes.Repeat([]byte{9}, 64)))
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range [][]byte{k.Bytes(), k.ViewingKey().Bytes(), bytes.Repeat([]byte{0xff}, 64), bytes.Repeat([]byte{0xff}, 32), nil} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if sk, err := SpendingKeyFromBytes(b); err != nil {
			if !errors.Is(err, ErrBadKey) {
				t.Fatalf("spending key refusal is not ErrBadKey: %v", err)
			}
		} else if !bytes.Equal(sk.Bytes(), b) {
			t.Fatalf("spending key %x exports as %x", b, sk.Bytes())
		}
		if vk, err := ViewingKeyFromBytes(b); err != nil {
			if !errors.Is(err, ErrBadKey) {
				t.Fatalf("viewing key refusal is not ErrBadKey: %v", err)
			}
		} else if !bytes.Equal(vk.Bytes(), b) {
			t.Fatalf("viewing key %x exports as %x", b, vk.Bytes())
		}
	})
}
