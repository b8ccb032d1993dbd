// Package ceremony is the Groth16 multi-party setup of the shielded
// circuits (gnark's mpcsetup over BN254): phase 1, a powers-of-tau SRS
// common to all circuits, then phase 2 per circuit. Each contributor takes
// the last accepted state, mixes in secret randomness it then forgets, and
// publishes the new state with a proof of knowledge of its update; anyone
// verifies a contribution against the state before it. The keys are sound
// if any one contributor forgot its randomness (docs/shielded.md).
//
// States travel as gnark's serialised Phase1 and Phase2 objects, so the
// chain can store them and verify each step.
package ceremony

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/backend/groth16/bn254/mpcsetup"
	"github.com/consensys/gnark/constraint"
	cs "github.com/consensys/gnark/constraint/bn254"
)

// ErrBadContribution is returned for a contribution that does not decode or
// does not extend the state before it.
var ErrBadContribution = errors.New("invalid setup contribution")

// DomainSize is the phase 1 size a constraint system needs.
func DomainSize(r1cs constraint.ConstraintSystem) uint64 {
	return ecc.NextPowerOfTwo(uint64(r1cs.GetNbConstraints()))
}

// Phase1Start is the state before any phase 1 contribution, for domain n.
func Phase1Start(n uint64) ([]byte, error) { return encode(mpcsetup.NewPhase1(n)) }

// ContributePhase1 adds fresh randomness (crypto/rand, inside the
// contributor's enclave) to the phase 1 state prev.
func ContributePhase1(prev []byte) ([]byte, error) { return contribute[mpcsetup.Phase1](prev) }

// VerifyPhase1 checks that next is a valid contribution on top of prev.
func VerifyPhase1(prev, next []byte) error { return verify[mpcsetup.Phase1]("phase 1", prev, next) }

// phase is a ceremony state of either phase, as gnark's pointer type.
type phase[T any] interface {
	*T
	io.ReaderFrom
	io.WriterTo
	Contribute()
	Verify(next *T) error
}

// contribute decodes prev, contributes and encodes the result.
func contribute[T any, P phase[T]](prev []byte) ([]byte, error) {
	p := P(new(T))
	if err := decode(p, prev); err != nil {
		return nil, err
	}
	p.Contribute()
	return encode(p)
}

// verify checks next against prev.
func verify[T any, P phase[T]](name string, prev, next []byte) error {
	p, n := P(new(T)), P(new(T))
	if err := decode(p, prev); err != nil {
		return fmt.Errorf("previous state: %w", err)
	}
	if err := decode(n, next); err != nil {
		return err
	}
	if err := p.Verify((*T)(n)); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrBadContribution, name, err)
	}
	return nil
}

// SealPhase1 verifies the whole chain of phase 1 contributions from the
// start state of domain n and closes it with the public beacon, returning
// the common SRS (serialised).
func SealPhase1(n uint64, beacon []byte, contributions [][]byte) ([]byte, error) {
	cs := make([]*mpcsetup.Phase1, len(contributions))
	for i := range contributions {
		cs[i] = new(mpcsetup.Phase1)
		if err := decode(cs[i], contributions[i]); err != nil {
			return nil, fmt.Errorf("contribution %d: %w", i, err)
		}
	}
	commons, err := mpcsetup.VerifyPhase1(n, beacon, cs...)
	if err != nil {
		return nil, fmt.Errorf("%w: phase 1: %v", ErrBadContribution, err)
	}
	return encode(&commons)
}

// Phase2Start is the state before any phase 2 contribution to r1cs.
func Phase2Start(r1cs constraint.ConstraintSystem, commons []byte) ([]byte, error) {
	sys, srs, err := inputs(r1cs, commons)
	if err != nil {
		return nil, err
	}
	var p mpcsetup.Phase2
	p.Initialize(sys, srs)
	return encode(&p)
}

// ContributePhase2 adds fresh randomness to the phase 2 state prev.
func ContributePhase2(prev []byte) ([]byte, error) { return contribute[mpcsetup.Phase2](prev) }

// VerifyPhase2 checks that next is a valid contribution on top of prev.
func VerifyPhase2(prev, next []byte) error { return verify[mpcsetup.Phase2]("phase 2", prev, next) }

// Finish verifies every phase 2 contribution to r1cs from its start and
// closes with the beacon: the proving and verifying keys.
func Finish(r1cs constraint.ConstraintSystem, commons, beacon []byte, contributions [][]byte) (groth16.ProvingKey, groth16.VerifyingKey, error) {
	sys, srs, err := inputs(r1cs, commons)
	if err != nil {
		return nil, nil, err
	}
	ps := make([]*mpcsetup.Phase2, len(contributions))
	for i := range contributions {
		ps[i] = new(mpcsetup.Phase2)
		if err := decode(ps[i], contributions[i]); err != nil {
			return nil, nil, fmt.Errorf("contribution %d: %w", i, err)
		}
	}
	pk, vk, err := mpcsetup.VerifyPhase2(sys, srs, beacon, ps...)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: phase 2: %v", ErrBadContribution, err)
	}
	return pk, vk, nil
}

// inputs decodes the BN254 constraint system and the common SRS.
func inputs(r1cs constraint.ConstraintSystem, commons []byte) (*cs.R1CS, *mpcsetup.SrsCommons, error) {
	sys, ok := r1cs.(*cs.R1CS)
	if !ok {
		return nil, nil, fmt.Errorf("constraint system is %T, want a BN254 R1CS", r1cs)
	}
	var srs mpcsetup.SrsCommons
	if err := decode(&srs, commons); err != nil {
		return nil, nil, fmt.Errorf("common SRS: %w", err)
	}
	return sys, &srs, nil
}

func encode(v io.WriterTo) ([]byte, error) {
	var buf bytes.Buffer
	if _, err := v.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("encode setup state: %w", err)
	}
	return buf.Bytes(), nil
}

// decode reads a whole state; trailing bytes are refused.
func decode(v io.ReaderFrom, b []byte) error {
	n, err := v.ReadFrom(&countGuard{r: bytes.NewReader(b)})
	if err != nil {
		return fmt.Errorf("%w: decode: %v", ErrBadContribution, err)
	}
	if int(n) != len(b) {
		return fmt.Errorf("%w: %d trailing bytes", ErrBadContribution, len(b)-int(n))
	}
	return nil
}

// countGuard is the reader gnark decodes a state from. gnark reads a
// slice's length (4 bytes) or a domain size (8 bytes) and allocates for it
// before it reads one element, so a state of a few kilobytes naming 2^32
// points made the enclave verifying it die out of memory, which no
// recover catches (TestRedTeamCountBombs); every contributor verifies the
// others' states. gnark reads those counts, and only those, in reads of
// exactly 4 and 8 bytes (points and field elements are 32 or 64, other
// counts 1 or 2), so the guard refuses a count that the bytes left could
// not hold: a slice's elements take at least 8 bytes each, and a phase 1
// domain of n at least 192n bytes of points after it (3n-1 G1 and n G2
// points, compressed), of which it asks for 128n. The memory a state can
// make gnark allocate is then a few times its size.
type countGuard struct{ r *bytes.Reader }

func (g *countGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if err != nil || n != len(p) || (n != 4 && n != 8) {
		return n, err
	}
	count, per := uint64(binary.BigEndian.Uint32(p)), uint64(8)
	if n == 8 {
		count, per = binary.BigEndian.Uint64(p), 128
	}
	if left := uint64(g.r.Len()); count > left/per {
		// No bytes read: io.ReadFull drops the error of a read that
		// filled its buffer.
		return 0, fmt.Errorf("a count of %d where %d bytes are left (at least %d a unit)", count, left, per)
	}
	return n, nil
}
