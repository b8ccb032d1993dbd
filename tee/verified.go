package tee

import (
	"bytes"
	"fmt"
)

// Verified is what the chain learns from a valid attestation.
type Verified struct {
	// Kind is the TEE that produced the attestation.
	Kind Kind
	// Measurement identifies the code: sim, the 32-byte SHA-256 the
	// provider was given; TDX, MRTD||RTMR0||RTMR1||RTMR2 (4x48 bytes);
	// SEV-SNP, the 48-byte launch MEASUREMENT.
	Measurement []byte
	// ReportData is the caller data the quote binds.
	ReportData [ReportDataSize]byte
	// Config is the configuration the TEE was launched with and measured
	// apart from the code: the genesis hash of the chain the enclave is
	// bound to. Sim, the value the provider was built with; TDX, the first
	// 32 bytes of MRCONFIGID (the rest must be zero); SEV-SNP, HOST_DATA.
	// It is not part of Measurement, so allow-lists (kept in genesis) do
	// not depend on the genesis hash.
	Config [ConfigSize]byte
	// Details holds further fields for display (TCB, SVNs, policy), as
	// lower-case hex or decimal strings; the keys depend on the kind.
	Details map[string]string
	// Certs are the certificates of the attestation's chain that a CA's
	// CRL may revoke later (TDX: the PCK certificate and its CA; SEV-SNP:
	// the ASK or ASVK); none for sim.
	Certs []CertRef
}

// CheckMeasurement returns nil if v's measurement is on allowList and an
// error wrapping ErrMeasurementNotAllowed otherwise.
func CheckMeasurement(v *Verified, allowList [][]byte) error {
	if v == nil {
		return fmt.Errorf("%w: no verified attestation", ErrMeasurementNotAllowed)
	}
	for _, m := range allowList {
		if len(m) > 0 && bytes.Equal(m, v.Measurement) {
			return nil
		}
	}
	return fmt.Errorf("%w: %s measurement %x (%d allowed)", ErrMeasurementNotAllowed, v.Kind, v.Measurement, len(allowList))
}

// CheckReportData returns nil if v binds want and an error wrapping
// ErrReportDataMismatch otherwise.
func CheckReportData(v *Verified, want [ReportDataSize]byte) error {
	if v == nil {
		return fmt.Errorf("%w: no verified attestation", ErrReportDataMismatch)
	}
	if v.ReportData != want {
		return fmt.Errorf("%w: quote binds %x, want %x", ErrReportDataMismatch, v.ReportData, want)
	}
	return nil
}
