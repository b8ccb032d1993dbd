package envelope

import (
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"io"

	"golang.org/x/crypto/chacha20poly1305"
)

// kdfInfo prefixes the purpose in the HKDF info of the envelope key.
const kdfInfo = "phala/envelope/v1\x00"

// Seal encrypts plaintext to recipient for purpose, naming sender (may be
// empty) in the authenticated header.
func Seal(recipient *ecdh.PublicKey, purpose string, sender []byte, plaintext []byte) (*Envelope, error) {
	return sealWith(rand.Reader, recipient, purpose, sender, plaintext)
}

// sealWith is Seal reading the ephemeral key and then the nonce from rnd.
func sealWith(rnd io.Reader, recipient *ecdh.PublicKey, purpose string, sender []byte, plaintext []byte) (*Envelope, error) {
	if recipient == nil || recipient.Curve() != ecdh.X25519() {
		return nil, fmt.Errorf("seal envelope: %w: recipient is not an X25519 public key", ErrInvalidInput)
	}
	if err := checkFields(purpose, sender); err != nil {
		return nil, fmt.Errorf("seal envelope: %w: %w", ErrInvalidInput, err)
	}
	if len(plaintext) > MaxPlaintext {
		return nil, fmt.Errorf("seal envelope: %w: plaintext of %d bytes exceeds %d", ErrInvalidInput, len(plaintext), MaxPlaintext)
	}

	var ephBytes [32]byte
	defer clear(ephBytes[:])
	if _, err := io.ReadFull(rnd, ephBytes[:]); err != nil {
		return nil, fmt.Errorf("seal envelope: ephemeral key: %w", err)
	}
	eph, err := ecdh.X25519().NewPrivateKey(ephBytes[:])
	if err != nil {
		return nil, fmt.Errorf("seal envelope: ephemeral key: %w", err)
	}

	e := &Envelope{Header: Header{Version: Version, Purpose: purpose, Sender: clone(sender)}}
	copy(e.Recipient[:], recipient.Bytes())
	copy(e.Ephemeral[:], eph.PublicKey().Bytes())
	if _, err := io.ReadFull(rnd, e.Nonce[:]); err != nil {
		return nil, fmt.Errorf("seal envelope: nonce: %w", err)
	}

	aead, err := envelopeAEAD(eph, recipient, &e.Header)
	if err != nil {
		return nil, fmt.Errorf("seal envelope: %w", err)
	}
	e.Ciphertext = aead.Seal(nil, e.Nonce[:], plaintext, associatedData(&e.Header))
	return e, nil
}

// Open decrypts env with recipient's private key if it is addressed to that
// key and sealed for purpose; it never returns plaintext with an error.
func Open(recipient *ecdh.PrivateKey, purpose string, env *Envelope) ([]byte, error) {
	if recipient == nil || recipient.Curve() != ecdh.X25519() {
		return nil, fmt.Errorf("open envelope: %w: recipient is not an X25519 private key", ErrInvalidInput)
	}
	if env == nil {
		return nil, fmt.Errorf("open envelope: %w: nil envelope", ErrMalformed)
	}
	if err := checkHeader(&env.Header); err != nil {
		return nil, fmt.Errorf("open envelope: %w: %w", ErrMalformed, err)
	}
	if len(env.Ciphertext) < Overhead || len(env.Ciphertext) > MaxCiphertext {
		return nil, fmt.Errorf("open envelope: %w: ciphertext of %d bytes", ErrMalformed, len(env.Ciphertext))
	}
	if subtle.ConstantTimeCompare(env.Recipient[:], recipient.PublicKey().Bytes()) != 1 {
		return nil, fmt.Errorf("open envelope for %x: %w", env.Recipient[:4], ErrWrongRecipient)
	}
	if env.Purpose != purpose {
		return nil, fmt.Errorf("open envelope: %w: sealed for %q, want %q", ErrWrongPurpose, env.Purpose, purpose)
	}
	eph, err := ecdh.X25519().NewPublicKey(env.Ephemeral[:])
	if err != nil {
		return nil, fmt.Errorf("open envelope: %w: ephemeral key: %w", ErrMalformed, err)
	}
	key, err := envelopeKey(recipient, eph, &env.Header)
	if err != nil {
		return nil, fmt.Errorf("open envelope: %w: %w", ErrDecrypt, err)
	}
	defer clear(key)
	return OpenWithKey(key, purpose, env)
}

// DiscloseKey returns the symmetric key of env, which recipient can open:
// shown to a third party (the chain), it opens this one envelope and
// nothing else, so the recipient can prove what it was sent (OpenWithKey).
func DiscloseKey(recipient *ecdh.PrivateKey, env *Envelope) ([]byte, error) {
	if recipient == nil || recipient.Curve() != ecdh.X25519() || env == nil {
		return nil, fmt.Errorf("disclose envelope key: %w", ErrInvalidInput)
	}
	eph, err := ecdh.X25519().NewPublicKey(env.Ephemeral[:])
	if err != nil {
		return nil, fmt.Errorf("disclose envelope key: %w: ephemeral key: %w", ErrMalformed, err)
	}
	return envelopeKey(recipient, eph, &env.Header)
}

// OpenWithKey opens env with a key from DiscloseKey. The tag binds the
// ciphertext to the key the sender derived, so a key that opens it shows
// what the sender sealed; it never returns plaintext with an error.
func OpenWithKey(key []byte, purpose string, env *Envelope) ([]byte, error) {
	if env == nil || checkHeader(&env.Header) != nil || len(env.Ciphertext) < Overhead || len(env.Ciphertext) > MaxCiphertext {
		return nil, fmt.Errorf("open envelope: %w", ErrMalformed)
	}
	if env.Purpose != purpose {
		return nil, fmt.Errorf("open envelope: %w: sealed for %q, want %q", ErrWrongPurpose, env.Purpose, purpose)
	}
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, fmt.Errorf("open envelope: %w: %w", ErrInvalidInput, err)
	}
	pt, err := aead.Open(nil, env.Nonce[:], env.Ciphertext, associatedData(&env.Header))
	if err != nil {
		return nil, fmt.Errorf("open envelope: %w", ErrDecrypt)
	}
	return pt, nil
}

// envelopeAEAD returns XChaCha20-Poly1305 keyed with envelopeKey.
func envelopeAEAD(local *ecdh.PrivateKey, remote *ecdh.PublicKey, h *Header) (cipher.AEAD, error) {
	key, err := envelopeKey(local, remote, h)
	if err != nil {
		return nil, err
	}
	defer clear(key)
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, fmt.Errorf("envelope cipher: %w", err)
	}
	return aead, nil
}

// envelopeKey is HKDF-SHA256 of the X25519 shared secret of local and
// remote, salted with h's ephemeral and recipient keys and bound to h's
// purpose.
func envelopeKey(local *ecdh.PrivateKey, remote *ecdh.PublicKey, h *Header) ([]byte, error) {
	shared, err := local.ECDH(remote)
	if err != nil {
		// crypto/ecdh fails X25519 only when the shared secret is all zero.
		return nil, fmt.Errorf("%w: %w", ErrLowOrder, err)
	}
	defer clear(shared)
	var zero [32]byte
	if subtle.ConstantTimeCompare(shared, zero[:]) == 1 {
		return nil, ErrLowOrder
	}
	salt := make([]byte, 0, 64)
	salt = append(salt, h.Ephemeral[:]...)
	salt = append(salt, h.Recipient[:]...)
	key, err := hkdf.Key(sha256.New, shared, salt, kdfInfo+h.Purpose, chacha20poly1305.KeySize)
	if err != nil {
		return nil, fmt.Errorf("derive envelope key: %w", err)
	}
	return key, nil
}
