package circuit

import (
	"errors"
	"fmt"
	"math/big"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr/mimc"
)

// Depth is the height of the note commitment tree: 2^20 notes. Each level
// costs two MiMC permutations per spent note inside the proof, and depth 20
// keeps proving a transfer under a second on two cores (bench/RESULTS.md).
const Depth = 20

// Domain tags keep a commitment, a nullifier and an owner key from ever being
// the same hash of the same inputs.
const (
	tagOwner      = 1
	tagCommitment = 2
	tagNullifier  = 3
)

// ErrNotField is returned when 32 bytes are not a canonical BN254 scalar.
var ErrNotField = errors.New("not a canonical BN254 scalar field element")

// Hash is MiMC (Miyaguchi-Preneel over BN254's scalar field) of the
// elements, the same function the circuits compute with std/hash/mimc.
func Hash(elems ...fr.Element) fr.Element {
	h := mimc.NewMiMC()
	for i := range elems {
		b := elems[i].Bytes()
		h.Write(b[:]) //nolint:errcheck // canonical elements never fail
	}
	var out fr.Element
	out.SetBytes(h.Sum(nil))
	return out
}

// FromUint64 is v as a field element.
func FromUint64(v uint64) fr.Element {
	var e fr.Element
	e.SetUint64(v)
	return e
}

// FromBytes decodes 32 big-endian bytes that must be a canonical element.
func FromBytes(b []byte) (fr.Element, error) {
	var e fr.Element
	if len(b) != fr.Bytes {
		return e, fmt.Errorf("%w: %d bytes, want %d", ErrNotField, len(b), fr.Bytes)
	}
	if err := e.SetBytesCanonical(b); err != nil {
		return e, fmt.Errorf("%w: %v", ErrNotField, err)
	}
	return e, nil
}

// Reduce maps arbitrary bytes (a digest) into the field, for binding public
// data (recipient, ciphertexts) into a proof.
func Reduce(b []byte) fr.Element {
	var e fr.Element
	e.SetBigInt(new(big.Int).SetBytes(b))
	return e
}

// OwnerKey is the public key a note is locked to: H(tagOwner, sk).
func OwnerKey(sk fr.Element) fr.Element {
	return Hash(FromUint64(tagOwner), sk)
}

// Commitment is a note's commitment: H(tagCommitment, value, owner, rho).
func Commitment(value uint64, owner, rho fr.Element) fr.Element {
	return Hash(FromUint64(tagCommitment), FromUint64(value), owner, rho)
}

// Nullifier is what spending the note at leaf index pos reveals:
// H(tagNullifier, sk, cm, pos). Only the key holder can compute it, and the
// position makes two notes with equal commitments spend separately.
func Nullifier(sk, cm fr.Element, pos uint64) fr.Element {
	return Hash(FromUint64(tagNullifier), sk, cm, FromUint64(pos))
}

// Zeros returns the root of an empty subtree at each height 0..Depth.
func Zeros() [Depth + 1]fr.Element {
	var z [Depth + 1]fr.Element
	for i := 1; i <= Depth; i++ {
		z[i] = Hash(z[i-1], z[i-1])
	}
	return z
}
