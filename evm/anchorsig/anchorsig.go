// Package anchorsig derives the secp256k1 keys that PhalaAnchor trusts and
// makes the digests and EIP-191 signatures it checks: the master EVM key
// (derived from a master-key generation, held by the gatekeepers), the
// answer keys (derived from an agent's contract key, held by its cluster's
// workers), and what each signs. The layout matches
// evm/contracts/PhalaAnchor.sol; the tests check it against the contract.
package anchorsig

import (
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/phalanetwork/phala/agentio"
)

// Derivation labels (HKDF info, before the TEE provider's labeler). Fixed:
// every gatekeeper derives the same master EVM key from the same master
// key, and every member of a cluster the same answer key.
const (
	// LabelMasterKey derives the master EVM key from a master-key
	// generation's secret.
	LabelMasterKey = "phala/evm/master-key/v1"
	// LabelAnswerKey derives an agent's answer key from its contract key.
	LabelAnswerKey = "phala/evm/answer-key/v1"
)

// Domain tags of the signed digests (keccak256 of these strings, as the
// contract's ANSWER_TAG, AUTHORIZE_TAG and ROTATE_TAG).
var (
	AnswerTag    = agentio.Keccak256([]byte("phala/evm/answer/v2"))
	AuthorizeTag = agentio.Keccak256([]byte("phala/evm/authorize/v1"))
	RotateTag    = agentio.Keccak256([]byte("phala/evm/rotate/v1"))
)

// DeriveKey derives a secp256k1 key from secret under label: HKDF-SHA256
// with a counter salt, retrying the (2^-128 likely) out-of-range scalar so
// the key is uniform.
func DeriveKey(secret []byte, label string) (*secp256k1.PrivateKey, error) {
	if len(secret) < 32 {
		return nil, errors.New("anchorsig: secret shorter than 32 bytes")
	}
	for ctr := byte(0); ctr < 8; ctr++ {
		b, err := hkdf.Key(sha256.New, secret, []byte{ctr}, label, 32)
		if err != nil {
			return nil, fmt.Errorf("anchorsig: derive %s: %w", label, err)
		}
		var s secp256k1.ModNScalar
		if overflow := s.SetByteSlice(b); !overflow && !s.IsZero() {
			return secp256k1.NewPrivateKey(&s), nil
		}
	}
	return nil, fmt.Errorf("anchorsig: no secp256k1 key from %s", label)
}

// Address is the Ethereum address of key.
func Address(key *secp256k1.PrivateKey) [20]byte { return agentio.EthAddress(key.PubKey()) }

// word left-pads b into one 32-byte ABI word.
func word(b []byte) []byte {
	w := make([]byte, 32)
	copy(w[32-len(b):], b)
	return w
}

func u64(n uint64) []byte { return word(binary.BigEndian.AppendUint64(nil, n)) }

func big32(n *big.Int) []byte { return word(n.Bytes()) }

// AnswerDigest is what an answer key signs for result to request id,
// computed on the payload whose keccak256 is payloadHash (the anchor
// compares it with the hash it stored at request time), submitted by
// relayer (who collects the payment): keccak256(abi.encode(ANSWER_TAG,
// chainid, anchor, id, payloadHash, keccak256(result), relayer)).
func AnswerDigest(chainID *big.Int, anchor [20]byte, id *big.Int, payloadHash [32]byte, result []byte, relayer [20]byte) [32]byte {
	rh := agentio.Keccak256(result)
	return agentio.Keccak256(AnswerTag[:], big32(chainID), word(anchor[:]), big32(id), payloadHash[:], rh[:], word(relayer[:]))
}

// AuthorizeDigest is what the master EVM key of generation gen signs to
// let key answer for agent on anchor.
func AuthorizeDigest(chainID *big.Int, anchor [20]byte, agent [32]byte, key [20]byte, gen uint64) [32]byte {
	return agentio.Keccak256(AuthorizeTag[:], big32(chainID), word(anchor[:]), agent[:], word(key[:]), u64(gen))
}

// RotateDigest is what the current master EVM key signs to hand the
// anchor's trust to next, generation nextGen.
func RotateDigest(chainID *big.Int, anchor [20]byte, next [20]byte, nextGen uint64) [32]byte {
	return agentio.Keccak256(RotateTag[:], big32(chainID), word(anchor[:]), word(next[:]), u64(nextGen))
}

// Sign signs digest in the EIP-191 form the anchor recovers
// ("\x19Ethereum Signed Message:\n32" || digest), r||s||v with v 27/28.
func Sign(key *secp256k1.PrivateKey, digest [32]byte) []byte {
	return agentio.SignPersonal(key, digest[:])
}
