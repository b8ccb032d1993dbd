package sealed

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestRoundTripAndHiding(t *testing.T) {
	dir := t.TempDir()
	key := bytes.Repeat([]byte{7}, 32)
	s, err := Open(dir, key, "test-store")
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("canary-7f3a9 the identity seed")
	if err := s.Put("identity", secret); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get("identity")
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("get: %q %v", got, err)
	}
	if _, err := s.Get("other"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing entry: %v", err)
	}
	// Neither the value nor the name shows on disk in any common form.
	files, _ := os.ReadDir(dir)
	if len(files) != 1 {
		t.Fatalf("%d files", len(files))
	}
	for _, f := range files {
		raw, _ := os.ReadFile(filepath.Join(dir, f.Name()))
		for _, needle := range [][]byte{secret, []byte(hex.EncodeToString(secret)), []byte(base64.StdEncoding.EncodeToString(secret)), []byte("identity")} {
			if bytes.Contains(raw, needle) || bytes.Contains([]byte(f.Name()), needle) {
				t.Fatalf("%s reveals %q", f.Name(), needle)
			}
		}
	}
	// Another sealing key (another TEE) cannot read it; nor can another label.
	other, _ := Open(dir, bytes.Repeat([]byte{8}, 32), "test-store")
	if _, err := other.Get("identity"); !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrCorrupt) {
		t.Fatalf("other key: %v", err)
	}
}

func TestTamperAndSwapDetected(t *testing.T) {
	dir := t.TempDir()
	s, _ := Open(dir, bytes.Repeat([]byte{1}, 32), "l")
	s.Put("a", []byte("value a"))
	s.Put("b", []byte("value b"))
	// Flip a byte of a's file.
	raw, _ := os.ReadFile(s.path("a"))
	raw[len(raw)-1] ^= 1
	os.WriteFile(s.path("a"), raw, 0o600)
	if _, err := s.Get("a"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("tampered: %v", err)
	}
	// Copy b's file over a's name: the associated data binds the name.
	rawB, _ := os.ReadFile(s.path("b"))
	os.WriteFile(s.path("a"), rawB, 0o600)
	if _, err := s.Get("a"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("swapped: %v", err)
	}
	os.WriteFile(s.path("a"), []byte{1, 2}, 0o600)
	if _, err := s.Get("a"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("truncated: %v", err)
	}
	if _, err := Open(dir, []byte("short"), "l"); err == nil {
		t.Fatal("short key accepted")
	}
}
