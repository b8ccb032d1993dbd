package agenthost

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"sync/atomic"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/egress"
	"github.com/phalanetwork/phala/evm/anchorsig"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/gatekeeper"
)

// EVMRequest is an anchor's AgentRequest as the host read it from the EVM
// chain: untrusted input, like any HTTP call (docs/evm.md, "How the
// enclave treats EVM input").
type EVMRequest struct {
	ChainID *big.Int
	Anchor  [20]byte
	Agent   [32]byte
	ID      *big.Int
	Payload []byte
	// Relayer is the EVM account that will submit the answer; the
	// signature binds it, so nobody else can collect the payment.
	Relayer [20]byte
}

// EVMAnswer is an agent's answer to an EVM request, signed with the
// agent's answer key of its cluster's current epoch.
type EVMAnswer struct {
	Result []byte
	// PayloadHash is keccak256 of the payload the agent answered, which
	// the signature covers and the anchor compares with the request's.
	PayloadHash [32]byte
	// Signer is the answer key's address, which the anchor must have
	// authorized for the agent.
	Signer [20]byte
	Sig    []byte
}

// PathEVM is the path an agent sees for a bridged EVM request.
const PathEVM = "/evm/request"

// SecretEVMAPIKey names the agent secret that holds the API key bridged
// calls are made with: the owner's consent to pay for them (phala evm
// bridge sets it). It is sealed to the cluster, so the host never sees
// it, and an agent without it is not bridged.
const SecretEVMAPIKey = "PHALA_EVM_API_KEY"

// AnswerEVM runs the agent on an EVM request's payload (a POST to
// PathEVM, authenticated and billed as any call) and signs the result
// with the agent's answer key, which never leaves the enclave.
func (host *Host) AnswerEVM(ctx context.Context, src chainsync.Source, r EVMRequest) (EVMAnswer, error) {
	if r.ChainID == nil || r.ID == nil || r.ID.Sign() < 0 {
		return EVMAnswer{}, fmt.Errorf("%w: evm request: no chain id or request id", ErrUnauthorized)
	}
	key, signer, err := host.answerKey(ctx, src, r.Agent)
	if err != nil {
		return EVMAnswer{}, err
	}
	auth, err := host.evmAPIKey(ctx, src, r.Agent)
	if err != nil {
		return EVMAnswer{}, err
	}
	h := http.Header{}
	h.Set("Authorization", "Bearer "+auth)
	h.Set("Content-Type", "application/octet-stream")
	h.Set("X-Evm-Request-Id", r.ID.String())
	uri := "/agents/" + hex.EncodeToString(r.Agent[:]) + PathEVM
	c, err := host.authenticateKey(ctx, src, r.Agent, http.MethodPost, uri, h, r.Payload)
	if err != nil {
		return EVMAnswer{}, fmt.Errorf("evm request %s: %w", r.ID, err)
	}
	req := Request{Agent: r.Agent, Method: http.MethodPost, URI: uri, Path: PathEVM, Headers: h, Body: r.Payload}
	cc := &callCtx{caller: c, root: r.Agent, hops: new(atomic.Uint32), session: egress.NewSession(host.runtime().Egress), prices: &hopPrices{}}
	out, err := host.runAgent(ctx, src, cc, req)
	if err != nil {
		return EVMAnswer{}, fmt.Errorf("evm request %s: %w", r.ID, err)
	}
	if out.Status < 200 || out.Status > 299 {
		return EVMAnswer{}, fmt.Errorf("evm request %s: %w: the agent answered status %d", r.ID, ErrAgentFailed, out.Status)
	}
	res := []byte(out.Body)
	// The signature covers the hash of the payload the agent ran on: the
	// anchor accepts it only if that is the hash it stored for the request,
	// so a host that edits the payload gets an answer that fails there.
	ph := agentio.Keccak256(r.Payload)
	sig := anchorsig.Sign(key, anchorsig.AnswerDigest(r.ChainID, r.Anchor, r.ID, ph, res, r.Relayer))
	return EVMAnswer{Result: res, PayloadHash: ph, Signer: signer, Sig: sig}, nil
}

// EVMAnswerKey is the address of the agent's answer key of its cluster's
// current epoch, which this member holds (what a gatekeeper authorizes).
func (host *Host) EVMAnswerKey(ctx context.Context, src chainsync.Source, agent [32]byte) ([20]byte, error) {
	_, a, err := host.answerKey(ctx, src, agent)
	return a, err
}

// answerKey derives the agent's answer key from the contract key of its
// cluster's current epoch (the epoch the gatekeeper authorizes); a worker
// not holding that epoch's cluster key has none.
func (host *Host) answerKey(ctx context.Context, src chainsync.Source, agent [32]byte) (*secp256k1.PrivateKey, [20]byte, error) {
	_, rec, h, err := host.agentRecords(ctx, src, agent)
	if err != nil {
		return nil, [20]byte{}, err
	}
	raw, err := host.core.CachedAt(ctx, src, clusters.ClusterKey([32]byte(rec.Cluster)), h)
	if err != nil || raw == nil {
		return nil, [20]byte{}, fmt.Errorf("enclave: evm answer key: agent %x: cluster not on chain: %v", agent, err)
	}
	var cl clusters.Cluster
	if err := json.Unmarshal(raw, &cl); err != nil {
		return nil, [20]byte{}, fmt.Errorf("enclave: evm answer key: cluster record: %w", err)
	}
	ck, ok, err := host.core.ContractKey([32]byte(rec.Cluster), agent, cl.Epoch)
	if err != nil {
		return nil, [20]byte{}, fmt.Errorf("enclave: evm answer key: %w", err)
	}
	if !ok {
		return nil, [20]byte{}, fmt.Errorf("%w: evm answer key: this worker holds no key of agent %x's cluster epoch %d", ErrNoAgent, agent, cl.Epoch)
	}
	key, err := gatekeeper.AnswerKey(ck.Secret, ck.Label)
	if err != nil {
		return nil, [20]byte{}, err
	}
	return key, anchorsig.Address(key), nil
}

// evmAPIKey is the API key, from the agent's sealed secrets, that backs
// its bridged calls.
func (host *Host) evmAPIKey(ctx context.Context, src chainsync.Source, agent [32]byte) (string, error) {
	a, rec, _, err := host.agentRecords(ctx, src, agent)
	if err != nil {
		return "", err
	}
	secrets, err := host.agentSecrets(rec, a)
	if err != nil {
		return "", err
	}
	k, _ := secrets[SecretEVMAPIKey].(string)
	if k == "" {
		return "", fmt.Errorf("%w: evm request: agent %x is not bridged: its owner set no %s secret (phala evm bridge)", ErrForbidden, agent, SecretEVMAPIKey)
	}
	return k, nil
}
