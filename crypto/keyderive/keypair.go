package keyderive

import (
	"crypto/ecdh"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"log/slog"
)

// KeyPair is the ed25519 signing key and X25519 agreement key derived from
// one Secret; every printed, logged or marshalled form redacts the private
// halves.
//
// fmt cannot call methods on a value it reaches by reflection through an
// unexported struct field, so keep a KeyPair in exported fields (or behind a
// type with its own String) if the holder might be printed.
type KeyPair struct {
	// Sign is the ed25519 private key; its seed is HKDF under LabelEd25519.
	Sign ed25519.PrivateKey
	// ECDH is the X25519 private key, HKDF under LabelX25519.
	ECDH *ecdh.PrivateKey
}

// Pairs derives the ed25519 and X25519 key pairs of s under distinct labels.
func Pairs(s Secret, l Labeler) (KeyPair, error) {
	seed, err := hkdfKey(s, l.apply(LabelEd25519))
	if err != nil {
		return KeyPair{}, fmt.Errorf("derive ed25519 key: %w", err)
	}
	defer clear(seed)
	xb, err := hkdfKey(s, l.apply(LabelX25519))
	if err != nil {
		return KeyPair{}, fmt.Errorf("derive x25519 key: %w", err)
	}
	defer clear(xb)
	x, err := ecdh.X25519().NewPrivateKey(xb)
	if err != nil {
		return KeyPair{}, fmt.Errorf("derive x25519 key: %w", err)
	}
	return KeyPair{Sign: ed25519.NewKeyFromSeed(seed), ECDH: x}, nil
}

// Public returns the public halves of k; a missing or malformed half is left nil.
func (k KeyPair) Public() PublicKeys {
	var p PublicKeys
	if len(k.Sign) == ed25519.PrivateKeySize {
		p.Sign = k.Sign.Public().(ed25519.PublicKey)
	}
	if k.ECDH != nil {
		p.ECDH = k.ECDH.PublicKey().Bytes()
	}
	return p
}

// String shows the public keys in hex and redacts the private ones.
func (k KeyPair) String() string {
	p := k.Public()
	return fmt.Sprintf("KeyPair{sign:%s ecdh:%s private:%s}",
		hex.EncodeToString(p.Sign), hex.EncodeToString(p.ECDH), redacted)
}

// GoString is String, so %#v redacts too.
func (k KeyPair) GoString() string { return k.String() }

// Format writes String for every fmt verb and flag.
func (k KeyPair) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(k.String())) }

// MarshalText returns "[secret]": a KeyPair is never serialised; use Public.
func (k KeyPair) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// MarshalJSON returns the JSON string "[secret]": a KeyPair is never serialised; use Public.
func (k KeyPair) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// LogValue makes log/slog record String.
func (k KeyPair) LogValue() slog.Value { return slog.StringValue(k.String()) }
