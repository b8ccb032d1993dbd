package tee

import (
	"fmt"

	"github.com/phalanetwork/phala/chain/wire"
)

// MaxEvidenceSize bounds the evidence in an Attestation.
const MaxEvidenceSize = 64 << 10

// maxKindSize bounds the kind string in an encoded Attestation.
const maxKindSize = 16

// Attestation is what a worker submits: the kind and the raw evidence.
type Attestation struct {
	// Kind names the TEE that produced Evidence.
	Kind Kind
	// Evidence is the kind-specific attestation (sim evidence, TDX quote, SEV-SNP report and certificate).
	Evidence []byte
}

// Encode returns the canonical encoding: the kind as a string, then the
// evidence as length-prefixed bytes.
func (a Attestation) Encode() []byte {
	w := wire.NewWriter(len(a.Kind) + len(a.Evidence) + 8)
	w.String(string(a.Kind))
	w.VarBytes(a.Evidence)
	return w.Bytes()
}

// DecodeAttestation parses the canonical encoding of an Attestation,
// rejecting oversized fields and trailing bytes; the kind is checked by Verify.
func DecodeAttestation(b []byte) (Attestation, error) {
	r := wire.NewReader(b)
	kind := r.String(maxKindSize)
	ev := r.VarBytes(MaxEvidenceSize)
	if err := r.Done(); err != nil {
		return Attestation{}, fmt.Errorf("%w: attestation: %w", ErrBadEvidence, err)
	}
	return Attestation{Kind: Kind(kind), Evidence: append([]byte(nil), ev...)}, nil
}
