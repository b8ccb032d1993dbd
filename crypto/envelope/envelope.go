// Package envelope encrypts a message to an X25519 public key (DESIGN.md §5).
//
// Each envelope uses a fresh ephemeral X25519 key. The ECDH output is never
// used as a key: it is the HKDF-SHA256 input keying material, with
//
//	salt = ephemeral public key || recipient public key
//	info = "phala/envelope/v1" || 0x00 || purpose
//
// and the 32-byte result keys XChaCha20-Poly1305 under a random 24-byte
// nonce. The associated data is the canonical encoding of the Header
// (version, purpose, sender, recipient, ephemeral key, nonce), so changing
// any of them, the sender included, makes Open fail.
package envelope

import "errors"

// Version is the only envelope format version.
const Version byte = 1

// Size limits of the encoded fields.
const (
	// MaxPurpose is the longest purpose in bytes.
	MaxPurpose = 64
	// MaxSender is the longest sender identity in bytes.
	MaxSender = 64
	// MaxCiphertext is the longest ciphertext in bytes, tag included.
	MaxCiphertext = 1 << 20
	// Overhead is the AEAD tag length: ciphertext = plaintext + Overhead.
	Overhead = 16
	// MaxPlaintext is the longest plaintext Seal accepts.
	MaxPlaintext = MaxCiphertext - Overhead
)

// Sentinel errors; every returned error wraps one of them.
var (
	// ErrMalformed marks an envelope that does not decode or has a bad header.
	ErrMalformed = errors.New("envelope: malformed")
	// ErrWrongRecipient marks an envelope addressed to another key.
	ErrWrongRecipient = errors.New("envelope: wrong recipient")
	// ErrWrongPurpose marks an envelope sealed for another purpose.
	ErrWrongPurpose = errors.New("envelope: wrong purpose")
	// ErrDecrypt marks an envelope that fails authentication.
	ErrDecrypt = errors.New("envelope: decryption failed")
	// ErrLowOrder marks a low-order X25519 key whose shared secret is all zero.
	ErrLowOrder = errors.New("envelope: low-order x25519 key")
	// ErrInvalidInput marks a bad argument to Seal or Open.
	ErrInvalidInput = errors.New("envelope: invalid input")
)

// Header is everything about an envelope except its ciphertext; all of it is
// authenticated as associated data.
type Header struct {
	// Version is the format version, always Version.
	Version byte
	// Purpose names what the envelope carries, e.g. PurposeContractCommand.
	Purpose string
	// Sender identifies the sender (an ed25519 public key, an address); may be empty.
	Sender []byte
	// Recipient is the recipient's X25519 public key.
	Recipient [32]byte
	// Ephemeral is the sender's one-time X25519 public key.
	Ephemeral [32]byte
	// Nonce is the XChaCha20-Poly1305 nonce.
	Nonce [24]byte
}

// Envelope is a sealed message: its Header and the AEAD ciphertext.
type Envelope struct {
	Header
	// Ciphertext is the encrypted plaintext followed by the 16-byte tag.
	Ciphertext []byte
}
