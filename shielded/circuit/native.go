package circuit

import (
	"errors"
	"fmt"
	"math/big"
	"sync"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr/poseidon2"
)

// Depth is the height of the note commitment tree: 2^20 notes. Each level
// costs one Poseidon2 permutation (216 constraints) per spent note inside
// the proof (bench/RESULTS.md has the cost of the whole circuit).
const Depth = 20

// Poseidon2 over BN254 with a width-2 state and the x^5 S-box: 8 full and
// 56 partial rounds, the Poseidon2 paper's 128-bit instance for a 254-bit
// field (gnark-crypto's own default, 6 and 50, is below it). The round
// keys are gnark-crypto's, derived from these numbers, in and out of the
// circuit alike.
const (
	hashWidth         = 2
	hashFullRounds    = 8
	hashPartialRounds = 56
)

// Domain tags keep a commitment, a nullifier and an owner key from ever being
// the same hash of the same inputs.
const (
	tagOwner      = 1
	tagCommitment = 2
	tagNullifier  = 3
)

// ErrNotField is returned when 32 bytes are not a canonical BN254 scalar.
var ErrNotField = errors.New("not a canonical BN254 scalar field element")

// permutation is the Poseidon2 instance; deriving its 72 round keys takes a
// Keccak each, so it is built once and only read after.
var permutation = sync.OnceValue(func() *poseidon2.Permutation {
	return poseidon2.NewPermutation(hashWidth, hashFullRounds, hashPartialRounds)
})

// compress is Poseidon2's 2-to-1 compression, P(l, r)[1] + r, the function
// gnark's in-circuit Permutation.Compress computes.
func compress(l, r fr.Element) fr.Element {
	x := [hashWidth]fr.Element{l, r}
	if err := permutation().Permutation(x[:]); err != nil {
		panic(err) // unreachable: the slice has the permutation's width
	}
	x[1].Add(&x[1], &r)
	return x[1]
}

// Hash chains the Poseidon2 compression over the elements from the first:
// Hash(a, b) = C(a, b) is a tree node, Hash(a, b, c) = C(C(a, b), c). Every
// use has a fixed arity and the tagged ones a distinct first element, so a
// collision of two uses is a collision of C. The circuits compute the same.
func Hash(a, b fr.Element, rest ...fr.Element) fr.Element {
	out := compress(a, b)
	for i := range rest {
		out = compress(out, rest[i])
	}
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
