package keyring

import (
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"

	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/scrypt"

	"github.com/phalanetwork/phala/crypto/address"
)

// Encrypted format: one JSON object per key, the seed sealed with
// XChaCha20-Poly1305 under a key derived from the passphrase by scrypt.
const (
	kdfScrypt  = "scrypt"
	saltSize   = 16
	exportType = "phala-key-export"

	// Bounds on KDF parameters read from a file, so a hostile file cannot
	// make decryption take unbounded memory or time.
	maxScryptN   = 1 << 20
	maxScryptR   = 32
	maxScryptP   = 16
	maxScryptMem = 1 << 28 // bytes: scrypt uses about 128*N*r
)

// scrypt cost parameters for newly encrypted keys. Tests lower scryptN.
var (
	scryptN = 1 << 15
	scryptR = 8
	scryptP = 1
)

type kdfParams struct {
	N int `json:"n"`
	R int `json:"r"`
	P int `json:"p"`
}

// encryptedKey is the on-disk form of a file-backend key, and (with Type set
// to exportType) of an export.
type encryptedKey struct {
	Version    int               `json:"version"`
	Type       string            `json:"type,omitempty"`
	Name       string            `json:"name"`
	Address    address.Address   `json:"address"`
	PubKey     ed25519.PublicKey `json:"pubkey"`
	KDF        string            `json:"kdf"`
	KDFParams  kdfParams         `json:"kdf_params"`
	Salt       []byte            `json:"salt"`
	Nonce      []byte            `json:"nonce"`
	Ciphertext []byte            `json:"ciphertext"`
}

// associatedData binds the ciphertext to the clear fields that identify the
// key, so they cannot be swapped between files unnoticed.
func associatedData(version int, typ, name string, addr address.Address) []byte {
	ad := "phala-keyring|v" + strconv.Itoa(version) + "|" + typ + "|" + name + "|" + addr.String()
	return []byte(ad)
}

func deriveKey(pw, salt []byte, p kdfParams) ([]byte, error) {
	return scrypt.Key(pw, salt, p.N, p.R, p.P, chacha20poly1305.KeySize)
}

// encrypt seals priv's seed under pw. typ is "" for a keyring file and
// exportType for an export.
func encrypt(name string, priv ed25519.PrivateKey, pw []byte, typ string) (*encryptedKey, error) {
	info := infoOf(name, priv)
	ek := &encryptedKey{
		Version:   1,
		Type:      typ,
		Name:      name,
		Address:   info.Address,
		PubKey:    info.PubKey,
		KDF:       kdfScrypt,
		KDFParams: kdfParams{N: scryptN, R: scryptR, P: scryptP},
		Salt:      make([]byte, saltSize),
		Nonce:     make([]byte, chacha20poly1305.NonceSizeX),
	}
	if _, err := rand.Read(ek.Salt); err != nil {
		return nil, fmt.Errorf("random salt: %w", err)
	}
	if _, err := rand.Read(ek.Nonce); err != nil {
		return nil, fmt.Errorf("random nonce: %w", err)
	}
	aead, err := newAEAD(pw, ek.Salt, ek.KDFParams)
	if err != nil {
		return nil, err
	}
	seed := priv.Seed()
	defer wipe(seed)
	ek.Ciphertext = aead.Seal(nil, ek.Nonce, seed, associatedData(ek.Version, typ, name, ek.Address))
	return ek, nil
}

// newAEAD derives the key for pw and salt and returns its XChaCha20-Poly1305
// cipher; the derived key is wiped once the cipher holds its own copy.
func newAEAD(pw, salt []byte, params kdfParams) (cipher.AEAD, error) {
	key, err := deriveKey(pw, salt, params)
	if err != nil {
		return nil, fmt.Errorf("derive key: %w", err)
	}
	defer wipe(key)
	return chacha20poly1305.NewX(key)
}

// decrypt opens ek with pw, expecting it to be of type typ, and returns the
// private key after checking it matches the clear public key.
func decrypt(ek *encryptedKey, pw []byte, typ string) (ed25519.PrivateKey, error) {
	h := keyHeader{Version: ek.Version, Name: ek.Name, Address: ek.Address, PubKey: ek.PubKey}
	if err := h.check(); err != nil {
		return nil, fmt.Errorf("corrupt encrypted key: %w", err)
	}
	if ek.Type != typ {
		return nil, fmt.Errorf("corrupt encrypted key: type %q, want %q", ek.Type, typ)
	}
	if !ValidName(ek.Name) {
		return nil, fmt.Errorf("corrupt encrypted key: invalid name %q", ek.Name)
	}
	if ek.KDF != kdfScrypt {
		return nil, fmt.Errorf("corrupt encrypted key: unsupported kdf %q (want %q)", ek.KDF, kdfScrypt)
	}
	p := ek.KDFParams
	if p.N < 2 || p.N&(p.N-1) != 0 || p.N > maxScryptN || p.R < 1 || p.R > maxScryptR || p.P < 1 || p.P > maxScryptP || 128*p.N*p.R > maxScryptMem {
		return nil, fmt.Errorf("corrupt encrypted key: scrypt parameters n=%d r=%d p=%d out of range", p.N, p.R, p.P)
	}
	if len(ek.Salt) != saltSize {
		return nil, fmt.Errorf("corrupt encrypted key: salt is %d bytes, want %d", len(ek.Salt), saltSize)
	}
	if len(ek.Nonce) != chacha20poly1305.NonceSizeX {
		return nil, fmt.Errorf("corrupt encrypted key: nonce is %d bytes, want %d", len(ek.Nonce), chacha20poly1305.NonceSizeX)
	}
	if len(ek.Ciphertext) != ed25519.SeedSize+chacha20poly1305.Overhead {
		return nil, fmt.Errorf("corrupt encrypted key: ciphertext is %d bytes, want %d", len(ek.Ciphertext), ed25519.SeedSize+chacha20poly1305.Overhead)
	}
	aead, err := newAEAD(pw, ek.Salt, p)
	if err != nil {
		return nil, err
	}
	seed, err := aead.Open(nil, ek.Nonce, ek.Ciphertext, associatedData(ek.Version, ek.Type, ek.Name, ek.Address))
	if err != nil {
		return nil, ErrWrongPassphrase
	}
	defer wipe(seed)
	priv := ed25519.NewKeyFromSeed(seed)
	if !priv.Public().(ed25519.PublicKey).Equal(ek.PubKey) {
		wipe(priv)
		return nil, errors.New("corrupt encrypted key: decrypted seed does not match the public key")
	}
	return priv, nil
}
