package circuit

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/backend/groth16"
	groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"
	"github.com/consensys/gnark/constraint"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
)

// Kind names one of the three circuits.
type Kind uint8

// The circuits, in the order their keys appear in genesis.
const (
	KindShield Kind = iota + 1
	KindTransfer
	KindUnshield
)

// Kinds lists every circuit.
var Kinds = []Kind{KindShield, KindTransfer, KindUnshield}

// ProofSize is a compressed BN254 Groth16 proof: Ar, Bs, Krs compressed
// (32+64+32 bytes); gnark's proof also carries a commitment count (4 bytes)
// and commitment points when a circuit uses them, which ours do not.
const ProofSize = 128 + 4 + 32

// ErrProof is returned for a proof that does not decode or does not verify.
var ErrProof = errors.New("invalid proof")

// String names the circuit.
func (k Kind) String() string {
	switch k {
	case KindShield:
		return "shield"
	case KindTransfer:
		return "transfer"
	case KindUnshield:
		return "unshield"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// New returns an empty circuit of the kind, for compiling.
func New(k Kind) (frontend.Circuit, error) {
	switch k {
	case KindShield:
		return &Shield{}, nil
	case KindTransfer:
		return &Transfer{}, nil
	case KindUnshield:
		return &Unshield{}, nil
	}
	return nil, fmt.Errorf("unknown circuit %d", uint8(k))
}

// Compile builds the R1CS of the kind.
func Compile(k Kind) (constraint.ConstraintSystem, error) {
	c, err := New(k)
	if err != nil {
		return nil, err
	}
	cs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, c)
	if err != nil {
		return nil, fmt.Errorf("compile %s: %w", k, err)
	}
	return cs, nil
}

// Prove proves an assignment with the proving key and returns the
// compressed proof bytes.
func Prove(cs constraint.ConstraintSystem, pk groth16.ProvingKey, assignment frontend.Circuit) ([]byte, error) {
	w, err := frontend.NewWitness(assignment, ecc.BN254.ScalarField())
	if err != nil {
		return nil, fmt.Errorf("witness: %w", err)
	}
	proof, err := groth16.Prove(cs, pk, w)
	if err != nil {
		return nil, fmt.Errorf("prove: %w", err)
	}
	var buf bytes.Buffer
	if _, err := proof.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("encode proof: %w", err)
	}
	return buf.Bytes(), nil
}

// Verify checks a compressed proof against the verifying key and the public
// inputs, in the order the circuit declares them. It prepares the key on
// every call; a caller verifying many proofs keeps a Verifier.
func Verify(vk groth16.VerifyingKey, proof []byte, public []fr.Element) error {
	v, err := NewVerifier(vk)
	if err != nil {
		return err
	}
	return v.Verify(proof, public)
}

// Verifier checks Groth16 proofs of one circuit with the key's fixed
// pairing work done once: e(α, β), and the Miller loop lines of -γ and -δ,
// the two G2 points every check pairs with a proof-dependent G1 point.
type Verifier struct {
	vk    *groth16bn254.VerifyingKey
	lines [2][2][len(bn254.LoopCounter)]bn254.LineEvaluationAff
	e     bn254.GT
}

// NewVerifier prepares vk, a BN254 key without commitments (the circuits
// use none: a commitment would add a Pedersen check and proof points).
func NewVerifier(vk groth16.VerifyingKey) (*Verifier, error) {
	k, ok := vk.(*groth16bn254.VerifyingKey)
	if !ok {
		return nil, fmt.Errorf("verifying key is %T, want a BN254 Groth16 key", vk)
	}
	if len(k.CommitmentKeys) > 0 || len(k.PublicAndCommitmentCommitted) > 0 || len(k.G1.K) == 0 {
		return nil, errors.New("verifying key has commitments or no public input points; the circuits have neither")
	}
	e, err := bn254.Pair([]bn254.G1Affine{k.G1.Alpha}, []bn254.G2Affine{k.G2.Beta})
	if err != nil {
		return nil, fmt.Errorf("e(alpha, beta): %w", err)
	}
	var gammaNeg, deltaNeg bn254.G2Affine
	gammaNeg.Neg(&k.G2.Gamma)
	deltaNeg.Neg(&k.G2.Delta)
	return &Verifier{vk: k, e: e, lines: [2][2][len(bn254.LoopCounter)]bn254.LineEvaluationAff{
		bn254.PrecomputeLines(gammaNeg), bn254.PrecomputeLines(deltaNeg)}}, nil
}

// ParseVerifier decodes a verifying key (DecodeVerifyingKey) and prepares
// it.
func ParseVerifier(b []byte) (*Verifier, error) {
	vk, err := DecodeVerifyingKey(b)
	if err != nil {
		return nil, err
	}
	return NewVerifier(vk)
}

// Verify checks a compressed proof against the public inputs, in the order
// the circuit declares them: e(A, B)·e(K(x), -γ)·e(C, -δ) = e(α, β), where
// K(x) is the key's public input points weighted by the inputs. Decoding
// checks that each proof point is on its curve and in the prime-order
// subgroup.
func (v *Verifier) Verify(proof []byte, public []fr.Element) error {
	if len(proof) != ProofSize {
		return fmt.Errorf("%w: %d bytes, want %d", ErrProof, len(proof), ProofSize)
	}
	var p groth16bn254.Proof
	if _, err := p.ReadFrom(bytes.NewReader(proof)); err != nil {
		return fmt.Errorf("%w: decode: %v", ErrProof, err)
	}
	// gnark ignores these two fields for a key without commitments; any
	// value but none there would let a relayer change a valid proof's bytes.
	if len(p.Commitments) != 0 || !p.CommitmentPok.IsInfinity() {
		return fmt.Errorf("%w: commitment fields set, the circuits have no commitments", ErrProof)
	}
	if len(public) != len(v.vk.G1.K)-1 {
		return fmt.Errorf("%w: %d public inputs, want %d", ErrProof, len(public), len(v.vk.G1.K)-1)
	}
	var kx bn254.G1Jac
	if _, err := kx.MultiExp(v.vk.G1.K[1:], public, ecc.MultiExpConfig{NbTasks: 1}); err != nil {
		return fmt.Errorf("%w: public inputs: %v", ErrProof, err)
	}
	kx.AddMixed(&v.vk.G1.K[0])
	var kxAff bn254.G1Affine
	kxAff.FromJacobian(&kx)
	// MillerLoopFixedQ scales the lines in place: it gets a copy, so the
	// Verifier stays unchanged and safe to share between goroutines.
	lines := v.lines
	fixed, err := bn254.MillerLoopFixedQ([]bn254.G1Affine{kxAff, p.Krs}, lines[:])
	if err != nil {
		return fmt.Errorf("%w: %v", ErrProof, err)
	}
	ab, err := bn254.MillerLoop([]bn254.G1Affine{p.Ar}, []bn254.G2Affine{p.Bs})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrProof, err)
	}
	if got := bn254.FinalExponentiation(&ab, &fixed); !got.Equal(&v.e) {
		return fmt.Errorf("%w: pairing check failed", ErrProof)
	}
	return nil
}

// EncodeVerifyingKey serialises a verifying key (compressed points).
func EncodeVerifyingKey(vk groth16.VerifyingKey) ([]byte, error) {
	var buf bytes.Buffer
	if _, err := vk.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("encode verifying key: %w", err)
	}
	return buf.Bytes(), nil
}

// DecodeVerifyingKey parses a verifying key in the compressed form
// EncodeVerifyingKey writes, with no commitments (the circuits have none);
// its points are checked to be on the curve and in the right subgroup.
func DecodeVerifyingKey(b []byte) (groth16.VerifyingKey, error) {
	if err := checkKeyLayout(b); err != nil {
		return nil, fmt.Errorf("decode verifying key: %w", err)
	}
	vk := groth16.NewVerifyingKey(ecc.BN254)
	n, err := vk.ReadFrom(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("decode verifying key: %w", err)
	}
	if n != int64(len(b)) {
		return nil, fmt.Errorf("decode verifying key: layout: read %d of %d bytes", n, len(b))
	}
	return vk, nil
}

// vkPointsSize is the size of a compressed key's first six points: α, β
// and δ in G1, β, γ and δ in G2.
const vkPointsSize = 3*bn254.SizeOfG1AffineCompressed + 3*bn254.SizeOfG2AffineCompressed

// checkKeyLayout checks the lengths and point forms of a key's encoding
// before gnark reads it: gnark allocates the number of points a length
// prefix names before it reads them, so a few hundred bytes claiming
// four billion points would make every node that decodes them (genesis,
// the ceremony's key messages) die out of memory. Accepting only the
// compressed form with no commitments makes the encoding canonical too.
func checkKeyLayout(b []byte) error {
	if len(b) < vkPointsSize+4 {
		return fmt.Errorf("layout: %d bytes, shorter than a key's six points and their count", len(b))
	}
	n := uint64(binary.BigEndian.Uint32(b[vkPointsSize:]))
	end := vkPointsSize + 4 + n*bn254.SizeOfG1AffineCompressed
	if want := end + 8; uint64(len(b)) != want {
		return fmt.Errorf("layout: %d bytes, want %d for %d public input points, compressed, and no commitments", len(b), want, n)
	}
	if binary.BigEndian.Uint64(b[end:]) != 0 {
		return errors.New("layout: commitments: the circuits have none")
	}
	g1, g2 := uint64(bn254.SizeOfG1AffineCompressed), uint64(bn254.SizeOfG2AffineCompressed)
	offs := []uint64{0, g1, 2 * g1, 2*g1 + g2, 2*g1 + 2*g2, 3*g1 + 2*g2}
	for off := uint64(vkPointsSize + 4); off < end; off += g1 {
		offs = append(offs, off)
	}
	for i, off := range offs {
		// gnark reads a point whose two top bits are 0 in the longer
		// uncompressed form, which would move every offset checked here.
		if b[off]>>6 == 0 {
			return fmt.Errorf("layout: point %d is not compressed", i)
		}
	}
	return nil
}
