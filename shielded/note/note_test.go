package note

import (
	"crypto/rand"
	"errors"
	"testing"
)

func TestAddressAndEncryption(t *testing.T) {
	alice, err := NewSpendingKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	bob, _ := NewSpendingKey(rand.Reader)
	addr, err := ParseAddress(alice.Address().String())
	if err != nil || addr != alice.Address() {
		t.Fatalf("address round trip: %v", err)
	}
	n, err := New(addr, 40_000_000_000_000)
	if err != nil {
		t.Fatal(err)
	}
	ct, err := Encrypt(addr, n)
	if err != nil || len(ct) != CiphertextSize {
		t.Fatalf("encrypt: %v, %d bytes", err, len(ct))
	}
	vk, err := ViewingKeyFromBytes(alice.ViewingKey().Bytes())
	if err != nil {
		t.Fatal(err)
	}
	got, err := vk.Decrypt(ct, n.Commitment())
	if err != nil || got != n {
		t.Fatalf("exported viewing key: %v", err)
	}
	cases := map[string]func() error{
		"other viewing key": func() error { _, err := bob.ViewingKey().Decrypt(ct, n.Commitment()); return err },
		"other commitment":  func() error { _, err := vk.Decrypt(ct, bob.Address().Owner); return err },
		"flipped bit": func() error {
			bad := append([]byte(nil), ct...)
			bad[40] ^= 1
			_, err := vk.Decrypt(bad, n.Commitment())
			return err
		},
	}
	for name, f := range cases {
		if err := f(); !errors.Is(err, ErrNotMine) {
			t.Errorf("%s: got %v, want ErrNotMine", name, err)
		}
	}
	if _, err := ParseAddress("pha1qqqq"); !errors.Is(err, ErrBadAddress) {
		t.Errorf("account address taken as shielded: %v", err)
	}
}
