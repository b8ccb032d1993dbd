package keyring

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phalanetwork/phala/crypto/address"
)

func TestMain(m *testing.M) {
	scryptN = 1 << 10 // fast tests; the default stays 1<<15
	os.Exit(m.Run())
}

// fixedPass answers every prompt with pw and records the prompts.
type fixedPass struct {
	pw      string
	prompts []string
}

func (f *fixedPass) fn(prompt string, confirm bool) ([]byte, error) {
	f.prompts = append(f.prompts, prompt)
	return []byte(f.pw), nil
}

func open(t *testing.T, home, backend string, pass PassphraseFunc) *Keyring {
	t.Helper()
	k, err := Open(home, backend, pass)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// mustAdd adds a new key name to k, or fails the test.
func mustAdd(t *testing.T, k *Keyring, name string) Info {
	t.Helper()
	info, err := k.Add(name)
	if err != nil {
		t.Fatal(err)
	}
	return info
}

func TestOpen(t *testing.T) {
	home := t.TempDir()
	k := open(t, home, BackendTest, nil)
	want := filepath.Join(home, "keyring-test")
	if k.Dir() != want {
		t.Fatalf("dir %s, want %s", k.Dir(), want)
	}
	st, err := os.Stat(want)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o700 {
		t.Fatalf("dir mode %v, want 0700", st.Mode().Perm())
	}
	_, err = Open(home, "os", nil)
	if err == nil || !strings.Contains(err.Error(), "file") || !strings.Contains(err.Error(), "test") {
		t.Fatalf("unknown backend error should list valid backends, got %v", err)
	}
}

func TestAddListGetFind(t *testing.T) {
	for _, backend := range Backends {
		t.Run(backend, func(t *testing.T) {
			p := &fixedPass{pw: "correct horse"}
			k := open(t, t.TempDir(), backend, p.fn)
			bob := mustAdd(t, k, "bob")
			alice := mustAdd(t, k, "alice")
			if alice.Address != address.FromPubKey(alice.PubKey) || alice.Name != "alice" {
				t.Fatalf("bad info %+v", alice)
			}
			list, err := k.List()
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 2 || list[0].Name != "alice" || list[1].Name != "bob" {
				t.Fatalf("list not sorted by name: %+v", list)
			}
			if list[1].Address != bob.Address || !list[1].PubKey.Equal(bob.PubKey) {
				t.Fatalf("list entry %+v != %+v", list[1], bob)
			}

			prompts := len(p.prompts)
			got, err := k.Get("alice")
			if err != nil {
				t.Fatal(err)
			}
			if got.Address != alice.Address || !got.PubKey.Equal(alice.PubKey) {
				t.Fatalf("get %+v, want %+v", got, alice)
			}
			if len(p.prompts) != prompts {
				t.Fatal("Get asked for a passphrase")
			}

			byName, err := k.Find("bob")
			if err != nil || byName.Address != bob.Address {
				t.Fatalf("find by name: %+v %v", byName, err)
			}
			byAddr, err := k.Find(bob.Address.String())
			if err != nil || byAddr.Name != "bob" {
				t.Fatalf("find by address: %+v %v", byAddr, err)
			}
			if _, err := k.Find("carol"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("find missing name: %v", err)
			}
			other := address.FromPubKey(make([]byte, ed25519.PublicKeySize))
			if _, err := k.Find(other.String()); !errors.Is(err, ErrNotFound) {
				t.Fatalf("find missing address: %v", err)
			}
			if _, err := k.Find("not an address!"); err == nil {
				t.Fatal("find garbage: want error")
			}
			if _, err := k.Get("carol"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("get missing: %v", err)
			}

			priv, err := k.PrivKey("alice")
			if err != nil {
				t.Fatal(err)
			}
			if !priv.Public().(ed25519.PublicKey).Equal(alice.PubKey) {
				t.Fatal("private key does not match public key")
			}
			msg := []byte("hello")
			if !ed25519.Verify(alice.PubKey, msg, ed25519.Sign(priv, msg)) {
				t.Fatal("signature does not verify")
			}

			if err := k.Delete("alice"); err != nil {
				t.Fatal(err)
			}
			if err := k.Delete("alice"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("delete twice: %v", err)
			}
			if list, _ := k.List(); len(list) != 1 {
				t.Fatalf("after delete: %+v", list)
			}
		})
	}
}

func TestFileBackendPassphrase(t *testing.T) {
	home := t.TempDir()
	p := &fixedPass{pw: "s3cret"}
	k := open(t, home, BackendFile, p.fn)
	info := mustAdd(t, k, "alice")
	// A fresh Keyring (as a new process would) decrypts with the passphrase.
	p2 := &fixedPass{pw: "s3cret"}
	k2 := open(t, home, BackendFile, p2.fn)
	priv, err := k2.PrivKey("alice")
	if err != nil {
		t.Fatal(err)
	}
	if !priv.Public().(ed25519.PublicKey).Equal(info.PubKey) {
		t.Fatal("roundtrip changed the key")
	}
	if len(p2.prompts) != 1 || p2.prompts[0] != "Passphrase for key alice: " {
		t.Fatalf("prompts %q", p2.prompts)
	}

	bad := &fixedPass{pw: "wrong"}
	k3 := open(t, home, BackendFile, bad.fn)
	if _, err := k3.PrivKey("alice"); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: got %v", err)
	}

	empty := &fixedPass{pw: ""}
	k4 := open(t, home, BackendFile, empty.fn)
	if _, err := k4.Add("bob"); err == nil {
		t.Fatal("empty passphrase accepted for a new key")
	}
	if _, err := open(t, home, BackendFile, nil).PrivKey("alice"); err == nil {
		t.Fatal("nil PassphraseFunc: want error")
	}
}

func TestAddPrivKey(t *testing.T) {
	k := open(t, t.TempDir(), BackendFile, (&fixedPass{pw: "pw"}).fn)
	seed := bytes.Repeat([]byte{7}, ed25519.SeedSize)
	priv := ed25519.NewKeyFromSeed(seed)
	info, err := k.AddPrivKey("validator", priv)
	if err != nil {
		t.Fatal(err)
	}
	if info.Address != address.FromPubKey(priv.Public().(ed25519.PublicKey)) {
		t.Fatal("wrong address")
	}
	got, err := k.PrivKey("validator")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, priv) {
		t.Fatal("stored key differs")
	}
	if _, err := k.AddPrivKey("short", priv[:10]); err == nil {
		t.Fatal("short key accepted")
	}
	bad := append(ed25519.PrivateKey(nil), priv...)
	bad[40] ^= 1
	if _, err := k.AddPrivKey("inconsistent", bad); err == nil {
		t.Fatal("inconsistent key accepted")
	}
}

func TestDuplicateAndBadNames(t *testing.T) {
	for _, backend := range Backends {
		t.Run(backend, func(t *testing.T) {
			k := open(t, t.TempDir(), backend, (&fixedPass{pw: "pw"}).fn)
			mustAdd(t, k, "alice")
			if _, err := k.Add("alice"); !errors.Is(err, ErrExists) {
				t.Fatalf("duplicate: got %v", err)
			}
			_, priv, _ := ed25519.GenerateKey(nil)
			if _, err := k.AddPrivKey("alice", priv); !errors.Is(err, ErrExists) {
				t.Fatalf("duplicate AddPrivKey: got %v", err)
			}
			for _, name := range []string{"", "a b", "../evil", "a/b", "é", ".hidden", strings.Repeat("x", 65), "name.json"} {
				if _, err := k.Add(name); err == nil || errors.Is(err, ErrExists) {
					t.Fatalf("bad name %q: got %v", name, err)
				}
			}
			if _, err := k.Add(strings.Repeat("x", 64)); err != nil {
				t.Fatalf("64-char name: %v", err)
			}
			if _, err := k.Add("A_b-9"); err != nil {
				t.Fatalf("name with _ and -: %v", err)
			}
			// No stray temp files are left behind.
			entries, _ := os.ReadDir(k.Dir())
			for _, e := range entries {
				if strings.HasPrefix(e.Name(), ".") {
					t.Fatalf("stray file %s", e.Name())
				}
			}
		})
	}
}

func TestExportTestImportFile(t *testing.T) {
	home := t.TempDir()
	tk := open(t, home, BackendTest, (&fixedPass{pw: "export-pw"}).fn)
	orig := mustAdd(t, tk, "alice")
	armor, err := tk.Export("alice")
	if err != nil {
		t.Fatal(err)
	}
	var hdr map[string]any
	if err := json.Unmarshal(armor, &hdr); err != nil {
		t.Fatal(err)
	}
	if hdr["type"] != "phala-key-export" || hdr["kdf"] != "scrypt" || hdr["address"] != orig.Address.String() {
		t.Fatalf("export header %v", hdr)
	}
	priv, _ := tk.PrivKey("alice")
	assertNoSeed(t, armor, priv.Seed())

	// Import into the file backend under another name: the export passphrase
	// is asked first, then the new storage passphrase.
	p := &fixedPass{pw: "export-pw"}
	fk := open(t, home, BackendFile, p.fn)
	info, err := fk.Import("alice2", armor)
	if err != nil {
		t.Fatal(err)
	}
	if info.Address != orig.Address || info.Name != "alice2" {
		t.Fatalf("imported %+v, want address %s", info, orig.Address)
	}
	got, err := fk.PrivKey("alice2")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, priv) {
		t.Fatal("imported key differs")
	}
	if _, err := fk.Import("alice2", armor); !errors.Is(err, ErrExists) {
		t.Fatalf("import over existing: %v", err)
	}

	// Wrong export passphrase.
	wrong := open(t, t.TempDir(), BackendFile, (&fixedPass{pw: "nope"}).fn)
	if _, err := wrong.Import("alice", armor); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("import with wrong passphrase: %v", err)
	}
	if list, _ := wrong.List(); len(list) != 0 {
		t.Fatal("failed import stored a key")
	}

	// A keyring file is not an export.
	raw, _ := os.ReadFile(filepath.Join(fk.Dir(), "alice2.json"))
	if _, err := wrong.Import("x", raw); err == nil {
		t.Fatal("imported a keyring file as an export")
	}
	if _, err := wrong.Import("x", []byte("not json")); err == nil {
		t.Fatal("imported garbage")
	}

	// Export from the file backend and back into the test backend.
	armor2, err := fk.Export("alice2")
	if err != nil {
		t.Fatal(err)
	}
	tk2 := open(t, t.TempDir(), BackendTest, (&fixedPass{pw: "export-pw"}).fn)
	back, err := tk2.Import("alice", armor2)
	if err != nil {
		t.Fatal(err)
	}
	if back.Address != orig.Address {
		t.Fatal("file->test import changed the address")
	}
}

func TestTamperedCiphertext(t *testing.T) {
	p := &fixedPass{pw: "pw"}
	k := open(t, t.TempDir(), BackendFile, p.fn)
	mustAdd(t, k, "alice")
	path := filepath.Join(k.Dir(), "alice.json")
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var ek encryptedKey
	if err := json.Unmarshal(orig, &ek); err != nil {
		t.Fatal(err)
	}

	mutate := func(f func(*encryptedKey)) {
		t.Helper()
		c := ek
		c.Ciphertext = append([]byte(nil), ek.Ciphertext...)
		c.Salt = append([]byte(nil), ek.Salt...)
		c.Nonce = append([]byte(nil), ek.Nonce...)
		f(&c)
		data, _ := json.Marshal(&c)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := k.PrivKey("alice"); err == nil {
			t.Fatal("tampered key decrypted")
		}
	}
	mutate(func(c *encryptedKey) { c.Ciphertext[0] ^= 1 })
	mutate(func(c *encryptedKey) { c.Ciphertext[len(c.Ciphertext)-1] ^= 1 })
	mutate(func(c *encryptedKey) { c.Nonce[0] ^= 1 })
	mutate(func(c *encryptedKey) { c.Salt[0] ^= 1 })
	mutate(func(c *encryptedKey) { c.Ciphertext = c.Ciphertext[:10] })
	mutate(func(c *encryptedKey) { c.KDFParams.N = 1 << 30 })
	// Swapping in another key's public key and address is caught by the
	// associated data (and the public key check).
	mutate(func(c *encryptedKey) {
		pub, _, _ := ed25519.GenerateKey(nil)
		c.PubKey, c.Address = pub, address.FromPubKey(pub)
	})
	// The clear address must match the public key.
	mutate(func(c *encryptedKey) { c.Address[0] ^= 1 })

	if err := os.WriteFile(path, orig, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := k.PrivKey("alice"); err != nil {
		t.Fatalf("restored file: %v", err)
	}
}

func TestFileDoesNotContainSeed(t *testing.T) {
	k := open(t, t.TempDir(), BackendFile, (&fixedPass{pw: "pw"}).fn)
	mustAdd(t, k, "alice")
	priv, err := k.PrivKey("alice")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(k.Dir(), "alice.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	assertNoSeed(t, data, priv.Seed())
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", st.Mode().Perm())
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"version", "name", "address", "pubkey", "kdf", "kdf_params", "salt", "nonce", "ciphertext"} {
		if _, ok := m[f]; !ok {
			t.Fatalf("key file lacks %q: %s", f, data)
		}
	}
	if _, ok := m["seed"]; ok {
		t.Fatal("encrypted key file has a seed field")
	}
}

func TestTestBackendFormat(t *testing.T) {
	k := open(t, t.TempDir(), BackendTest, nil)
	info := mustAdd(t, k, "alice")
	data, err := os.ReadFile(filepath.Join(k.Dir(), "alice.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if m["warning"] != "unencrypted test keyring: never hold real funds" || m["address"] != info.Address.String() || m["seed"] == nil {
		t.Fatalf("test key file: %s", data)
	}
}

func assertNoSeed(t *testing.T, data, seed []byte) {
	t.Helper()
	forms := [][]byte{
		seed,
		[]byte(hex.EncodeToString(seed)),
		[]byte(strings.ToUpper(hex.EncodeToString(seed))),
		[]byte(base64.StdEncoding.EncodeToString(seed)),
		[]byte(base64.RawStdEncoding.EncodeToString(seed)),
		[]byte(base64.URLEncoding.EncodeToString(seed)),
		[]byte(base64.RawURLEncoding.EncodeToString(seed)),
	}
	for _, f := range forms {
		if bytes.Contains(data, f) {
			t.Fatalf("file contains the seed in clear (%q)", f)
		}
	}
	// Also no long run of the seed: any 8-byte window, raw or hex.
	for i := 0; i+8 <= len(seed); i++ {
		if bytes.Contains(data, seed[i:i+8]) || bytes.Contains(data, []byte(hex.EncodeToString(seed[i:i+8]))) {
			t.Fatal("file contains part of the seed")
		}
	}
}
