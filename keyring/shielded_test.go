package keyring

import (
	"encoding/hex"
	"errors"
	"testing"

	"github.com/phalanetwork/phala/shielded/note"
)

// TestSpendingKeyDerivation checks that an account's shielded key is
// derived from its seed: the same after export and import into another
// keyring, different for another account.
func TestSpendingKeyDerivation(t *testing.T) {
	pass := func(string, bool) ([]byte, error) { return []byte("export pass"), nil }
	a, err := Open(t.TempDir(), BackendTest, pass)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"alice", "bob"} {
		mustAdd(t, a, n)
	}
	alice, err := a.SpendingKey("alice")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := a.SpendingKey("bob")
	if err != nil {
		t.Fatal(err)
	}
	if alice.Sk.Equal(&bob.Sk) {
		t.Fatal("alice and bob derived the same shielded key")
	}
	armored, err := a.Export("alice")
	if err != nil {
		t.Fatal(err)
	}
	b, err := Open(t.TempDir(), BackendFile, pass)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Import("alice2", armored); err != nil {
		t.Fatal(err)
	}
	again, err := b.SpendingKey("alice2")
	if err != nil {
		t.Fatal(err)
	}
	if !again.Sk.Equal(&alice.Sk) || again.Address() != alice.Address() {
		t.Fatal("the imported account derived another shielded key")
	}
	if _, err := a.SpendingKey("carol"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing account: got %v, want ErrNotFound", err)
	}
}

// TestViewingKeyImport imports an exported viewing key and refuses
// malformed ones and a second import under the same name.
func TestViewingKeyImport(t *testing.T) {
	kr, err := Open(t.TempDir(), BackendTest, nil)
	if err != nil {
		t.Fatal(err)
	}
	mustAdd(t, kr, "bob")
	sk, err := kr.SpendingKey("bob")
	if err != nil {
		t.Fatal(err)
	}
	exported := hex.EncodeToString(sk.ViewingKey().Bytes())
	for _, tc := range []struct{ name, key string }{
		{"not-hex", "zz"},
		{"short", exported[:62]},
		{"bad-owner", "ff" + exported[2:]},
	} {
		if _, err := kr.ImportViewingKey(tc.name, tc.key); !errors.Is(err, note.ErrBadKey) {
			t.Errorf("%s: got %v, want ErrBadKey", tc.name, err)
		}
	}
	addr, err := kr.ImportViewingKey("audit", exported)
	if err != nil {
		t.Fatal(err)
	}
	if addr != sk.Address() {
		t.Fatalf("imported viewing key opens %s, want %s", addr, sk.Address())
	}
	vk, err := kr.ViewingKey("audit")
	if err != nil {
		t.Fatal(err)
	}
	if vk != sk.ViewingKey() {
		t.Fatal("the stored viewing key differs from the exported one")
	}
	if _, err := kr.ImportViewingKey("audit", exported); !errors.Is(err, ErrExists) {
		t.Fatalf("second import: got %v, want ErrExists", err)
	}
	if infos, err := kr.List(); err != nil || len(infos) != 1 {
		t.Fatalf("keys list after importing a viewing key: %v, %v (want bob only)", infos, err)
	}
}
