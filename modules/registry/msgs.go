package registry

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/tee"
)

// Message types of the registry module.
const (
	TypeRegisterWorker = "registry/register_worker"
	TypeUpdateEndpoint = "registry/update_endpoint"
	TypeRequestKey     = "registry/request_sealing_key"
)

// Topics of the registry's mq messages.
const (
	// TopicBenchmark (worker to chain) carries a worker's latest benchmark
	// score (a uvarint).
	TopicBenchmark = "registry/benchmark"
	// TopicRegistered (chain to worker) carries the height (a uvarint) at
	// which the chain accepted the worker's attestation.
	TopicRegistered = "registry/registered"
)

// KMSReportDomain prefixes what a sealing-key request's attestation binds.
const KMSReportDomain = "phala/kms/request/v1\x00"

// KMSReportData is what the attestation of a sealing-key request binds:
// SHA-256 over the domain, the chain's genesis hash, the worker and the
// ephemeral key, in the first 32 bytes.
func KMSReportData(genesisHash [32]byte, worker WorkerID, ephemeral []byte) [tee.ReportDataSize]byte {
	h := sha256.New()
	h.Write([]byte(KMSReportDomain))
	h.Write(genesisHash[:])
	h.Write(worker[:])
	h.Write(ephemeral)
	var rd [tee.ReportDataSize]byte
	copy(rd[:], h.Sum(nil))
	return rd
}

// MsgRequestSealingKey asks the gatekeepers for a TDX worker's sealing key
// (docs/keys.md, "KMS"). The worker's operator sends it; the attestation
// binds the ephemeral key the answer is sealed to.
type MsgRequestSealingKey struct {
	Worker      WorkerID
	Ephemeral   [32]byte
	Attestation tee.Attestation
}

// Type implements tx.Msg.
func (m *MsgRequestSealingKey) Type() string { return TypeRequestKey }

// Encode implements tx.Msg: worker, ephemeral key, attestation.
func (m *MsgRequestSealingKey) Encode(w *wire.Writer) {
	w.Raw(m.Worker[:])
	w.Raw(m.Ephemeral[:])
	w.VarBytes(m.Attestation.Encode())
}

// ValidateBasic implements tx.Msg.
func (m *MsgRequestSealingKey) ValidateBasic() error {
	if m.Ephemeral == [32]byte{} {
		return fmt.Errorf("%w: no ephemeral key", ErrKMSRefused)
	}
	return nil
}

func decodeRequestKey(r *wire.Reader) tx.Msg {
	m := &MsgRequestSealingKey{Worker: WorkerID(r.Bytes32()), Ephemeral: r.Bytes32()}
	m.Attestation = decodeAttestation(r)
	return m
}

// MaxEvidence bounds the attestation evidence inside a message.
const MaxEvidence = 64 << 10

// MsgRegisterWorker registers (or re-attests) a worker. The sender must be
// the operator named in Info.
type MsgRegisterWorker struct {
	Info        WorkerInfo
	Attestation tee.Attestation
}

// Type implements tx.Msg.
func (m *MsgRegisterWorker) Type() string { return TypeRegisterWorker }

// Encode implements tx.Msg: the WorkerInfo, then the attestation.
func (m *MsgRegisterWorker) Encode(w *wire.Writer) {
	m.Info.Encode(w)
	w.VarBytes(m.Attestation.Encode())
}

// ValidateBasic implements tx.Msg.
func (m *MsgRegisterWorker) ValidateBasic() error { return m.Info.Validate() }

func decodeRegisterWorker(r *wire.Reader) tx.Msg {
	m := &MsgRegisterWorker{Info: DecodeWorkerInfo(r)}
	m.Attestation = decodeAttestation(r)
	return m
}

// decodeAttestation reads an attestation in its bytes field, failing r if
// it does not decode.
func decodeAttestation(r *wire.Reader) tee.Attestation {
	raw := r.VarBytes(MaxEvidence + 256)
	if r.Err() != nil {
		return tee.Attestation{}
	}
	att, err := tee.DecodeAttestation(raw)
	if err != nil {
		r.Fail("attestation: %v", err)
	}
	return att
}

// EndpointSignDomain prefixes what a worker signs to change its endpoint.
const EndpointSignDomain = "phala/registry/endpoint/v1\x00"

// MsgUpdateEndpoint sets the public endpoint of a worker. The worker's
// identity key signs it, so an operator's account alone cannot redirect
// clients; Height must exceed the last update's, so updates cannot be
// replayed.
type MsgUpdateEndpoint struct {
	Worker    WorkerID
	Endpoint  string
	Height    int64
	Signature []byte
}

// SignBytes is what the worker signs.
func (m *MsgUpdateEndpoint) SignBytes(chainID string) []byte {
	w := wire.NewWriter(128)
	w.Raw([]byte(EndpointSignDomain))
	w.String(chainID)
	w.Raw(m.Worker[:])
	w.String(m.Endpoint)
	var h [8]byte
	binary.BigEndian.PutUint64(h[:], uint64(m.Height))
	w.Raw(h[:])
	return w.Bytes()
}

// Sign fills Worker and Signature with the identity key.
func (m *MsgUpdateEndpoint) Sign(chainID string, key ed25519.PrivateKey) {
	copy(m.Worker[:], key.Public().(ed25519.PublicKey))
	m.Signature = ed25519.Sign(key, m.SignBytes(chainID))
}

// Type implements tx.Msg.
func (m *MsgUpdateEndpoint) Type() string { return TypeUpdateEndpoint }

// Encode implements tx.Msg.
func (m *MsgUpdateEndpoint) Encode(w *wire.Writer) {
	w.Raw(m.Worker[:])
	w.String(m.Endpoint)
	w.Uvarint(uint64(m.Height))
	w.Raw(m.Signature)
}

// ValidateBasic implements tx.Msg.
func (m *MsgUpdateEndpoint) ValidateBasic() error {
	if len(m.Signature) != ed25519.SignatureSize {
		return fmt.Errorf("%w: signature must be %d bytes", ErrBadWorkerSignature, ed25519.SignatureSize)
	}
	if m.Height <= 0 {
		return fmt.Errorf("%w: height must be positive", tx.ErrInvalidMsg)
	}
	return nil
}

func decodeUpdateEndpoint(r *wire.Reader) tx.Msg {
	m := &MsgUpdateEndpoint{}
	copy(m.Worker[:], r.Raw(32))
	m.Endpoint = r.String(MaxEndpoint)
	m.Height = int64(r.Uvarint())
	m.Signature = clone(r.Raw(ed25519.SignatureSize))
	return m
}

// WorkerInfoVersion is the current WorkerInfo layout.
const WorkerInfoVersion = 1

// Bounds on WorkerInfo fields.
const (
	MaxFeatures   = 16
	MaxFeatureLen = 32
	MaxEndpoint   = 256
)

// WorkerInfo is what a worker's enclave states about itself. Its SHA-256
// is the report data of the worker's attestation, so the TEE vouches for
// every field: the keys were made inside it, for this chain, for this
// operator, at a recent block.
type WorkerInfo struct {
	Version        uint32
	IdentityKey    ed25519.PublicKey // 32 bytes
	ECDHKey        []byte            // X25519, 32 bytes
	ChainID        string
	GenesisHash    [32]byte
	Operator       address.Address
	Features       []string
	BenchmarkScore uint64
	// AttestedHeight and AttestedBlockHash name a recent block the enclave
	// verified through its light client; they make the attestation fresh.
	AttestedHeight    int64
	AttestedBlockHash []byte // 32 bytes
}

// Encode writes the canonical encoding.
func (w *WorkerInfo) Encode(wr *wire.Writer) {
	wr.Uvarint(uint64(w.Version))
	wr.Raw(w.IdentityKey)
	wr.Raw(w.ECDHKey)
	wr.String(w.ChainID)
	wr.Raw(w.GenesisHash[:])
	wr.Address(w.Operator)
	wr.Uvarint(uint64(len(w.Features)))
	for _, f := range w.Features {
		wr.String(f)
	}
	wr.Uvarint(w.BenchmarkScore)
	wr.Uvarint(uint64(w.AttestedHeight))
	wr.Raw(w.AttestedBlockHash)
}

// Bytes returns the canonical encoding.
func (w *WorkerInfo) Bytes() []byte {
	wr := wire.NewWriter(256)
	w.Encode(wr)
	return wr.Bytes()
}

// DecodeWorkerInfo reads a WorkerInfo written by Encode.
func DecodeWorkerInfo(r *wire.Reader) WorkerInfo {
	var w WorkerInfo
	w.Version = uint32(r.Uvarint())
	w.IdentityKey = ed25519.PublicKey(clone(r.Raw(ed25519.PublicKeySize)))
	w.ECDHKey = clone(r.Raw(32))
	w.ChainID = r.String(64)
	copy(w.GenesisHash[:], r.Raw(32))
	w.Operator = r.Address()
	n := r.Uvarint()
	if n > MaxFeatures {
		r.Fail("%d features, at most %d", n, MaxFeatures)
		return w
	}
	for i := uint64(0); i < n && r.Err() == nil; i++ {
		w.Features = append(w.Features, r.String(MaxFeatureLen))
	}
	w.BenchmarkScore = r.Uvarint()
	w.AttestedHeight = int64(r.Uvarint())
	w.AttestedBlockHash = clone(r.Raw(32))
	return w
}

// ReportData is what the attestation must carry: SHA-256 of the canonical
// WorkerInfo, then 32 zero bytes.
func (w *WorkerInfo) ReportData() [tee.ReportDataSize]byte {
	var rd [tee.ReportDataSize]byte
	sum := sha256.Sum256(w.Bytes())
	copy(rd[:], sum[:])
	return rd
}

// ID is the worker id: the identity public key.
func (w *WorkerInfo) ID() WorkerID {
	var id WorkerID
	copy(id[:], w.IdentityKey)
	return id
}

// Validate checks the fields that need no state.
func (w *WorkerInfo) Validate() error {
	switch {
	case w.Version != WorkerInfoVersion:
		return fmt.Errorf("%w: version %d, want %d", ErrInvalidWorkerInfo, w.Version, WorkerInfoVersion)
	case len(w.IdentityKey) != ed25519.PublicKeySize || len(w.ECDHKey) != 32:
		return fmt.Errorf("%w: identity and ECDH keys must be 32 bytes", ErrInvalidWorkerInfo)
	case w.Operator.IsZero():
		return fmt.Errorf("%w: no operator", ErrInvalidWorkerInfo)
	case w.AttestedHeight <= 0 || len(w.AttestedBlockHash) != 32:
		return fmt.Errorf("%w: no attested block", ErrInvalidWorkerInfo)
	case w.BenchmarkScore == 0:
		return fmt.Errorf("%w: benchmark score is zero", ErrInvalidWorkerInfo)
	}
	return nil
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}
