package tee

import "fmt"

// Provider is the enclave side of a TEE.
type Provider interface {
	// Kind names the TEE technology.
	Kind() Kind
	// Quote returns attestation evidence binding reportData to this TEE and its measurement.
	Quote(reportData [ReportDataSize]byte) ([]byte, error)
	// SealingKey is a 32-byte key only this TEE instance (and measurement) can derive.
	SealingKey() ([]byte, error)
	// Measurement identifies the code running in the TEE.
	Measurement() ([]byte, error)
	// DeriveLabel appends "-insecure" in sim mode; every key-derivation
	// label in the enclave goes through it, so sim keys never equal
	// production keys.
	DeriveLabel(label string) string
}

// SealingKeySource supplies the sealing key of a hardware TEE whose
// attestation interface has none (configfs-tsm offers quotes only).
type SealingKeySource interface {
	// SealingKey returns a 32-byte key bound to this TEE instance and measurement.
	SealingKey() ([]byte, error)
}

// ReadSealingKey reads a hardware provider's sealing key from src and
// checks its size; provider names it in errors, and missing is the message
// (wrapping ErrNoSealingKey) when src is nil.
func ReadSealingKey(src SealingKeySource, provider, missing string) ([]byte, error) {
	if src == nil {
		return nil, fmt.Errorf("%w: %s", ErrNoSealingKey, missing)
	}
	k, err := src.SealingKey()
	if err != nil {
		return nil, fmt.Errorf("%s sealing key: %w", provider, err)
	}
	if len(k) != SealingKeySize {
		return nil, fmt.Errorf("%s sealing key: source returned %d bytes, want %d", provider, len(k), SealingKeySize)
	}
	return k, nil
}

// SealingKeySize is the size of every sealing key.
const SealingKeySize = 32

// Attest asks p for a quote over reportData and wraps it as an Attestation.
func Attest(p Provider, reportData [ReportDataSize]byte) (Attestation, error) {
	ev, err := p.Quote(reportData)
	if err != nil {
		return Attestation{}, fmt.Errorf("tee: %s quote: %w", p.Kind(), err)
	}
	return Attestation{Kind: p.Kind(), Evidence: ev}, nil
}
