package tee

import "fmt"

// Claims are what a piece of hardware evidence asserts about itself before
// any verification; only Verify makes them trustworthy.
type Claims struct {
	// Measurement is computed as in Verified.Measurement.
	Measurement []byte
	// ReportData is the caller data the evidence carries.
	ReportData [ReportDataSize]byte
	// Config is the measured configuration, as in Verified.Config.
	Config [ConfigSize]byte
}

// ConfigSize is the size of a TEE's attested configuration: the genesis
// hash of the chain the enclave is bound to.
const ConfigSize = 32

// EvidenceClaims parses evidence of kind and returns what it claims,
// without verifying it; an enclave reads its own configuration with it.
func EvidenceClaims(kind Kind, evidence []byte) (*Claims, error) {
	switch kind {
	case KindSim:
		e, err := DecodeSimEvidence(evidence)
		if err != nil {
			return nil, err
		}
		return &Claims{Measurement: append([]byte(nil), e.Measurement[:]...), ReportData: e.ReportData, Config: e.Config}, nil
	case KindTDX:
		return TDXClaims(evidence)
	case KindSEVSNP:
		e, err := DecodeSEVSNPEvidence(evidence)
		if err != nil {
			return nil, err
		}
		return SEVSNPClaims(e.Report)
	}
	return nil, fmt.Errorf("%w: %q", ErrUnknownKind, kind)
}
