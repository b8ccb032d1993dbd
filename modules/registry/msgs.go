package registry

import (
	"crypto/ed25519"
	"encoding/binary"
	"fmt"

	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/tee"
)

// Message types of the registry module.
const (
	TypeRegisterWorker = "registry/register_worker"
	TypeUpdateEndpoint = "registry/update_endpoint"
)

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
	raw := r.VarBytes(MaxEvidence + 256)
	if r.Err() != nil {
		return m
	}
	att, err := tee.DecodeAttestation(raw)
	if err != nil {
		r.Fail("attestation: %v", err)
		return m
	}
	m.Attestation = att
	return m
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
