package keyderive

import (
	"crypto/ecdh"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
)

// ErrBadPublicKey is returned for a public key of the wrong length or encoding.
var ErrBadPublicKey = errors.New("keyderive: bad public key")

// PublicKeys are the public halves of a KeyPair, as published on chain; JSON
// writes each as lowercase hex.
type PublicKeys struct {
	Sign ed25519.PublicKey `json:"sign"`
	ECDH []byte            `json:"ecdh"`
}

// publicKeysJSON is the wire form of PublicKeys in JSON.
type publicKeysJSON struct {
	Sign string `json:"sign"`
	ECDH string `json:"ecdh"`
}

// Validate checks that both keys have the right length.
func (p PublicKeys) Validate() error {
	if len(p.Sign) != ed25519.PublicKeySize {
		return fmt.Errorf("ed25519 public key of %d bytes: %w", len(p.Sign), ErrBadPublicKey)
	}
	if _, err := p.ECDHKey(); err != nil {
		return err
	}
	return nil
}

// ECDHKey parses the X25519 public key, e.g. for envelope.Seal.
func (p PublicKeys) ECDHKey() (*ecdh.PublicKey, error) {
	k, err := ecdh.X25519().NewPublicKey(p.ECDH)
	if err != nil {
		return nil, fmt.Errorf("x25519 public key of %d bytes: %w", len(p.ECDH), ErrBadPublicKey)
	}
	return k, nil
}

// MarshalJSON writes {"sign":"<hex>","ecdh":"<hex>"}.
func (p PublicKeys) MarshalJSON() ([]byte, error) {
	return json.Marshal(publicKeysJSON{Sign: hex.EncodeToString(p.Sign), ECDH: hex.EncodeToString(p.ECDH)})
}

// UnmarshalJSON reads the hex form written by MarshalJSON and validates it.
func (p *PublicKeys) UnmarshalJSON(b []byte) error {
	var j publicKeysJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("public keys: %w", err)
	}
	sign, err := hex.DecodeString(j.Sign)
	if err != nil {
		return fmt.Errorf("public keys: sign: %w: %v", ErrBadPublicKey, err)
	}
	x, err := hex.DecodeString(j.ECDH)
	if err != nil {
		return fmt.Errorf("public keys: ecdh: %w: %v", ErrBadPublicKey, err)
	}
	q := PublicKeys{Sign: sign, ECDH: x}
	if err := q.Validate(); err != nil {
		return fmt.Errorf("public keys: %w", err)
	}
	*p = q
	return nil
}
