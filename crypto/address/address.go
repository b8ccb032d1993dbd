// Package address defines account addresses: 20 bytes derived from an ed25519
// public key, written in bech32 with the human-readable prefix "pha".
package address

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"

	"github.com/cosmos/btcutil/bech32"
)

// Prefix is the bech32 human-readable part of every account address.
const Prefix = "pha"

// Size is the length of an address in bytes.
const Size = 20

// Address identifies an account on the chain.
type Address [Size]byte

// FromPubKey derives the address of an ed25519 public key: the first 20 bytes
// of its SHA-256 digest.
func FromPubKey(pub ed25519.PublicKey) Address {
	sum := sha256.Sum256(pub)
	var a Address
	copy(a[:], sum[:Size])
	return a
}

// Module derives the address of a module-owned account (treasury, subsidy
// pool, escrow). Nobody holds a private key for it: the domain-separated hash
// cannot collide with a public-key derivation in practice.
func Module(name string) Address {
	sum := sha256.Sum256([]byte("phala/module-account/" + name))
	var a Address
	copy(a[:], sum[:Size])
	return a
}

// String returns the bech32 form, e.g. "pha1...".
func (a Address) String() string {
	conv, err := bech32.ConvertBits(a[:], 8, 5, true)
	if err != nil {
		// ConvertBits cannot fail on 8->5 with padding.
		panic(err)
	}
	s, err := bech32.Encode(Prefix, conv)
	if err != nil {
		panic(err)
	}
	return s
}

// IsZero reports whether a is the all-zero address.
func (a Address) IsZero() bool { return a == Address{} }

// Parse decodes a bech32 address with the "pha" prefix.
func Parse(s string) (Address, error) {
	hrp, data, err := bech32.Decode(s, 90)
	if err != nil {
		return Address{}, fmt.Errorf("parse address %q: %w", s, err)
	}
	if hrp != Prefix {
		return Address{}, fmt.Errorf("parse address %q: prefix is %q, want %q", s, hrp, Prefix)
	}
	raw, err := bech32.ConvertBits(data, 5, 8, false)
	if err != nil {
		return Address{}, fmt.Errorf("parse address %q: %w", s, err)
	}
	if len(raw) != Size {
		return Address{}, fmt.Errorf("parse address %q: %d bytes, want %d", s, len(raw), Size)
	}
	var a Address
	copy(a[:], raw)
	return a, nil
}

// MarshalText writes the bech32 form.
func (a Address) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText parses the bech32 form.
func (a *Address) UnmarshalText(b []byte) error {
	p, err := Parse(string(b))
	if err != nil {
		return err
	}
	*a = p
	return nil
}
