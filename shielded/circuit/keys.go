package circuit

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/backend/witness"
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
// inputs, in the order the circuit declares them.
func Verify(vk groth16.VerifyingKey, proof []byte, public []fr.Element) error {
	if len(proof) != ProofSize {
		return fmt.Errorf("%w: %d bytes, want %d", ErrProof, len(proof), ProofSize)
	}
	p := groth16.NewProof(ecc.BN254)
	if _, err := p.ReadFrom(bytes.NewReader(proof)); err != nil {
		return fmt.Errorf("%w: decode: %v", ErrProof, err)
	}
	w, err := witness.New(ecc.BN254.ScalarField())
	if err != nil {
		return fmt.Errorf("witness: %w", err)
	}
	values := make(chan any, len(public))
	for i := range public {
		values <- public[i]
	}
	close(values)
	if err := w.Fill(len(public), 0, values); err != nil {
		return fmt.Errorf("%w: public inputs: %v", ErrProof, err)
	}
	if err := groth16.Verify(p, vk, w); err != nil {
		return fmt.Errorf("%w: %v", ErrProof, err)
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

// DecodeVerifyingKey parses a verifying key; its points are checked to be
// on the curve and in the right subgroup.
func DecodeVerifyingKey(b []byte) (groth16.VerifyingKey, error) {
	vk := groth16.NewVerifyingKey(ecc.BN254)
	if _, err := vk.ReadFrom(bytes.NewReader(b)); err != nil {
		return nil, fmt.Errorf("decode verifying key: %w", err)
	}
	return vk, nil
}
