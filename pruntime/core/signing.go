package core

import (
	"context"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/tee"
)

// ecdsaKeyLabel is the HKDF info of the worker's secp256k1 signing key.
const ecdsaKeyLabel = "phala/worker-ecdsa-key/v1"

// deriveECDSAKey derives the worker's secp256k1 key from its identity
// seed: deterministic (the same sealed identity gives the same address
// after a restart), made inside the enclave and never sealed or sent
// anywhere on its own.
func deriveECDSAKey(identitySeed []byte) (*secp256k1.PrivateKey, error) {
	for ctr := byte(0); ctr < 8; ctr++ {
		b, err := hkdf.Key(sha256.New, identitySeed, []byte{ctr}, ecdsaKeyLabel, 32)
		if err != nil {
			return nil, err
		}
		var s secp256k1.ModNScalar
		// Retry the (2^-128 likely) out-of-range or zero scalar rather
		// than reduce it, so the key is uniform.
		if overflow := s.SetByteSlice(b); !overflow && !s.IsZero() {
			return secp256k1.NewPrivateKey(&s), nil
		}
	}
	return nil, errors.New("enclave: no secp256k1 key from the identity")
}

// EthAddress is the Ethereum address of the worker's secp256k1 signing key.
func (c *Core) EthAddress() [20]byte { return agentio.EthAddress(c.ecdsa.PubKey()) }

// SignText signs text with the worker's key of algo: "ed25519" (the
// identity key; the signature and the signing address are hex) or "ecdsa"
// (the secp256k1 key, EIP-191 personal message; "0x"-hex). It returns the
// signature and the signing address.
func (c *Core) SignText(algo string, text []byte) (sig, address string, err error) {
	switch algo {
	case "ed25519":
		return hex.EncodeToString(ed25519.Sign(c.identity, text)), hex.EncodeToString(c.PublicKey()), nil
	case "ecdsa":
		return "0x" + hex.EncodeToString(agentio.SignPersonal(c.ecdsa, text)), agentio.EthAddressHex(c.EthAddress()), nil
	}
	return "", "", fmt.Errorf("signing_algo %q: want ed25519 or ecdsa", algo)
}

// SigningReport is fresh attestation evidence binding a caller's nonce to
// one of the worker's signing keys, in the form RedPill's and NEAR AI's
// verifiers read: report data = the signing address right-padded to 32
// bytes, then the 32-byte nonce.
type SigningReport struct {
	SigningAddress string `json:"signing_address"`
	SigningAlgo    string `json:"signing_algo"`
	RequestNonce   string `json:"request_nonce"`
	ReportData     string `json:"report_data"`
	// IntelQuote is the evidence, hex, under the name the verifiers read
	// (a TDX quote on TDX; the provider's evidence otherwise, see TEE).
	IntelQuote string `json:"intel_quote"`
	TEE        string `json:"tee"`
	Worker     string `json:"worker"`
	// KeyBinding is the worker identity's ed25519 signature (hex) over
	// KeyBindingBytes: for the ecdsa key, the chain's record of the
	// worker (its identity key) vouches for the address this way.
	KeyBinding string `json:"key_binding"`
}

// KeyBindingBytes is what a worker's identity signs to vouch for its
// secp256k1 address on chain chainID.
func KeyBindingBytes(chainID string, address [20]byte) []byte {
	return append([]byte("phala/worker-ecdsa-address/v1\x00"+chainID+"\x00"), address[:]...)
}

// SigningReportData is the report data of a SigningReport: the signing
// address (20 bytes for ecdsa, the 32-byte identity key for ed25519)
// right-padded to 32 bytes, then the nonce.
func SigningReportData(address []byte, nonce [32]byte) [tee.ReportDataSize]byte {
	var rd [tee.ReportDataSize]byte
	copy(rd[:32], address)
	copy(rd[32:], nonce[:])
	return rd
}

// AttestSigning returns fresh evidence over nonce for the signing key of
// algo ("ed25519" or "ecdsa"), once a public quote slot is free (waiting
// until ctx ends, then ErrBusy).
func (c *Core) AttestSigning(ctx context.Context, algo string, nonce [32]byte) (SigningReport, error) {
	addr := c.EthAddress()
	var raw []byte
	var text string
	switch algo {
	case "ed25519":
		raw, text = c.PublicKey(), hex.EncodeToString(c.PublicKey())
	case "ecdsa":
		raw, text = addr[:], agentio.EthAddressHex(addr)
	default:
		return SigningReport{}, fmt.Errorf("signing_algo %q: want ed25519 or ecdsa", algo)
	}
	rd := SigningReportData(raw, nonce)
	ev, err := c.publicQuote(ctx, rd)
	if err != nil {
		return SigningReport{}, fmt.Errorf("enclave: quote: %w", err)
	}
	return SigningReport{SigningAddress: text, SigningAlgo: algo, RequestNonce: hex.EncodeToString(nonce[:]), ReportData: hex.EncodeToString(rd[:]),
		IntelQuote: hex.EncodeToString(ev), TEE: string(c.provider.Kind()), Worker: c.ID().String(),
		KeyBinding: hex.EncodeToString(ed25519.Sign(c.identity, KeyBindingBytes(c.chainID, addr)))}, nil
}
