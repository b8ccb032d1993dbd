// Package contractstate is a confidential contract's key-value state as an
// enclave keeps it: plaintext in memory while the contract runs, and at
// rest every entry sealed on its own (name and value together, so names
// are hidden too) under a key derived from the contract key. The state root
// is a keyed hash over the plaintext, so replicas that agree on the state
// report the same root while the root says nothing about the contents.
package contractstate

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"

	"golang.org/x/crypto/chacha20poly1305"
)

// ErrCorrupt marks sealed state that fails authentication.
var ErrCorrupt = errors.New("contract state fails authentication")

// Limits on one entry.
const (
	MaxKeyLen   = 1 << 10
	MaxValueLen = 64 << 10
)

// State is a contract's state in memory.
type State struct {
	entries map[string][]byte
}

// New returns an empty state.
func New() *State { return &State{entries: map[string][]byte{}} }

// Get returns the value of key, or nil.
func (s *State) Get(key string) []byte { return s.entries[key] }

// Set stores value under key.
func (s *State) Set(key string, value []byte) error {
	if len(key) == 0 || len(key) > MaxKeyLen {
		return fmt.Errorf("state key of %d bytes, want 1 to %d", len(key), MaxKeyLen)
	}
	if len(value) > MaxValueLen {
		return fmt.Errorf("state value of %d bytes exceeds %d", len(value), MaxValueLen)
	}
	s.entries[key] = append([]byte(nil), value...)
	return nil
}

// Delete removes key.
func (s *State) Delete(key string) { delete(s.entries, key) }

// Keys lists the keys with prefix in byte order.
func (s *State) Keys(prefix string) []string {
	var out []string
	for k := range s.entries {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// Len is the number of entries.
func (s *State) Len() int { return len(s.entries) }

// Clone returns a copy, so a failed command can be dropped whole.
func (s *State) Clone() *State {
	c := New()
	for k, v := range s.entries {
		c.entries[k] = v
	}
	return c
}

// Root is HMAC-SHA256 under rootKey over the entries in key order, each as
// the length-prefixed key and the SHA-256 of its value.
func (s *State) Root(rootKey []byte) [32]byte {
	m := hmac.New(sha256.New, rootKey)
	for _, k := range s.Keys("") {
		v := sha256.Sum256(s.entries[k])
		m.Write(binary.AppendUvarint(nil, uint64(len(k))))
		m.Write([]byte(k))
		m.Write(v[:])
	}
	return [32]byte(m.Sum(nil))
}

// Seal encrypts every entry on its own under key (32 bytes), binding each
// to ad (the contract id and key epoch), and returns them in key order.
func (s *State) Seal(key, ad []byte) ([][]byte, error) {
	a, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, 0, len(s.entries))
	for _, k := range s.Keys("") {
		plain := binary.AppendUvarint(nil, uint64(len(k)))
		plain = append(append(plain, k...), s.entries[k]...)
		nonce := make([]byte, a.NonceSize())
		if _, err := rand.Read(nonce); err != nil {
			return nil, err
		}
		out = append(out, a.Seal(nonce, nonce, plain, ad))
	}
	return out, nil
}

// Open decrypts entries sealed by Seal.
func Open(key, ad []byte, sealed [][]byte) (*State, error) {
	a, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, err
	}
	s := New()
	for i, e := range sealed {
		if len(e) < a.NonceSize() {
			return nil, fmt.Errorf("%w: entry %d is short", ErrCorrupt, i)
		}
		plain, err := a.Open(nil, e[:a.NonceSize()], e[a.NonceSize():], ad)
		if err != nil {
			return nil, fmt.Errorf("%w: entry %d", ErrCorrupt, i)
		}
		n, w := binary.Uvarint(plain)
		if w <= 0 || n > uint64(len(plain)-w) {
			return nil, fmt.Errorf("%w: entry %d is malformed", ErrCorrupt, i)
		}
		s.entries[string(plain[w:w+int(n)])] = plain[w+int(n):]
	}
	return s, nil
}
