package tee

import (
	"crypto/ed25519"
	"fmt"
	"time"
)

// VerifyOptions configure verification. The chain calls Verify inside its
// deterministic state machine, so it must never read the wall clock or the
// network: Now is the block time.
type VerifyOptions struct {
	// Now is the block time at which certificates must be valid; it must be set.
	Now time.Time
	// AllowSim accepts sim attestations (genesis allow_sim_tee).
	AllowSim bool
	// SimKeys are the dev attestation keys from genesis that may sign sim attestations.
	SimKeys []ed25519.PublicKey
	// AllowDebug accepts hardware evidence from TEEs launched in debug mode,
	// whose memory the host can read; only for tests and devnets.
	AllowDebug bool
	// TDXCollateral returns Intel's TCB collateral the chain holds for a
	// platform family (FMSPC, lower-case hex), or nil; a TDX quote is
	// accepted only when its platform's and QE's TCB status is UpToDate
	// against it.
	TDXCollateral func(fmspc string) *TDXCollateral
	// TDXCRL returns the CRL the chain holds of the CA whose key is issuer
	// (TDXCRLIssuer), Intel's or AMD's, or nil; a TDX quote is accepted
	// only when the CRLs of its root and PCK CA are current and revoke
	// neither its CA nor its PCK certificate, and SEV-SNP evidence only
	// when the CRL of its ARK is current and does not revoke its ASK, on
	// fake hardware too.
	TDXCRL func(issuer string) *TDXCRL
	// SEVSNPMinTCB is the least SEV-SNP TCB (each component) accepted.
	SEVSNPMinTCB SEVSNPTCB
	// TestRoots are roots trusted besides Intel's and AMD's (genesis
	// tee_test_roots); empty on every chain that carries value.
	TestRoots TestRoots
}

// Verify checks a, dispatching by kind, and returns what it proves. It
// reads neither the clock nor the network, and never panics on bad input.
func Verify(a Attestation, o VerifyOptions) (*Verified, error) {
	if o.Now.IsZero() {
		return nil, ErrNoBlockTime
	}
	if len(a.Evidence) == 0 || len(a.Evidence) > MaxEvidenceSize {
		return nil, fmt.Errorf("%w: %s evidence is %d bytes, want 1 to %d", ErrBadEvidence, a.Kind, len(a.Evidence), MaxEvidenceSize)
	}
	switch a.Kind {
	case KindSim:
		return verifySim(a.Evidence, o)
	case KindTDX:
		return verifyTDX(a.Evidence, o)
	case KindSEVSNP:
		return verifySEVSNP(a.Evidence, o)
	}
	return nil, fmt.Errorf("%w: %q", ErrUnknownKind, a.Kind)
}

// guard runs a call into a third-party parser or verifier and turns a panic
// into an error wrapping ErrBadEvidence, so hostile evidence cannot halt the
// chain.
func guard(what string, f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %s: parser panicked: %v", ErrBadEvidence, what, p)
		}
	}()
	return f()
}
