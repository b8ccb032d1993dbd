package agentio

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	"golang.org/x/crypto/sha3"
)

// Workers also sign with a secp256k1 key in the Ethereum "personal
// message" form (EIP-191, what ethers' signMessage and eth_account's
// encode_defunct make), so the verifiers RedPill and NEAR AI users already
// run check our answers: an address instead of a public key, a 65-byte
// r||s||v signature. The key is derived inside the enclave from the
// identity and never leaves it (pruntime/core).

// ErrEthSignature is the refusal of an EIP-191 signature that does not
// recover to the expected address.
var ErrEthSignature = errors.New("agentio: ECDSA signature does not recover to the signing address")

// Keccak256 is Ethereum's hash (the original Keccak, not SHA3-256).
func Keccak256(parts ...[]byte) [32]byte {
	h := sha3.NewLegacyKeccak256()
	for _, p := range parts {
		h.Write(p)
	}
	return [32]byte(h.Sum(nil))
}

// PersonalMessageHash is the EIP-191 version 0x45 hash of msg:
// keccak256("\x19Ethereum Signed Message:\n" + len(msg) + msg).
func PersonalMessageHash(msg []byte) [32]byte {
	return Keccak256([]byte("\x19Ethereum Signed Message:\n"+strconv.Itoa(len(msg))), msg)
}

// EthAddress is the Ethereum address of a secp256k1 public key: the last
// 20 bytes of keccak256 over its uncompressed X||Y.
func EthAddress(pub *secp256k1.PublicKey) [20]byte {
	h := Keccak256(pub.SerializeUncompressed()[1:])
	return [20]byte(h[12:])
}

// EthAddressHex is an address as "0x" and 40 lower-case hex digits.
func EthAddressHex(a [20]byte) string { return "0x" + hex.EncodeToString(a[:]) }

// SignPersonal signs msg in the EIP-191 personal-message form and returns
// the 65-byte r||s||v signature (v is 27 or 28, as ethers makes it).
func SignPersonal(key *secp256k1.PrivateKey, msg []byte) []byte {
	h := PersonalMessageHash(msg)
	c := ecdsa.SignCompact(key, h[:], false) // v||r||s, v = 27 + recovery id
	return append(c[1:65:65], c[0])
}

// RecoverPersonal returns the address that signed msg with sig (r||s||v,
// v 27/28 or 0/1).
func RecoverPersonal(msg, sig []byte) ([20]byte, error) {
	if len(sig) != 65 {
		return [20]byte{}, fmt.Errorf("%w: %d bytes, want 65", ErrEthSignature, len(sig))
	}
	v := sig[64]
	if v < 27 {
		v += 27
	}
	if v != 27 && v != 28 {
		return [20]byte{}, fmt.Errorf("%w: v = %d", ErrEthSignature, sig[64])
	}
	c := append([]byte{v}, sig[:64]...)
	h := PersonalMessageHash(msg)
	pub, _, err := ecdsa.RecoverCompact(c, h[:])
	if err != nil {
		return [20]byte{}, fmt.Errorf("%w: %v", ErrEthSignature, err)
	}
	return EthAddress(pub), nil
}

// VerifyPersonal checks that sig over msg recovers to address (hex, with
// or without 0x, any case).
func VerifyPersonal(msg, sig []byte, address string) error {
	got, err := RecoverPersonal(msg, sig)
	if err != nil {
		return err
	}
	if !strings.EqualFold(strings.TrimPrefix(address, "0x"), hex.EncodeToString(got[:])) {
		return fmt.Errorf("%w: it recovers to %s, not %s", ErrEthSignature, EthAddressHex(got), address)
	}
	return nil
}

// SignatureText is the text RedPill and NEAR AI sign for one exchange:
// hex SHA-256 of the request body, ":", hex SHA-256 of every response
// byte (for a stream, the whole stream as sent).
func SignatureText(requestBody []byte, responseHash [32]byte) string {
	rh := sha256.Sum256(requestBody)
	return hex.EncodeToString(rh[:]) + ":" + hex.EncodeToString(responseHash[:])
}
