package tee

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
)

// verifySim checks sim evidence: allowed by genesis, signed by a genesis
// dev attestation key, signature valid.
func verifySim(evidence []byte, o VerifyOptions) (*Verified, error) {
	if !o.AllowSim {
		return nil, fmt.Errorf("%w (genesis allow_sim_tee is false)", ErrSimNotAllowed)
	}
	e, err := DecodeSimEvidence(evidence)
	if err != nil {
		return nil, err
	}
	known := false
	for _, k := range o.SimKeys {
		if bytes.Equal(k, e.PublicKey[:]) {
			known = true
			break
		}
	}
	if !known {
		return nil, fmt.Errorf("%w: %x (%d genesis keys)", ErrUnknownSimKey, e.PublicKey, len(o.SimKeys))
	}
	if !ed25519.Verify(e.PublicKey[:], e.SignedBody(), e.Signature[:]) {
		return nil, fmt.Errorf("%w: sim evidence signature by %x", ErrBadSignature, e.PublicKey)
	}
	return &Verified{
		Kind:        KindSim,
		Measurement: append([]byte(nil), e.Measurement[:]...),
		ReportData:  e.ReportData,
		Config:      e.Config,
		Details: map[string]string{
			"attestation_key": hex.EncodeToString(e.PublicKey[:]),
			"insecure":        "true",
		},
	}, nil
}
