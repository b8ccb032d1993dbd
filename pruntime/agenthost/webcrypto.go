package agenthost

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"math/big"
	"strings"

	"github.com/phalanetwork/phala/pruntime/core"
	"github.com/phalanetwork/phala/sandbox"
)

// subtleArgs is what websubtle.js passes for one crypto.subtle operation;
// byte strings are base64. Key material: a secret (HMAC, AES) or, for an
// asymmetric key, the private scalar or seed and the public key (Ed25519:
// 32 bytes; ECDSA P-256: the uncompressed point).
type subtleArgs struct {
	Name      string `json:"name"`
	Hash      string `json:"hash"`
	Length    int    `json:"length"`
	Format    string `json:"format"`
	Data      []byte `json:"data"`
	Signature []byte `json:"signature"`
	Secret    []byte `json:"secret"`
	Private   []byte `json:"private"`
	Public    []byte `json:"public"`
	IV        []byte `json:"iv"`
	AAD       []byte `json:"additionalData"`
	TagLength int    `json:"tagLength"`
}

// subtleResult is what one operation returns to websubtle.js.
type subtleResult struct {
	Data    []byte `json:"data,omitempty"`
	OK      bool   `json:"ok,omitempty"`
	Secret  []byte `json:"secret,omitempty"`
	Private []byte `json:"private,omitempty"`
	Public  []byte `json:"public,omitempty"`
}

// errNotSupported is the OperationError-style refusal of an algorithm
// crypto.subtle does not implement.
var errNotSupported = errors.New("crypto.subtle: algorithm not supported")

// maxSubtleInput bounds one operation's input, so that a single host call
// (which blocks the script and is not interruptible) stays short.
const maxSubtleInput = 8 << 20

// webHostFuncs are the synchronous host functions of webapi.js, merged
// into an agent's other host functions.
func webHostFuncs(funcs map[string]sandbox.HostFunc) map[string]sandbox.HostFunc {
	funcs["__phala_subtle"] = func(args []any) (any, error) {
		op, err := core.StringArg(args, 0)
		if err != nil {
			return nil, err
		}
		text, err := core.StringArg(args, 1)
		if err != nil {
			return nil, err
		}
		if len(text) > maxSubtleInput*2 {
			return nil, fmt.Errorf("crypto.subtle.%s: input over %d bytes", op, maxSubtleInput)
		}
		var a subtleArgs
		if err := json.Unmarshal([]byte(text), &a); err != nil {
			return nil, fmt.Errorf("crypto.subtle.%s: %w", op, err)
		}
		r, err := subtle(op, a)
		if err != nil {
			return nil, fmt.Errorf("crypto.subtle.%s: %w", op, err)
		}
		return marshalString(r)
	}
	return funcs
}

// subtle runs one crypto.subtle operation.
func subtle(op string, a subtleArgs) (subtleResult, error) {
	switch op {
	case "digest":
		h, err := newHash(a.Name)
		if err != nil {
			return subtleResult{}, err
		}
		h.Write(a.Data)
		return subtleResult{Data: h.Sum(nil)}, nil
	case "generateKey":
		return generateKey(a)
	case "sign":
		return sign(a)
	case "verify":
		return verify(a)
	case "encrypt", "decrypt":
		return aesGCM(op == "encrypt", a)
	case "importKey":
		return importKey(a)
	case "exportKey":
		return exportKey(a)
	}
	return subtleResult{}, fmt.Errorf("unknown operation %q", op)
}

func newHash(name string) (hash.Hash, error) {
	switch strings.ToUpper(name) {
	case "SHA-1":
		return sha1.New(), nil
	case "SHA-256":
		return sha256.New(), nil
	case "SHA-384":
		return sha512.New384(), nil
	case "SHA-512":
		return sha512.New(), nil
	}
	return nil, fmt.Errorf("%w: hash %q (SHA-1, SHA-256, SHA-384, SHA-512)", errNotSupported, name)
}

func generateKey(a subtleArgs) (subtleResult, error) {
	switch a.Name {
	case "HMAC", "AES-GCM":
		n := a.Length / 8
		if a.Name == "HMAC" && n == 0 {
			h, err := newHash(a.Hash)
			if err != nil {
				return subtleResult{}, err
			}
			n = h.BlockSize()
		}
		if a.Name == "AES-GCM" && n != 16 && n != 24 && n != 32 {
			return subtleResult{}, fmt.Errorf("AES-GCM key length %d bits (128, 192 or 256)", a.Length)
		}
		k := make([]byte, n)
		_, _ = rand.Read(k)
		return subtleResult{Secret: k}, nil
	case "Ed25519":
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return subtleResult{}, err
		}
		return subtleResult{Private: priv.Seed(), Public: pub}, nil
	case "ECDSA":
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return subtleResult{}, err
		}
		return ecdsaMaterial(k)
	}
	return subtleResult{}, fmt.Errorf("%w: %q", errNotSupported, a.Name)
}

func ecdsaMaterial(k *ecdsa.PrivateKey) (subtleResult, error) {
	d, err := k.Bytes()
	if err != nil {
		return subtleResult{}, err
	}
	pub, err := k.PublicKey.Bytes()
	return subtleResult{Private: d, Public: pub}, err
}

func sign(a subtleArgs) (subtleResult, error) {
	switch a.Name {
	case "HMAC":
		m, err := hmacSum(a)
		return subtleResult{Data: m}, err
	case "Ed25519":
		if len(a.Private) != ed25519.SeedSize {
			return subtleResult{}, errors.New("Ed25519: not a private key")
		}
		return subtleResult{Data: ed25519.Sign(ed25519.NewKeyFromSeed(a.Private), a.Data)}, nil
	case "ECDSA":
		k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), a.Private)
		if err != nil {
			return subtleResult{}, fmt.Errorf("ECDSA: private key: %w", err)
		}
		digest, err := hashOf(a.Hash, a.Data)
		if err != nil {
			return subtleResult{}, err
		}
		r, s, err := ecdsa.Sign(rand.Reader, k, digest)
		if err != nil {
			return subtleResult{}, err
		}
		// WebCrypto's ECDSA signature is r | s, each 32 bytes (IEEE P1363).
		sig := make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
		return subtleResult{Data: sig}, nil
	}
	return subtleResult{}, fmt.Errorf("%w: sign with %q", errNotSupported, a.Name)
}

func verify(a subtleArgs) (subtleResult, error) {
	switch a.Name {
	case "HMAC":
		m, err := hmacSum(a)
		return subtleResult{OK: err == nil && hmac.Equal(m, a.Signature)}, err
	case "Ed25519":
		if len(a.Public) != ed25519.PublicKeySize {
			return subtleResult{}, errors.New("Ed25519: not a public key")
		}
		return subtleResult{OK: ed25519.Verify(a.Public, a.Data, a.Signature)}, nil
	case "ECDSA":
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), a.Public)
		if err != nil {
			return subtleResult{}, fmt.Errorf("ECDSA: public key: %w", err)
		}
		digest, err := hashOf(a.Hash, a.Data)
		if err != nil || len(a.Signature) != 64 {
			return subtleResult{}, err
		}
		r, s := new(big.Int).SetBytes(a.Signature[:32]), new(big.Int).SetBytes(a.Signature[32:])
		return subtleResult{OK: ecdsa.Verify(pub, digest, r, s)}, nil
	}
	return subtleResult{}, fmt.Errorf("%w: verify with %q", errNotSupported, a.Name)
}

func hashOf(name string, data []byte) ([]byte, error) {
	h, err := newHash(name)
	if err != nil {
		return nil, err
	}
	h.Write(data)
	return h.Sum(nil), nil
}

func hmacSum(a subtleArgs) ([]byte, error) {
	if _, err := newHash(a.Hash); err != nil {
		return nil, err
	}
	m := hmac.New(func() hash.Hash { h, _ := newHash(a.Hash); return h }, a.Secret)
	m.Write(a.Data)
	return m.Sum(nil), nil
}

func aesGCM(seal bool, a subtleArgs) (subtleResult, error) {
	block, err := aes.NewCipher(a.Secret)
	if err != nil {
		return subtleResult{}, fmt.Errorf("AES-GCM: %w", err)
	}
	tag := a.TagLength / 8
	if tag == 0 {
		tag = 16
	}
	if len(a.IV) == 0 {
		return subtleResult{}, errors.New("AES-GCM: iv is required")
	}
	gcm, err := cipher.NewGCMWithNonceSize(block, len(a.IV))
	if err == nil && tag != 16 {
		gcm, err = cipher.NewGCMWithTagSize(block, tag)
		if err == nil && len(a.IV) != gcm.NonceSize() {
			err = errors.New("a tag length other than 128 needs a 12-byte iv")
		}
	}
	if err != nil {
		return subtleResult{}, fmt.Errorf("AES-GCM: %w", err)
	}
	if seal {
		return subtleResult{Data: gcm.Seal(nil, a.IV, a.Data, a.AAD)}, nil
	}
	out, err := gcm.Open(nil, a.IV, a.Data, a.AAD)
	if err != nil {
		// OperationError in WebCrypto: the tag or the key is wrong.
		return subtleResult{}, errors.New("AES-GCM: decryption failed (wrong key, iv, data or tag)")
	}
	return subtleResult{Data: out}, nil
}

// importKey converts DER key formats (pkcs8, spki) to the raw material
// websubtle.js keeps; raw and jwk are handled in JavaScript.
func importKey(a subtleArgs) (subtleResult, error) {
	switch a.Format {
	case "pkcs8":
		k, err := x509.ParsePKCS8PrivateKey(a.Data)
		if err != nil {
			return subtleResult{}, fmt.Errorf("pkcs8: %w", err)
		}
		switch k := k.(type) {
		case ed25519.PrivateKey:
			if a.Name == "Ed25519" {
				return subtleResult{Private: k.Seed(), Public: k.Public().(ed25519.PublicKey)}, nil
			}
		case *ecdsa.PrivateKey:
			if a.Name == "ECDSA" && k.Curve == elliptic.P256() {
				return ecdsaMaterial(k)
			}
		}
		return subtleResult{}, fmt.Errorf("pkcs8: not a %s key", a.Name)
	case "spki":
		k, err := x509.ParsePKIXPublicKey(a.Data)
		if err != nil {
			return subtleResult{}, fmt.Errorf("spki: %w", err)
		}
		switch k := k.(type) {
		case ed25519.PublicKey:
			if a.Name == "Ed25519" {
				return subtleResult{Public: k}, nil
			}
		case *ecdsa.PublicKey:
			if a.Name == "ECDSA" && k.Curve == elliptic.P256() {
				pub, err := k.Bytes()
				return subtleResult{Public: pub}, err
			}
		}
		return subtleResult{}, fmt.Errorf("spki: not a %s key", a.Name)
	case "raw-private":
		// ECDSA private material from a JWK: derive the public point.
		k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), a.Private)
		if err != nil {
			return subtleResult{}, fmt.Errorf("ECDSA: private key: %w", err)
		}
		return ecdsaMaterial(k)
	}
	return subtleResult{}, fmt.Errorf("%w: import format %q", errNotSupported, a.Format)
}

// exportKey writes pkcs8 or spki DER from raw material.
func exportKey(a subtleArgs) (subtleResult, error) {
	var (
		der []byte
		err error
	)
	switch {
	case a.Format == "pkcs8" && a.Name == "Ed25519":
		der, err = x509.MarshalPKCS8PrivateKey(ed25519.NewKeyFromSeed(a.Private))
	case a.Format == "pkcs8" && a.Name == "ECDSA":
		var k *ecdsa.PrivateKey
		if k, err = ecdsa.ParseRawPrivateKey(elliptic.P256(), a.Private); err == nil {
			der, err = x509.MarshalPKCS8PrivateKey(k)
		}
	case a.Format == "spki" && a.Name == "Ed25519":
		der, err = x509.MarshalPKIXPublicKey(ed25519.PublicKey(a.Public))
	case a.Format == "spki" && a.Name == "ECDSA":
		var k *ecdsa.PublicKey
		if k, err = ecdsa.ParseUncompressedPublicKey(elliptic.P256(), a.Public); err == nil {
			der, err = x509.MarshalPKIXPublicKey(k)
		}
	default:
		return subtleResult{}, fmt.Errorf("%w: export %s as %q", errNotSupported, a.Name, a.Format)
	}
	return subtleResult{Data: der}, err
}
