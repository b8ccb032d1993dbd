package tee

import (
	"crypto/ed25519"
	"fmt"

	"github.com/phalanetwork/phala/chain/wire"
)

// SimEvidenceVersion is the version of the sim evidence format; version 2
// added the attested configuration.
const SimEvidenceVersion = 2

// SimMeasurementSize is the size of a sim measurement (a SHA-256).
const SimMeasurementSize = 32

// simSignDomain prefixes the body a dev attestation key signs, so the
// signature can never be taken for a signature over anything else.
const simSignDomain = "phala/tee/sim-attestation/v2\x00"

// SimEvidence is a software attestation signed by a dev attestation key.
// Encoded, it is: version uvarint, measurement (32 bytes), configuration
// (32), report data (64), attestation public key (32), ed25519 signature
// (64) over SignedBody.
type SimEvidence struct {
	// Version is SimEvidenceVersion.
	Version uint64
	// Measurement is SHA-256 of the string that names the running code.
	Measurement [SimMeasurementSize]byte
	// Config is the configuration the sim TEE was built with: the genesis
	// hash of its chain (what MRCONFIGID is to TDX).
	Config [ConfigSize]byte
	// ReportData is the caller data the attestation binds.
	ReportData [ReportDataSize]byte
	// PublicKey is the dev attestation key that signed the evidence.
	PublicKey [ed25519.PublicKeySize]byte
	// Signature is the ed25519 signature over SignedBody.
	Signature [ed25519.SignatureSize]byte
}

// SignSimEvidence returns sim evidence over measurement, config and reportData signed by key.
func SignSimEvidence(key ed25519.PrivateKey, measurement [SimMeasurementSize]byte, config [ConfigSize]byte, reportData [ReportDataSize]byte) (*SimEvidence, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("tee: sim attestation key is %d bytes, want %d", len(key), ed25519.PrivateKeySize)
	}
	e := &SimEvidence{Version: SimEvidenceVersion, Measurement: measurement, Config: config, ReportData: reportData}
	copy(e.PublicKey[:], key.Public().(ed25519.PublicKey))
	copy(e.Signature[:], ed25519.Sign(key, e.SignedBody()))
	return e, nil
}

// SignedBody is the domain-separated byte string the signature covers:
// everything in the evidence but the signature.
func (e *SimEvidence) SignedBody() []byte {
	w := wire.NewWriter(len(simSignDomain) + 8 + SimMeasurementSize + ConfigSize + ReportDataSize + ed25519.PublicKeySize)
	w.Raw([]byte(simSignDomain))
	w.Uvarint(e.Version)
	w.Raw(e.Measurement[:])
	w.Raw(e.Config[:])
	w.Raw(e.ReportData[:])
	w.Raw(e.PublicKey[:])
	return w.Bytes()
}

// Encode returns the canonical encoding of e.
func (e *SimEvidence) Encode() []byte {
	w := wire.NewWriter(1 + SimMeasurementSize + ConfigSize + ReportDataSize + ed25519.PublicKeySize + ed25519.SignatureSize)
	w.Uvarint(e.Version)
	w.Raw(e.Measurement[:])
	w.Raw(e.Config[:])
	w.Raw(e.ReportData[:])
	w.Raw(e.PublicKey[:])
	w.Raw(e.Signature[:])
	return w.Bytes()
}

// DecodeSimEvidence parses sim evidence, rejecting unknown versions and trailing bytes.
func DecodeSimEvidence(b []byte) (*SimEvidence, error) {
	r := wire.NewReader(b)
	e := &SimEvidence{Version: r.Uvarint()}
	if r.Err() == nil && e.Version != SimEvidenceVersion {
		return nil, fmt.Errorf("%w: sim evidence version %d, want %d", ErrBadEvidence, e.Version, SimEvidenceVersion)
	}
	copy(e.Measurement[:], r.Raw(SimMeasurementSize))
	copy(e.Config[:], r.Raw(ConfigSize))
	copy(e.ReportData[:], r.Raw(ReportDataSize))
	copy(e.PublicKey[:], r.Raw(ed25519.PublicKeySize))
	copy(e.Signature[:], r.Raw(ed25519.SignatureSize))
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("%w: sim evidence: %w", ErrBadEvidence, err)
	}
	return e, nil
}
