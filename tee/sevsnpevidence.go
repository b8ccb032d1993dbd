package tee

import (
	"fmt"

	"github.com/phalanetwork/phala/chain/wire"
)

// SEVSNPEvidenceVersion is the version of the SEV-SNP evidence format.
const SEVSNPEvidenceVersion = 1

// Size limits of the parts of SEV-SNP evidence.
const (
	// SEVSNPReportSize is the size of an SEV-SNP ATTESTATION_REPORT.
	SEVSNPReportSize = 0x4A0
	// MaxSEVSNPCertSize bounds the DER endorsement certificate.
	MaxSEVSNPCertSize = 8 << 10
)

// SEVSNPEvidence is an SEV-SNP attestation report with the DER certificate
// (VCEK or VLEK, whichever the report's SIGNING_KEY names) of the key that
// signed it. The ASK/ARK chain above that certificate is never taken from
// the evidence: the verifier uses AMD's roots bundled in go-sev-guest.
// Encoded, it is: version uvarint, report bytes, certificate bytes.
type SEVSNPEvidence struct {
	// Version is SEVSNPEvidenceVersion.
	Version uint64
	// Report is the raw ATTESTATION_REPORT (SEVSNPReportSize bytes).
	Report []byte
	// EndorsementCert is the DER VCEK or VLEK certificate.
	EndorsementCert []byte
}

// Encode returns the canonical encoding of e.
func (e *SEVSNPEvidence) Encode() []byte {
	w := wire.NewWriter(len(e.Report) + len(e.EndorsementCert) + 8)
	w.Uvarint(e.Version)
	w.VarBytes(e.Report)
	w.VarBytes(e.EndorsementCert)
	return w.Bytes()
}

// DecodeSEVSNPEvidence parses SEV-SNP evidence, rejecting unknown versions,
// a report of the wrong size, an oversized certificate and trailing bytes.
func DecodeSEVSNPEvidence(b []byte) (*SEVSNPEvidence, error) {
	r := wire.NewReader(b)
	e := &SEVSNPEvidence{Version: r.Uvarint()}
	if r.Err() == nil && e.Version != SEVSNPEvidenceVersion {
		return nil, fmt.Errorf("%w: sev-snp evidence version %d, want %d", ErrBadEvidence, e.Version, SEVSNPEvidenceVersion)
	}
	e.Report = append([]byte(nil), r.VarBytes(SEVSNPReportSize)...)
	e.EndorsementCert = append([]byte(nil), r.VarBytes(MaxSEVSNPCertSize)...)
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("%w: sev-snp evidence: %w", ErrBadEvidence, err)
	}
	if len(e.Report) != SEVSNPReportSize {
		return nil, fmt.Errorf("%w: sev-snp report is %d bytes, want %d", ErrBadEvidence, len(e.Report), SEVSNPReportSize)
	}
	if len(e.EndorsementCert) == 0 {
		return nil, fmt.Errorf("%w: sev-snp evidence has no VCEK/VLEK certificate", ErrBadEvidence)
	}
	return e, nil
}
