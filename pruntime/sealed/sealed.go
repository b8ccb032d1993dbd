// Package sealed is the enclave's disk: every value is encrypted and
// authenticated under a key derived from the TEE's sealing key, and even the
// names of the entries are hidden, so the host sees only opaque files.
package sealed

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/hkdf"
)

// ErrNotFound is returned for an entry that was never written.
var ErrNotFound = errors.New("sealed entry not found")

// ErrCorrupt is returned when an entry fails authentication: it was
// tampered with, swapped with another entry, or sealed by another TEE.
var ErrCorrupt = errors.New("sealed entry fails authentication")

// Suffix marks sealed files; the canary test treats only these as sealed.
const Suffix = ".sealed"

// Store is a directory of sealed entries.
type Store struct {
	dir     string
	sealKey []byte
	nameKey []byte
}

// Open opens (creating) a sealed store in dir. sealingKey comes from the
// TEE provider; label turns it into this store's keys and should go through
// the provider's DeriveLabel so sim keys differ from production keys.
func Open(dir string, sealingKey []byte, label string) (*Store, error) {
	if len(sealingKey) < 32 {
		return nil, fmt.Errorf("sealed store: sealing key is %d bytes, want 32", len(sealingKey))
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("sealed store %s: %w", dir, err)
	}
	keys := make([]byte, 64)
	if _, err := io.ReadFull(hkdf.New(sha256.New, sealingKey, nil, []byte(label)), keys); err != nil {
		return nil, fmt.Errorf("sealed store: derive keys: %w", err)
	}
	return &Store{dir: dir, sealKey: keys[:32], nameKey: keys[32:]}, nil
}

// Dir is the store's directory.
func (s *Store) Dir() string { return s.dir }

func (s *Store) path(name string) string {
	m := hmac.New(sha256.New, s.nameKey)
	m.Write([]byte(name))
	return filepath.Join(s.dir, hex.EncodeToString(m.Sum(nil))+Suffix)
}

func ad(name string) []byte { return []byte("phala/sealed/v1\x00" + name) }

// Put seals value under name, replacing any previous value atomically.
func (s *Store) Put(name string, value []byte) error {
	aead, err := chacha20poly1305.NewX(s.sealKey)
	if err != nil {
		return err
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(value)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return fmt.Errorf("seal %s: %w", name, err)
	}
	blob := aead.Seal(nonce, nonce, value, ad(name))
	final := s.path(name)
	tmp, err := os.CreateTemp(s.dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("seal entry: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(blob); err != nil {
		tmp.Close()
		return fmt.Errorf("seal entry: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("seal entry: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("seal entry: %w", err)
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return fmt.Errorf("seal entry: %w", err)
	}
	return nil
}

// Get unseals the value under name.
func (s *Store) Get(name string) ([]byte, error) {
	blob, err := os.ReadFile(s.path(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("unseal entry: %w", err)
	}
	aead, err := chacha20poly1305.NewX(s.sealKey)
	if err != nil {
		return nil, err
	}
	if len(blob) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrCorrupt
	}
	out, err := aead.Open(nil, blob[:aead.NonceSize()], blob[aead.NonceSize():], ad(name))
	if err != nil {
		return nil, ErrCorrupt
	}
	return out, nil
}

// Delete removes the entry; deleting a missing entry is not an error.
func (s *Store) Delete(name string) error {
	err := os.Remove(s.path(name))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete sealed entry: %w", err)
	}
	return nil
}
