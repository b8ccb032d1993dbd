package registry

import (
	"crypto/sha256"

	"github.com/phalanetwork/phala/tee"
)

// State keys, all under the module prefix.
var (
	// keyParams holds the Params (JSON).
	keyParams = []byte("registry/params")
	// keyTestRoots holds the genesis tee_test_roots ([]TestRoot, JSON):
	// set by genesis only, never by a message or the DAO.
	keyTestRoots = []byte("registry/test_roots")
	// prefixWorker + the 32-byte worker id holds that worker's Worker
	// record (JSON).
	prefixWorker = []byte("registry/w/")
	// prefixUsedAtt + SHA-256(TEE kind, 0, report data) holds the byte 1
	// once that attestation registered a worker.
	prefixUsedAtt = []byte("registry/att/")
	// prefixTDXCollateral + a platform's FMSPC (lower-case hex) holds
	// Intel's TCB collateral for it (JSON of tee.TDXCollateral), which
	// TDX quotes are checked against.
	prefixTDXCollateral = []byte("registry/tdxc/")
	// keyTDXQEIdentity holds the TCB evaluation and issue date of the
	// newest TDX QE identity the chain took (JSON of tee.TCBIssue): one
	// document for every platform, so none may bring an older one.
	keyTDXQEIdentity = []byte("registry/tdxqe")
	// prefixTDXCRL + a CA's key (tee.TDXCRLIssuer, lower-case hex) holds
	// that CA's CRL (JSON of tee.TDXCRL), which TDX PCK chains, and
	// SEV-SNP ASKs (the CA is then an AMD ARK), are checked against.
	prefixTDXCRL = []byte("registry/tdxcrl/")
	// keyKMSRequests holds the pending sealing-key requests ([]KMSRequest,
	// JSON, one per worker, in worker order), which gatekeepers read.
	keyKMSRequests = []byte("registry/kms/requests")
	// prefixKMSReply + the 32-byte worker id holds the last KMSReply to
	// that worker (JSON), which its enclave reads.
	prefixKMSReply = []byte("registry/kms/reply/")
)

// ParamsKey is the state key of the Params, for proofs.
func ParamsKey() []byte { return append([]byte(nil), keyParams...) }

// KMSRequestsKey is the state key of the pending sealing-key requests.
func KMSRequestsKey() []byte { return append([]byte(nil), keyKMSRequests...) }

// KMSReplyKey is the state key of the sealing-key reply to a worker.
func KMSReplyKey(id WorkerID) []byte {
	return append(append([]byte(nil), prefixKMSReply...), id[:]...)
}

// TDXCollateralKey is the state key of Intel's TCB collateral for a
// platform (FMSPC, lower-case hex; JSON of tee.TDXCollateral), for proofs.
func TDXCollateralKey(fmspc string) []byte {
	return append(append([]byte(nil), prefixTDXCollateral...), fmspc...)
}

// TDXCRLKey is the state key of the CRL of a TDX CA or an AMD ARK
// (tee.TDXCRLIssuer of its certificate; JSON of tee.TDXCRL), for proofs.
func TDXCRLKey(issuer string) []byte {
	return append(append([]byte(nil), prefixTDXCRL...), issuer...)
}

// WorkerKey is the state key of a worker record (JSON of Worker), for
// proofs.
func WorkerKey(id WorkerID) []byte {
	return append(append([]byte(nil), prefixWorker...), id[:]...)
}

// usedAttestationKey is the key that marks an attestation used. It hashes
// what the TEE vouched for (kind and report data), not the evidence bytes:
// ECDSA quotes stay valid under signature malleability, so the same
// attestation can come in different bytes.
func usedAttestationKey(kind tee.Kind, reportData [tee.ReportDataSize]byte) []byte {
	h := sha256.New()
	h.Write([]byte(kind))
	h.Write([]byte{0})
	h.Write(reportData[:])
	return append(append([]byte(nil), prefixUsedAtt...), h.Sum(nil)...)
}
