// Package note is the shielded wallet's cryptography: spending and viewing
// keys, shielded addresses, notes, and note encryption to the recipient's
// X25519 viewing key so that the recipient finds its notes by scanning.
package note

import (
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/cosmos/btcutil/bech32"
	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/curve25519"
	"golang.org/x/crypto/hkdf"

	"github.com/phalanetwork/phala/shielded/circuit"
)

// AddressPrefix is the bech32 human-readable part of a shielded address.
const AddressPrefix = "zpha"

// CiphertextSize is an encrypted note: the ephemeral X25519 key, then the
// sealed value (8 bytes) and randomness (32 bytes) with a 16-byte tag.
const CiphertextSize = 32 + 8 + 32 + chacha20poly1305.Overhead

// Errors of shielded addresses and notes.
var (
	ErrBadAddress = errors.New("invalid shielded address")
	ErrBadKey     = errors.New("invalid shielded key")
	ErrNotMine    = errors.New("note is not for this viewing key")
)

// Address is where notes are sent: the owner key notes are locked to and
// the X25519 key their plaintext is encrypted to.
type Address struct {
	Owner fr.Element
	View  [32]byte
}

// ViewingKey decrypts the notes sent to one address; it cannot spend them.
type ViewingKey struct {
	Owner   fr.Element
	Private [32]byte
}

// SpendingKey spends notes; the viewing key is derived from it.
type SpendingKey struct {
	Sk fr.Element
}

// NewSpendingKey draws a spending key from r.
func NewSpendingKey(r io.Reader) (SpendingKey, error) {
	var seed [48]byte // 384 bits reduced mod r: negligible bias
	if _, err := io.ReadFull(r, seed[:]); err != nil {
		return SpendingKey{}, fmt.Errorf("spending key: %w", err)
	}
	return SpendingKey{Sk: circuit.Reduce(seed[:])}, nil
}

// SpendingKeyFromBytes decodes a stored spending key.
func SpendingKeyFromBytes(b []byte) (SpendingKey, error) {
	sk, err := circuit.FromBytes(b)
	if err != nil {
		return SpendingKey{}, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	return SpendingKey{Sk: sk}, nil
}

// Bytes is the stored form of the key.
func (k SpendingKey) Bytes() []byte { b := k.Sk.Bytes(); return b[:] }

// ViewingKey derives the key's viewing key (HKDF-SHA256 of the spending key).
func (k SpendingKey) ViewingKey() ViewingKey {
	skb := k.Sk.Bytes()
	vk := ViewingKey{Owner: circuit.OwnerKey(k.Sk)}
	kdf := hkdf.New(sha256.New, skb[:], nil, []byte("phala/shielded/viewing-key"))
	_, _ = io.ReadFull(kdf, vk.Private[:]) // 32 bytes never exhaust HKDF
	return vk
}

// Address is the key's shielded address.
func (k SpendingKey) Address() Address { return k.ViewingKey().Address() }

// Address is the address whose notes this key decrypts.
func (v ViewingKey) Address() Address {
	pub, _ := curve25519.X25519(v.Private[:], curve25519.Basepoint) // fixed-size inputs
	a := Address{Owner: v.Owner}
	copy(a.View[:], pub)
	return a
}

// Bytes is the exportable form of the viewing key: owner key then X25519
// private key.
func (v ViewingKey) Bytes() []byte { return joinOwner(v.Owner, v.Private) }

// ViewingKeyFromBytes decodes an exported viewing key.
func ViewingKeyFromBytes(b []byte) (ViewingKey, error) {
	if len(b) != 64 {
		return ViewingKey{}, fmt.Errorf("%w: viewing key is %d bytes, want 64", ErrBadKey, len(b))
	}
	owner, private, err := splitOwner(b)
	if err != nil {
		return ViewingKey{}, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	return ViewingKey{Owner: owner, Private: private}, nil
}

// joinOwner is the 64-byte layout an exported viewing key and an address
// share: the owner key, then an X25519 key (private or public).
func joinOwner(owner fr.Element, key [32]byte) []byte {
	o := owner.Bytes()
	return append(o[:], key[:]...)
}

// splitOwner reads what joinOwner writes from 64 bytes.
func splitOwner(b []byte) (fr.Element, [32]byte, error) {
	owner, err := circuit.FromBytes(b[:32])
	return owner, [32]byte(b[32:64]), err
}

// String is the bech32 form, zpha1...
func (a Address) String() string {
	conv, err := bech32.ConvertBits(joinOwner(a.Owner, a.View), 8, 5, true)
	if err != nil {
		return ""
	}
	s, err := bech32.Encode(AddressPrefix, conv)
	if err != nil {
		return ""
	}
	return s
}

// ParseAddress decodes a zpha1... address.
func ParseAddress(s string) (Address, error) {
	hrp, data, err := bech32.Decode(s, 1023)
	if err != nil {
		return Address{}, fmt.Errorf("%w: %v", ErrBadAddress, err)
	}
	if hrp != AddressPrefix {
		return Address{}, fmt.Errorf("%w: prefix %q, want %q", ErrBadAddress, hrp, AddressPrefix)
	}
	raw, err := bech32.ConvertBits(data, 5, 8, false)
	if err != nil || len(raw) != 64 {
		return Address{}, fmt.Errorf("%w: payload is not 64 bytes", ErrBadAddress)
	}
	owner, view, err := splitOwner(raw)
	if err != nil {
		return Address{}, fmt.Errorf("%w: %v", ErrBadAddress, err)
	}
	return Address{Owner: owner, View: view}, nil
}

// Note is a shielded amount locked to an owner key.
type Note struct {
	Value uint64
	Owner fr.Element
	Rho   fr.Element
}

// New makes a note of value for addr with fresh randomness.
func New(addr Address, value uint64) (Note, error) {
	var seed [48]byte
	if _, err := io.ReadFull(rand.Reader, seed[:]); err != nil {
		return Note{}, fmt.Errorf("note randomness: %w", err)
	}
	return Note{Value: value, Owner: addr.Owner, Rho: circuit.Reduce(seed[:])}, nil
}

// Commitment is the note's commitment, the leaf the chain stores.
func (n Note) Commitment() fr.Element { return circuit.Commitment(n.Value, n.Owner, n.Rho) }

// Encrypt seals the note's value and randomness to addr's viewing key
// with an ephemeral X25519 key, so only the holder of that viewing key
// learns them.
func Encrypt(addr Address, n Note) ([]byte, error) {
	var eph [32]byte
	if _, err := io.ReadFull(rand.Reader, eph[:]); err != nil {
		return nil, fmt.Errorf("ephemeral key: %w", err)
	}
	ephPub, err := curve25519.X25519(eph[:], curve25519.Basepoint)
	if err != nil {
		return nil, fmt.Errorf("ephemeral key: %w", err)
	}
	aead, err := noteAEAD(eph[:], addr.View[:], ephPub, addr.View[:])
	if err != nil {
		return nil, err
	}
	rho := n.Rho.Bytes()
	plain := append(beUint64(n.Value), rho[:]...)
	// Each key is used once (a fresh ephemeral key per note): a zero nonce
	// is safe.
	return aead.Seal(ephPub, make([]byte, chacha20poly1305.NonceSize), plain, nil), nil
}

// Decrypt opens a ciphertext with the viewing key and checks that the note
// it holds has commitment cm, so a sender cannot hand the wallet a note
// that is not the one on chain.
func (v ViewingKey) Decrypt(ct []byte, cm fr.Element) (Note, error) {
	if len(ct) != CiphertextSize {
		return Note{}, fmt.Errorf("%w: ciphertext is %d bytes", ErrNotMine, len(ct))
	}
	ephPub := ct[:32]
	addr := v.Address()
	aead, err := noteAEAD(v.Private[:], ephPub, ephPub, addr.View[:])
	if err != nil {
		return Note{}, err
	}
	plain, err := aead.Open(nil, make([]byte, chacha20poly1305.NonceSize), ct[32:], nil)
	if err != nil {
		return Note{}, fmt.Errorf("%w: %v", ErrNotMine, err)
	}
	rho, err := circuit.FromBytes(plain[8:])
	if err != nil {
		return Note{}, fmt.Errorf("%w: %v", ErrNotMine, err)
	}
	n := Note{Value: uint64FromBE(plain[:8]), Owner: v.Owner, Rho: rho}
	if got := n.Commitment(); !got.Equal(&cm) {
		return Note{}, fmt.Errorf("%w: decrypted note does not match its commitment", ErrNotMine)
	}
	return n, nil
}

// noteAEAD derives the note key from X25519(priv, pub), bound to both
// public keys.
func noteAEAD(priv, pub, ephPub, viewPub []byte) (interface {
	Seal(dst, nonce, plaintext, ad []byte) []byte
	Open(dst, nonce, ciphertext, ad []byte) ([]byte, error)
}, error) {
	shared, err := curve25519.X25519(priv, pub)
	if err != nil {
		return nil, fmt.Errorf("%w: x25519: %v", ErrNotMine, err)
	}
	key := make([]byte, chacha20poly1305.KeySize)
	kdf := hkdf.New(sha256.New, shared, append(append([]byte{}, ephPub...), viewPub...), []byte("phala/shielded/note"))
	if _, err := io.ReadFull(kdf, key); err != nil {
		return nil, fmt.Errorf("note key: %w", err)
	}
	return chacha20poly1305.New(key)
}

func beUint64(v uint64) []byte {
	b := make([]byte, 8)
	for i := 7; i >= 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
	return b
}

func uint64FromBE(b []byte) uint64 {
	var v uint64
	for _, x := range b[:8] {
		v = v<<8 | uint64(x)
	}
	return v
}
