package core

import (
	"context"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/contractio"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/crypto/envelope"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/tee"
)

// Version is the pruntime version a worker reports in its WorkerInfo.
const Version = "0.1.0"

// Features the pruntime supports, reported in its WorkerInfo.
var Features = []string{"mq/v1"}

// SimCode is what a sim provider measures: sim has no code hash, so the
// measurement names the pruntime version, and a devnet allow-lists it.
const SimCode = "phala-pruntime/" + Version

// Registration builds the registration message: a WorkerInfo naming a
// recent verified block, and an attestation over it. It names the block
// before the latest: a header can be verified (its commit is public) before
// the application has committed that block, but the one before it is
// always applied.
func (c *Core) Registration(operator address.Address, score uint64) (*registry.MsgRegisterWorker, error) {
	h := c.sync.Height() - 1
	anchor, ok := c.sync.Header(h)
	if h < 1 || !ok {
		return nil, fmt.Errorf("enclave: need two verified blocks to attest against, have %d", h+1)
	}
	info := registry.WorkerInfo{
		Version:           registry.WorkerInfoVersion,
		IdentityKey:       c.PublicKey(),
		ECDHKey:           c.ECDHPublicKey(),
		ChainID:           c.chainID,
		GenesisHash:       c.genesisHash,
		Operator:          operator,
		Features:          append([]string(nil), Features...),
		BenchmarkScore:    score,
		AttestedHeight:    anchor.Height,
		AttestedBlockHash: anchor.Hash(),
	}
	att, err := tee.Attest(c.provider, info.ReportData())
	if err != nil {
		return nil, fmt.Errorf("enclave: attest: %w", err)
	}
	return &registry.MsgRegisterWorker{Info: info, Attestation: att}, nil
}

// EndpointUpdate signs a change of this worker's public endpoint at the
// latest verified height.
func (c *Core) EndpointUpdate(endpoint string) (*registry.MsgUpdateEndpoint, error) {
	h := c.SyncedHeight()
	if h == 0 {
		return nil, fmt.Errorf("enclave: no verified block yet")
	}
	m := &registry.MsgUpdateEndpoint{Endpoint: endpoint, Height: h}
	m.Sign(c.chainID, c.identity)
	return m, nil
}

// AttestationReport is fresh attestation evidence binding a caller's
// nonce to this worker's identity key.
type AttestationReport struct {
	Worker   string `json:"worker"`
	TEE      string `json:"tee"`
	Nonce    string `json:"nonce"`
	Evidence []byte `json:"evidence"`
}

// ReportData is what an attestation report binds: SHA-256 over a domain,
// the worker id and the caller's nonce, in the first 32 bytes.
func ReportData(worker [32]byte, nonce []byte) [tee.ReportDataSize]byte {
	return hashedReportData("phala/attestation-report/v1\x00", worker[:], nonce)
}

// hashedReportData is report data that binds parts under a domain:
// SHA-256 over the domain and the parts, in the first 32 bytes.
func hashedReportData(domain string, parts ...[]byte) [tee.ReportDataSize]byte {
	h := sha256.New()
	h.Write([]byte(domain))
	for _, p := range parts {
		h.Write(p)
	}
	var rd [tee.ReportDataSize]byte
	copy(rd[:], h.Sum(nil))
	return rd
}

// Attest returns an attestation report for a caller's nonce (1 to 64
// bytes), so a client can check that the key signing answers lives in a
// TEE running the expected code.
// It waits for a public quote slot until ctx ends (ErrBusy).
func (c *Core) Attest(ctx context.Context, nonce []byte) (AttestationReport, error) {
	if len(nonce) == 0 || len(nonce) > 64 {
		return AttestationReport{}, errors.New("nonce must be 1 to 64 bytes")
	}
	id := c.ID()
	ev, err := c.publicQuote(ctx, ReportData(id, nonce))
	if err != nil {
		return AttestationReport{}, err
	}
	return AttestationReport{Worker: id.String(), TEE: string(c.provider.Kind()), Nonce: hex.EncodeToString(nonce), Evidence: ev}, nil
}

// SealTo encrypts plaintext for a worker: to the ECDH key of its chain
// record (read through the light client), from this enclave's identity.
// It returns the encoded envelope.
func (c *Core) SealTo(ctx context.Context, src chainsync.Source, id [32]byte, purpose string, plaintext []byte) ([]byte, error) {
	raw, _, err := c.State(ctx, src, registry.WorkerKey(registry.WorkerID(id)))
	if err != nil || raw == nil {
		return nil, fmt.Errorf("enclave: worker %x: %v", id, err)
	}
	var w registry.Worker
	if err := json.Unmarshal(raw, &w); err != nil {
		return nil, err
	}
	pub, err := ecdh.X25519().NewPublicKey(w.ECDHKey)
	if err != nil {
		return nil, fmt.Errorf("enclave: worker %x ECDH key: %w", id, err)
	}
	env, err := envelope.Seal(pub, purpose, c.PublicKey(), plaintext)
	if err != nil {
		return nil, err
	}
	return env.Encode(), nil
}

// OpenSealed decodes and opens an envelope sent to this enclave; an error
// means it is malformed, for another key or purpose, or tampered with.
func (c *Core) OpenSealed(purpose string, raw []byte) ([]byte, error) {
	env, err := envelope.Decode(raw)
	if err != nil {
		return nil, err
	}
	return envelope.Open(c.ecdh, purpose, env)
}

// DiscloseKey returns the key of one envelope sent to this enclave, so the
// chain can open that envelope, and only it, to judge a complaint about
// what it held.
func (c *Core) DiscloseKey(raw []byte) ([]byte, error) {
	env, err := envelope.Decode(raw)
	if err != nil {
		return nil, err
	}
	return envelope.DiscloseKey(c.ecdh, env)
}

// SignAnswer signs an answer with the worker identity: it fills in the
// chain id, the worker and the time (now, from the role's clock: the core
// reads no clock itself) and returns the answer as signed with its
// signature.
func (c *Core) SignAnswer(a agentio.Answer, now time.Time) (agentio.Answer, []byte) {
	a.ChainID = c.chainID
	a.Worker = [32]byte(c.PublicKey())
	a.Time = now.UnixMilli()
	return a, a.Sign(c.identity)
}

// SignQueryResponse makes the answer to a contract query: the sealed
// answer, signed with the worker identity over the request and it.
func (c *Core) SignQueryResponse(request, sealedAnswer []byte) contractio.QueryResponse {
	return contractio.QueryResponse{
		Worker:    c.PublicKey(),
		Sealed:    sealedAnswer,
		Signature: ed25519.Sign(c.identity, contractio.ResponseSignBytes(c.chainID, request, sealedAnswer)),
	}
}
