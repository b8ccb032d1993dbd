// Package registry is the on-chain registry of TEE workers: the
// measurement allow-list, worker registration by attestation, worker
// records and their endpoints.
package registry

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/phalanetwork/phala/chain/abcierr"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/tee"
)

// Name is the module name: genesis section, query path and key prefix.
const Name = "registry"

// Codespace of this module's errors.
const Codespace = Name

// Errors of the registry module; each names the check that failed.
var (
	ErrBadGenesis          = abcierr.Register(Codespace, 2, "invalid registry genesis")
	ErrBadAttestation      = abcierr.Register(Codespace, 3, "attestation does not verify")
	ErrMeasurementRejected = abcierr.Register(Codespace, 4, "measurement not on the allow-list")
	ErrReportDataMismatch  = abcierr.Register(Codespace, 5, "report data does not match the worker info")
	ErrStaleAttestation    = abcierr.Register(Codespace, 6, "attestation is stale")
	ErrReplayed            = abcierr.Register(Codespace, 7, "attestation already used")
	ErrWrongChain          = abcierr.Register(Codespace, 8, "worker info is for another chain")
	ErrNotOperator         = abcierr.Register(Codespace, 9, "sender is not the worker's operator")
	ErrUnknownWorker       = abcierr.Register(Codespace, 10, "unknown worker")
	ErrBadWorkerSignature  = abcierr.Register(Codespace, 11, "worker signature does not verify")
	ErrInvalidWorkerInfo   = abcierr.Register(Codespace, 12, "invalid worker info")
	ErrSimNotAllowed       = abcierr.Register(Codespace, 13, "simulated TEE not allowed on this chain")
	// ErrMeasurementList: a DAO change to the allow-list that does not
	// apply (already allowed, not allowed, invalid).
	ErrMeasurementList = abcierr.Register(Codespace, 14, "measurement allow-list change refused")
	// ErrGenesisFixed: a governance change to a param that only genesis
	// sets (which TEEs are trusted at all).
	ErrGenesisFixed = abcierr.Register(Codespace, 15, "param is fixed at genesis")
	// ErrRetired: the chain stopped trusting the worker (its measurement
	// was removed from the allow-list, or a CRL revoked its TEE's
	// certificate); the record's Retired says which.
	ErrRetired = abcierr.Register(Codespace, 16, "worker is retired: the chain no longer trusts its build or its TEE certificate")
	// ErrBadCollateral: TCB collateral or a CRL that is not the vendor's (Intel's, AMD's) or not current.
	ErrBadCollateral = abcierr.Register(Codespace, 17, "TEE collateral (TCB info or CRL) refused")
	// ErrKMSRefused refuses a sealing-key request (docs/keys.md, "KMS"); the
	// message names the check that failed.
	ErrKMSRefused = abcierr.Register(Codespace, 40, "sealing key request refused")
)

// WorkerID is a worker's identity public key (ed25519).
type WorkerID [32]byte

// String is the hex form used in queries and events.
func (id WorkerID) String() string { return hex.EncodeToString(id[:]) }

// MarshalText writes hex.
func (id WorkerID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText reads hex.
func (id *WorkerID) UnmarshalText(b []byte) error {
	p, err := ParseWorkerID(string(b))
	if err != nil {
		return err
	}
	*id = p
	return nil
}

// ParseWorkerID reads a 64-character hex worker id.
func ParseWorkerID(s string) (WorkerID, error) {
	var id WorkerID
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(id) {
		return id, fmt.Errorf("%w: worker id must be 64 hex characters, got %q", ErrUnknownWorker, s)
	}
	copy(id[:], b)
	return id, nil
}

// Worker is the chain's record of a registered worker.
type Worker struct {
	ID               WorkerID        `json:"id"`
	ECDHKey          HexBytes        `json:"ecdh_pubkey"`
	Operator         address.Address `json:"operator"`
	TEE              tee.Kind        `json:"tee"`
	Measurement      HexBytes        `json:"measurement"`
	Version          uint32          `json:"version"`
	Features         []string        `json:"features"`
	BenchmarkScore   uint64          `json:"benchmark_score"`
	RegisteredHeight int64           `json:"registered_height"`
	AttestedHeight   int64           `json:"attested_height"`
	Endpoint         string          `json:"endpoint"`
	// EndpointHeight is the signing height of the last endpoint update;
	// an update must carry a higher one, so old updates cannot be replayed.
	EndpointHeight int64 `json:"endpoint_height"`
	// Certs are the certificates of its last registration's attestation
	// that a CA's CRL may revoke (tee.Verified.Certs): a CRL the chain
	// installs later that lists one retires the worker.
	Certs []tee.CertRef `json:"certs,omitempty"`
	// Retired is set once the chain stopped trusting the worker (its
	// measurement left the allow-list, its TEE certificate was revoked):
	// it gets no more keys, is in no cluster and is never elected.
	Retired *Retirement `json:"retired,omitempty"`
}

// Retirement records when and why a worker was retired.
type Retirement struct {
	Height int64  `json:"height"`
	Reason string `json:"reason"`
}

// Active reports whether the worker is registered and not retired: only
// active workers receive keys.
func (w Worker) Active() bool { return w.Retired == nil }

// HexBytes marshals as hex in JSON.
type HexBytes []byte

// MarshalText writes hex.
func (h HexBytes) MarshalText() ([]byte, error) { return []byte(hex.EncodeToString(h)), nil }

// UnmarshalText reads hex.
func (h *HexBytes) UnmarshalText(b []byte) error {
	d, err := hex.DecodeString(string(b))
	if err != nil {
		return err
	}
	*h = d
	return nil
}

// Array32 is h as a 32-byte id, or an error when it is not 32 bytes long:
// ids in a node's answer are checked, never converted blindly, so that a
// malformed answer from a faulty or malicious node is an error, not a panic.
func (h HexBytes) Array32() ([32]byte, error) {
	if len(h) != 32 {
		return [32]byte{}, fmt.Errorf("id %x is %d bytes, want 32", []byte(h), len(h))
	}
	return [32]byte(h), nil
}

// Params govern which TEEs the chain trusts. Genesis alone sets
// AllowSimTEE and SimAttestationKeys (see CheckGoverned); the DAO changes
// the allow-list only through allow_measurement and remove_measurement,
// which retires the workers of a removed build, and sets the rest.
type Params struct {
	// AllowSimTEE admits workers with simulated attestation. Never on a
	// chain that carries value: sim gives no confidentiality.
	AllowSimTEE bool `json:"allow_sim_tee"`
	// SimAttestationKeys are the dev attestation keys a sim quote may be
	// signed with.
	SimAttestationKeys []HexBytes `json:"sim_attestation_keys"`
	// Measurements is the allow-list of code measurements per TEE kind.
	Measurements []Measurement `json:"measurements"`
	// MaxAttestationAge is how many blocks old the block named in a
	// WorkerInfo may be when the registration is executed.
	MaxAttestationAge int64 `json:"max_attestation_age"`
	// SEVSNPMinTCB is the least SEV-SNP TCB (per component) a worker's
	// report may carry; the DAO raises it as AMD ships fixes.
	SEVSNPMinTCB tee.SEVSNPTCB `json:"sevsnp_min_tcb"`
}

// Measurement is one allow-listed build.
type Measurement struct {
	TEE   tee.Kind `json:"tee"`
	Value HexBytes `json:"value"`
	Note  string   `json:"note,omitempty"`
}

// Validate checks the params.
func (p *Params) Validate() error {
	if p.MaxAttestationAge <= 0 || p.MaxAttestationAge > 100_000 {
		return fmt.Errorf("%w: max_attestation_age %d outside [1, 100000] blocks", ErrBadGenesis, p.MaxAttestationAge)
	}
	for i, k := range p.SimAttestationKeys {
		if len(k) != ed25519.PublicKeySize {
			return fmt.Errorf("%w: sim_attestation_keys[%d] is %d bytes, want 32", ErrBadGenesis, i, len(k))
		}
	}
	for i, m := range p.Measurements {
		switch m.TEE {
		case tee.KindSim, tee.KindTDX, tee.KindSEVSNP:
		default:
			return fmt.Errorf("%w: measurements[%d] has unknown tee %q", ErrBadGenesis, i, m.TEE)
		}
		if len(m.Value) == 0 {
			return fmt.Errorf("%w: measurements[%d] is empty", ErrBadGenesis, i)
		}
	}
	return nil
}

// CheckGoverned refuses a governance change from old to p that touches
// what genesis alone decides: whether sim TEEs are trusted and with which
// keys (a vote must never be able to let a forged quote in), and the
// allow-list outside allow_measurement and remove_measurement (which
// retire the workers of a removed build).
func (p *Params) CheckGoverned(old Params) error {
	if p.AllowSimTEE != old.AllowSimTEE {
		return fmt.Errorf("%w: allow_sim_tee (genesis says %v)", ErrGenesisFixed, old.AllowSimTEE)
	}
	if !slices.EqualFunc(p.SimAttestationKeys, old.SimAttestationKeys, func(a, b HexBytes) bool { return bytes.Equal(a, b) }) {
		return fmt.Errorf("%w: sim_attestation_keys", ErrGenesisFixed)
	}
	if !slices.EqualFunc(p.Measurements, old.Measurements, func(a, b Measurement) bool {
		return a.TEE == b.TEE && bytes.Equal(a.Value, b.Value) && a.Note == b.Note
	}) {
		return fmt.Errorf("%w: measurements change only through allow_measurement and remove_measurement proposals", ErrGenesisFixed)
	}
	return nil
}

// GovernedParam refuses, by name, a param that governance may not set;
// CheckGoverned is the check that counts, this one names it early.
func GovernedParam(name string) error {
	switch strings.ToLower(name) {
	case "allow_sim_tee", "sim_attestation_keys", "measurements":
		return fmt.Errorf("%w: %s", ErrGenesisFixed, name)
	}
	return nil
}

// allowed reports whether the measurement of kind is on the allow-list.
func (p *Params) allowed(kind tee.Kind, value []byte) bool {
	for _, m := range p.Measurements {
		if m.TEE == kind && bytes.Equal(m.Value, value) {
			return true
		}
	}
	return false
}

// simKeys returns the dev attestation keys.
func (p *Params) simKeys() []ed25519.PublicKey {
	out := make([]ed25519.PublicKey, len(p.SimAttestationKeys))
	for i, k := range p.SimAttestationKeys {
		out[i] = ed25519.PublicKey(k)
	}
	return out
}

// KMSRequest is a TDX worker's pending request for its sealing key: the
// gatekeepers answer it with the key encrypted to Ephemeral.
type KMSRequest struct {
	Worker      WorkerID `json:"worker"`
	Measurement HexBytes `json:"measurement"`
	// Ephemeral is the X25519 key the attested enclave made for this
	// request; only it can open the answer.
	Ephemeral HexBytes `json:"ephemeral"`
	Height    int64    `json:"height"`
}

// KMSReply is the gatekeepers' answer to a KMSRequest: the sealing key,
// sealed to the request's ephemeral key.
type KMSReply struct {
	Ephemeral HexBytes `json:"ephemeral"`
	Sealed    HexBytes `json:"sealed"`
	Height    int64    `json:"height"`
}
