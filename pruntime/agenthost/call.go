package agenthost

import (
	"context"
	"crypto/ecdh"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/crypto/envelope"
	"github.com/phalanetwork/phala/egress"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/pruntime/chainsync"
)

// Agent call errors; the worker maps each to an HTTP status.
var (
	ErrUnauthorized = errors.New("unauthorized")       // 401
	ErrForbidden    = errors.New("forbidden")          // 403
	ErrPayment      = errors.New("payment required")   // 402
	ErrNoAgent      = errors.New("no such agent here") // 404
	ErrReplay       = errors.New("request replayed")   // 409
	ErrAgentFailed  = errors.New("agent failed")       // 500
)

// Request is an HTTP request to an agent as the host received it.
type Request struct {
	Agent [32]byte
	// Method, URI (path and query as the caller signed them: the
	// gateway's /agents/<id>/... path) and Path (below the agent id).
	Method  string
	URI     string
	Path    string
	Query   url.Values
	Headers http.Header
	Body    []byte
}

// Response is the handler's answer with the worker's proof over it.
type Response struct {
	Status  int
	Headers map[string]string
	Body    []byte
	Proof   agentio.Proof
}

// agentRecords reads an agent's two chain records with proofs.
func (host *Host) agentRecords(ctx context.Context, src chainsync.Source, id [32]byte) (agents.Agent, contracts.Contract, int64, error) {
	raw, h, err := host.core.Cached(ctx, src, agents.AgentKey(id))
	if err != nil {
		return agents.Agent{}, contracts.Contract{}, 0, err
	}
	if raw == nil {
		return agents.Agent{}, contracts.Contract{}, 0, fmt.Errorf("%w: %x is not an agent", ErrNoAgent, id)
	}
	var a agents.Agent
	if err := json.Unmarshal(raw, &a); err != nil {
		return a, contracts.Contract{}, 0, err
	}
	b, err := host.core.CachedAt(ctx, src, contracts.ContractKey(id), h)
	if err != nil || b == nil {
		return a, contracts.Contract{}, 0, fmt.Errorf("enclave: agent %x has no contract record: %v", id, err)
	}
	var c contracts.Contract
	return a, c, h, json.Unmarshal(b, &c)
}

// callCtx is one chain of agent calls: the first caller pays every hop.
type callCtx struct {
	caller  caller
	depth   int
	session *egress.Session
	tokens  tokenMeter
}

// CallAgent serves an HTTP request to an agent: it authenticates the
// caller, checks the agent's policy, the paused flag and the caller's
// escrow on chain, runs the handler with the agent's secrets, signs the
// response with the worker identity over the request and the response, and
// queues a usage receipt.
func (host *Host) CallAgent(ctx context.Context, src chainsync.Source, req Request) (Response, error) {
	c, err := host.authenticate(ctx, src, req.Agent, req.Method, req.URI, req.Headers, req.Body)
	if err != nil {
		return Response{}, err
	}
	var reply *ecdh.PublicKey
	if req.Headers.Get(agentio.HeaderSealed) != "" {
		if req, reply, err = host.openSealedRequest(ctx, src, req); err != nil {
			return Response{}, err
		}
	}
	rt := host.runtime()
	cc := &callCtx{caller: c, session: egress.NewSession(rt.Egress)}
	out, err := host.runAgent(ctx, src, cc, req)
	if err != nil {
		return Response{}, err
	}
	resp := Response{Status: out.Status, Headers: out.Headers, Body: []byte(out.Body)}
	if reply != nil {
		plain, _ := json.Marshal(agentio.SealedResponse{Status: out.Status, Headers: out.Headers, Body: out.Body})
		id := host.core.ID()
		env, err := envelope.Seal(reply, envelope.PurposeAgentResponse, id[:], plain)
		if err != nil {
			return Response{}, err
		}
		resp = Response{Status: http.StatusOK, Headers: map[string]string{"content-type": "application/octet-stream", strings.ToLower(agentio.HeaderSealed): "1"}, Body: env.Encode()}
	}
	resp.Proof = host.core.Prove(c.hash, resp.Status, resp.Body)
	return resp, nil
}

// openSealedRequest opens a request body sealed to the agent's key (of the
// current epoch or an earlier one) and returns the inner request and the
// caller's reply key.
func (host *Host) openSealedRequest(ctx context.Context, src chainsync.Source, req Request) (Request, *ecdh.PublicKey, error) {
	_, rec, _, err := host.agentRecords(ctx, src, req.Agent)
	if err != nil {
		return req, nil, err
	}
	env, err := envelope.Decode(req.Body)
	if err != nil {
		return req, nil, fmt.Errorf("%w: sealed body: %v", ErrUnauthorized, err)
	}
	var plain []byte
	for ep := rec.KeyEpoch + 1; ep > 0 && plain == nil; ep-- {
		k, ok, err := host.core.ContractKey([32]byte(rec.Cluster), req.Agent, ep-1)
		if err != nil || !ok || string(k.Pairs.ECDH.PublicKey().Bytes()) != string(env.Recipient[:]) {
			continue
		}
		if plain, err = envelope.Open(k.Pairs.ECDH, envelope.PurposeAgentRequest, env); err != nil {
			return req, nil, fmt.Errorf("%w: sealed body does not open: %v", ErrUnauthorized, err)
		}
	}
	if plain == nil {
		return req, nil, fmt.Errorf("%w: the body is sealed to a key this worker does not hold", ErrUnauthorized)
	}
	var in agentio.SealedRequest
	if err := json.Unmarshal(plain, &in); err != nil {
		return req, nil, fmt.Errorf("%w: sealed request: %v", ErrUnauthorized, err)
	}
	reply, err := ecdh.X25519().NewPublicKey(in.ReplyKey)
	if err != nil {
		return req, nil, fmt.Errorf("%w: reply key: %v", ErrUnauthorized, err)
	}
	if in.Method != "" {
		req.Method = in.Method
	}
	if in.Path != "" {
		req.Path = in.Path
	}
	if in.Query != nil {
		req.Query = in.Query
	}
	h := http.Header{}
	for k, v := range in.Headers {
		h.Set(k, v)
	}
	req.Headers, req.Body = h, []byte(in.Body)
	return req, reply, nil
}

// runAgent is one hop: policy, payment and the handler.
func (host *Host) runAgent(ctx context.Context, src chainsync.Source, cc *callCtx, req Request) (agentOutput, error) {
	a, rec, _, err := host.agentRecords(ctx, src, req.Agent)
	if err != nil {
		return agentOutput{}, err
	}
	if a.Paused {
		return agentOutput{}, fmt.Errorf("%w: agent %x is paused by its owner", ErrForbidden, req.Agent)
	}
	if len(cc.caller.scope) != 0 && [32]byte(cc.caller.scope) != req.Agent {
		return agentOutput{}, fmt.Errorf("%w: the API key is limited to agent %x", ErrForbidden, cc.caller.scope)
	}
	if err := host.checkPolicy(ctx, src, a, req.Agent, cc.caller.addr); err != nil {
		return agentOutput{}, err
	}
	if err := host.checkEscrow(ctx, src, cc.caller.addr, a.Price); err != nil {
		return agentOutput{}, err
	}
	if held, err := host.core.HoldsClusterKey([32]byte(rec.Cluster), rec.KeyEpoch); err != nil || !held {
		return agentOutput{}, fmt.Errorf("%w: this worker holds no key of the agent's cluster epoch %d", ErrNoAgent, rec.KeyEpoch)
	}
	secret, err := host.agentSecrets(rec, a)
	if err != nil {
		return agentOutput{}, err
	}
	prog, err := host.agentProgram(ctx, src, [32]byte(rec.Code))
	if err != nil {
		return agentOutput{}, fmt.Errorf("%w: %w", ErrAgentFailed, err)
	}
	headers := map[string]string{}
	for k, v := range req.Headers {
		lk := strings.ToLower(k)
		if lk == "authorization" || strings.HasPrefix(lk, "x-phala-") {
			continue // credentials stay with the enclave
		}
		headers[lk] = strings.Join(v, ", ")
	}
	queries := map[string][]string{}
	for k, v := range req.Query {
		queries[k] = v
	}
	in := map[string]any{"method": req.Method, "path": req.Path, "queries": queries, "headers": headers, "body": string(req.Body), "secret": secret}
	rt := host.runtime()
	res, err := prog.Call(ctx, "__phala_agent", []any{in}, host.agentEnv(ctx, src, cc, req.Agent, [32]byte(rec.Code)), rt.Limits)
	host.queueReceipt(agents.Receipt{Agent: req.Agent, Caller: cc.caller.addr, Request: hopHash(cc.caller.hash, cc.depth), Tokens: cc.tokens.total(), Requests: uint64(cc.session.Used()), Issued: cc.caller.issued})
	if err != nil {
		host.agentLog(req.Agent, "error", "call failed: "+err.Error())
		return agentOutput{}, fmt.Errorf("%w: %w", ErrAgentFailed, err)
	}
	var out agentOutput
	if err := json.Unmarshal(res.Value, &out); err != nil {
		return agentOutput{}, fmt.Errorf("%w: handler result: %v", ErrAgentFailed, err)
	}
	return out, nil
}

// hopHash gives each hop of a call chain its own receipt id.
func hopHash(h [32]byte, depth int) [32]byte {
	if depth == 0 {
		return h
	}
	return sha256.Sum256(append(h[:], byte(depth)))
}

// checkPolicy is the one place an agent call's policy is checked: the
// agent's on-chain policy allows the caller, or its policy contract (asked
// through the contract replica at the clock's time) answers true.
func (host *Host) checkPolicy(ctx context.Context, src chainsync.Source, a agents.Agent, id [32]byte, who address.Address) error {
	if a.Policy.Allows(a.Owner, who) {
		return nil
	}
	if a.Policy.Kind == agents.PolicyContract {
		q, _ := json.Marshal(map[string]any{"allow": map[string]string{"agent": hex.EncodeToString(id[:]), "caller": who.String()}})
		r, err := host.policy(ctx, src, [32]byte(a.Policy.Contract), who.String(), q, host.clock())
		if err != nil {
			return fmt.Errorf("%w: the agent's policy contract could not be asked here: %v", ErrForbidden, err)
		}
		if r.OK && string(r.Value) == "true" {
			return nil
		}
		return fmt.Errorf("%w: the agent's policy contract refuses %s", ErrForbidden, who)
	}
	return fmt.Errorf("%w: %s may not call agent %x (policy %s)", ErrForbidden, who, id, a.Policy.Kind)
}

// checkEscrow refuses a caller whose escrow cannot pay the agent's price
// and the call fee.
func (host *Host) checkEscrow(ctx context.Context, src chainsync.Source, who address.Address, price pha.Amount) error {
	raw, h, err := host.core.Cached(ctx, src, agents.EscrowKey(who))
	if err != nil {
		return err
	}
	var bal pha.Amount
	if raw != nil {
		if bal, err = pha.FromBytes(raw); err != nil {
			return err
		}
	}
	pr, err := host.core.CachedAt(ctx, src, []byte("agents/params"), h)
	if err != nil {
		return err
	}
	var p agents.Params
	if err := json.Unmarshal(pr, &p); err != nil {
		return err
	}
	need, err := price.Add(p.CallFee)
	if err != nil {
		return err
	}
	if bal.LT(need) {
		return fmt.Errorf("%w: %s has %s in escrow, a call costs at least %s (deposit with: phala agent deposit AMOUNT)", ErrPayment, who, bal.PHA(), need.PHA())
	}
	return nil
}
