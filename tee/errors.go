package tee

import "errors"

// Sentinel errors; every error from Verify, the decoders and the Check
// functions wraps one of them, with a message naming the check that failed.
var (
	// ErrUnknownKind is returned for an attestation of an unsupported kind.
	ErrUnknownKind = errors.New("tee: unknown TEE kind")
	// ErrBadEvidence is returned for evidence that does not parse or is not canonical.
	ErrBadEvidence = errors.New("tee: malformed attestation evidence")
	// ErrNoBlockTime is returned when VerifyOptions.Now is unset.
	ErrNoBlockTime = errors.New("tee: verification time (block time) not set")
	// ErrSimNotAllowed is returned for a sim attestation when the chain does not allow them.
	ErrSimNotAllowed = errors.New("tee: simulated TEE attestations are not allowed on this chain")
	// ErrUnknownSimKey is returned when a sim attestation is signed by a key not in genesis.
	ErrUnknownSimKey = errors.New("tee: sim attestation key is not a genesis dev attestation key")
	// ErrBadSignature is returned when the signature over the evidence does not verify.
	ErrBadSignature = errors.New("tee: attestation signature does not verify")
	// ErrUntrustedChain is returned when the evidence does not chain to the vendor's root of trust.
	ErrUntrustedChain = errors.New("tee: attestation does not chain to the vendor root of trust")
	// ErrCertValidity is returned when a certificate in the evidence is not valid at the block time.
	ErrCertValidity = errors.New("tee: certificate not valid at the block time")
	// ErrDebugEnclave is returned for evidence from a TEE launched in debug mode.
	ErrDebugEnclave = errors.New("tee: TEE runs in debug mode, its memory is readable by the host")
	// ErrPolicy is returned when hardware evidence violates the platform policy (TCB consistency, migration agent, chip id).
	ErrPolicy = errors.New("tee: attestation violates the platform policy")
	// ErrTCBOutOfDate is returned when the TEE's TCB (firmware, microcode, QE) is below what the chain accepts.
	ErrTCBOutOfDate = errors.New("tee: TCB out of date")
	// ErrTCBCollateral is returned when the chain holds no valid TCB collateral or CRL for the platform, or it is not the vendor's (Intel's, AMD's).
	ErrTCBCollateral = errors.New("tee: TCB collateral missing, expired or not the vendor's")
	// ErrRevoked is returned when a certificate of the evidence's chain is on its issuer's revocation list.
	ErrRevoked = errors.New("tee: certificate revoked")
	// ErrProvisionalFirmware is returned for SEV-SNP firmware that is running but not committed (it can be rolled back).
	ErrProvisionalFirmware = errors.New("tee: provisional firmware")
	// ErrWrongVMPL is returned for an SEV-SNP report not made at VMPL 0.
	ErrWrongVMPL = errors.New("tee: wrong VMPL, report not from VMPL 0")
	// ErrMeasurementNotAllowed is returned when a measurement is not on the allow-list.
	ErrMeasurementNotAllowed = errors.New("tee: measurement not on the allow-list")
	// ErrReportDataMismatch is returned when a quote binds different report data than expected.
	ErrReportDataMismatch = errors.New("tee: report data mismatch")
	// ErrNoSealingKey is returned by providers that have no sealing-key source configured.
	ErrNoSealingKey = errors.New("tee: no sealing key source configured")
	// ErrUnavailable is returned when the TEE interface is missing or is another kind of TEE.
	ErrUnavailable = errors.New("tee: TEE interface unavailable")
)
