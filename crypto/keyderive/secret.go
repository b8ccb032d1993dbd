package keyderive

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
)

// SecretSize is the length of every Secret in bytes.
const SecretSize = 32

// redacted is what every textual form of a secret shows instead of its bytes.
const redacted = "[secret]"

var (
	// ErrSecretSize is returned when key material is not exactly SecretSize bytes.
	ErrSecretSize = errors.New("keyderive: secret must be 32 bytes")
	// ErrZeroSecret is returned when an uninitialised or wiped Secret is used.
	ErrZeroSecret = errors.New("keyderive: secret is unset or wiped")
)

// Secret is 32 bytes of key material that redacts itself in every printed,
// logged or marshalled form; copies share storage, so Wipe clears them all.
//
// The zero Secret is unset: derivations from it yield an unset Secret and
// Pairs rejects it, so a forgotten initialisation never becomes a weak key.
// A Secret is not safe for concurrent use with Wipe.
type Secret struct {
	// box is a pointer so that reflection-based printers (fmt on a struct
	// holding a Secret in an unexported field) show an address, not bytes.
	box *secretBox
}

type secretBox struct {
	key  [SecretSize]byte
	live bool
}

// MasterKey is the gatekeepers' root secret of one key generation.
type MasterKey = Secret

// NewSecret copies b, which must be exactly 32 bytes, into a new Secret.
func NewSecret(b []byte) (Secret, error) {
	if len(b) != SecretSize {
		return Secret{}, fmt.Errorf("new secret from %d bytes: %w", len(b), ErrSecretSize)
	}
	s := Secret{box: &secretBox{live: true}}
	copy(s.box.key[:], b)
	return s, nil
}

// RandomSecret returns a new Secret read from crypto/rand.
func RandomSecret() (Secret, error) {
	var b [SecretSize]byte
	defer clear(b[:])
	if _, err := rand.Read(b[:]); err != nil {
		return Secret{}, fmt.Errorf("random secret: %w", err)
	}
	return NewSecret(b[:])
}

// IsZero reports whether s is unset or wiped.
func (s Secret) IsZero() bool { return s.box == nil || !s.box.live }

// Bytes returns a copy of the key material, or nil if s is unset or wiped.
func (s Secret) Bytes() []byte {
	if s.IsZero() {
		return nil
	}
	b := make([]byte, SecretSize)
	copy(b, s.box.key[:])
	return b
}

// Equal reports in constant time whether s and o hold the same key material.
func (s Secret) Equal(o Secret) bool {
	if s.IsZero() || o.IsZero() {
		return s.IsZero() && o.IsZero()
	}
	return subtle.ConstantTimeCompare(s.box.key[:], o.box.key[:]) == 1
}

// Wipe zeroes the key material of s and of every copy of it.
func (s Secret) Wipe() {
	if s.box == nil {
		return
	}
	clear(s.box.key[:])
	s.box.live = false
}

// String returns "[secret]".
func (s Secret) String() string { return redacted }

// GoString returns "[secret]".
func (s Secret) GoString() string { return redacted }

// Format writes "[secret]" for every fmt verb and flag.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// MarshalText returns "[secret]".
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// MarshalJSON returns the JSON string "[secret]".
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// LogValue makes log/slog record "[secret]".
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }
