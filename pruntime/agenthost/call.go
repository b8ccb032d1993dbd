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
	"net/textproto"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/crypto/envelope"
	"github.com/phalanetwork/phala/egress"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/core"
)

// Agent call errors; the worker maps each to an HTTP status.
var (
	ErrUnauthorized = errors.New("unauthorized")        // 401
	ErrForbidden    = errors.New("forbidden")           // 403
	ErrPayment      = errors.New("payment required")    // 402
	ErrNoAgent      = errors.New("no such agent here")  // 404
	ErrReplay       = errors.New("request replayed")    // 409
	ErrWrongWorker  = errors.New("misdirected request") // 421: signed for another worker
	ErrAgentFailed  = errors.New("agent failed")        // 500
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

// Response is the handler's answer as the worker sends it (status,
// every header, body) with the worker's signed answer over it.
type Response struct {
	Status    int
	Headers   map[string]string
	Body      []byte
	Answer    agentio.Answer
	Signature []byte
}

// agentRecords reads an agent's two chain records with proofs (decoded
// once per height: records.go).
func (host *Host) agentRecords(ctx context.Context, src chainsync.Source, id [32]byte) (agents.Agent, contracts.Contract, int64, error) {
	raw, h, err := host.core.Cached(ctx, src, agents.AgentKey(id))
	if err != nil {
		return agents.Agent{}, contracts.Contract{}, 0, err
	}
	if raw == nil {
		return agents.Agent{}, contracts.Contract{}, 0, fmt.Errorf("%w: %x is not an agent", ErrNoAgent, id)
	}
	a, c, err := host.records.get(id, h, raw, func() ([]byte, error) {
		b, err := host.core.CachedAt(ctx, src, contracts.ContractKey(id), h)
		if err != nil || b == nil {
			return nil, fmt.Errorf("enclave: agent %x has no contract record: %v", id, err)
		}
		return b, nil
	})
	return a, c, h, err
}

// callCtx is one hop of a chain of agent calls: the first caller pays
// every hop, each in its own receipt.
type callCtx struct {
	caller caller
	// root is the agent the caller's request named.
	root  [32]byte
	depth int
	// hop numbers this hop in its call (0 for the call itself); hops is
	// the call's counter, shared by its hops, so siblings get distinct
	// numbers (and receipt ids).
	hop     uint32
	hops    *atomic.Uint32
	session *egress.Session
	// tokens counts what this hop used itself; a child hop counts its own.
	tokens usageMeter
	// held are the kv transactions of this hop's agent and the hops that
	// led to it (replictxn.go).
	held map[[32]byte]*kvTxn
	// parent is the hop whose agent made this one (nil for the call
	// itself); owner is this hop's agent's owner, set when it runs.
	parent *callCtx
	owner  address.Address
	// prices counts the hops' agent prices against what the caller
	// agreed to (hopprice.go).
	prices *hopPrices
}

// checkDeputy refuses a hop into an agent that is not public from an agent
// of another owner. A hop's caller is the first caller, so without it any
// agent the caller calls could act as the caller toward the agents only
// the caller may use (an owner-only agent using the owner's secrets, say)
// and take their answers; an owner composes his own agents freely.
func checkDeputy(cc *callCtx, a agents.Agent, id [32]byte) error {
	if cc.parent == nil || a.Policy.Kind == agents.PolicyPublic || cc.parent.owner == a.Owner {
		return nil
	}
	return fmt.Errorf("%w: agent %x (policy %s) is reached through another agent only from an agent of its owner %s, and the calling agent is %s's", ErrForbidden, id, a.Policy.Kind, a.Owner, cc.parent.owner)
}

// CallAgent serves an HTTP request to an agent: it authenticates the
// caller, checks the agent's policy, the paused flag and the caller's
// escrow on chain, runs the handler with the agent's secrets, signs an
// answer binding the request as received (outer, for a sealed one) and the
// response as sent, and queues a usage receipt.
func (host *Host) CallAgent(ctx context.Context, src chainsync.Source, req Request) (Response, error) {
	c, err := host.authenticate(ctx, src, req.Agent, req.Method, req.URI, req.Headers, req.Body, false)
	if err != nil {
		return Response{}, err
	}
	// authenticate hashed the request as received (outer, for a sealed
	// one): the content the answer binds.
	requestHash, req0 := c.hash, req
	var reply *ecdh.PublicKey
	if req.Headers.Get(agentio.HeaderSealed) != "" {
		if req, reply, err = host.openSealedRequest(ctx, src, req); err != nil {
			return Response{}, err
		}
	}
	prices, err := maxHopPrices(req0.Headers)
	if err != nil {
		return Response{}, err
	}
	rt := host.runtime()
	cc := &callCtx{caller: c, root: req.Agent, hops: new(atomic.Uint32), session: egress.NewSession(rt.Egress), prices: prices}
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
		resp = Response{Status: http.StatusOK, Headers: map[string]string{"content-type": "application/octet-stream"}, Body: env.Encode()}
	}
	resp = host.signResponse(resp, out.served, requestHash, reply != nil)
	host.texts.put(hex.EncodeToString(requestHash[:]), agentio.SignatureText(req0.Body, sha256.Sum256(resp.Body)))
	return resp, nil
}

// signResponse makes resp what the worker sends (a status in range, no
// phala header from the handler, a Content-Type) and signs the answer
// served (who answered) over it and the request of hash requestHash; a
// sealed answer carries the X-Phala-Sealed marker.
func (host *Host) signResponse(resp Response, served agentio.Answer, requestHash [32]byte, sealed bool) Response {
	if resp.Status < 100 || resp.Status > 599 {
		resp.Status = http.StatusOK
	}
	resp.Headers = normalHeaders(resp.Headers, resp.Body)
	if sealed {
		resp.Headers[strings.ToLower(agentio.HeaderSealed)] = "1"
	}
	served.Request = requestHash
	served.Response = agentio.ResponseHash(resp.Status, agentio.HeaderOf(resp.Headers), resp.Body)
	resp.Answer, resp.Signature = host.core.SignAnswer(served, host.clock())
	return resp
}

// normalHeaders returns a handler's headers as the worker sends them:
// lower-cased, without X-Phala-* (those are the worker's: a handler cannot
// forge them) or a name HTTP does not allow, with line breaks in values
// made spaces (as Go's HTTP server sends them), and with the Content-Type
// it would sniff when there is none, so the signed headers are the ones
// the caller receives.
func normalHeaders(in map[string]string, body []byte) map[string]string {
	out := make(map[string]string, len(in)+1)
	for k, v := range in {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "x-phala-") || !validHeaderName(lk) {
			continue
		}
		out[lk] = textproto.TrimString(headerValue.Replace(v))
	}
	if _, ok := out["content-type"]; !ok {
		out["content-type"] = http.DetectContentType(body)
	}
	return out
}

// headerValue makes line breaks spaces, as net/http does when it writes.
var headerValue = strings.NewReplacer("\n", " ", "\r", " ")

// validHeaderName reports whether name is an HTTP token (RFC 9110).
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range name {
		if c > 0x7e || c <= ' ' || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, c) {
			return false
		}
	}
	return true
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
	if err := checkDeputy(cc, a, req.Agent); err != nil {
		return agentOutput{}, err
	}
	if cc.parent != nil {
		if err := cc.prices.take(req.Agent, a.Price); err != nil {
			return agentOutput{}, err
		}
	}
	cc.owner = a.Owner
	if held, err := host.core.HoldsClusterKey([32]byte(rec.Cluster), rec.KeyEpoch); err != nil || !held {
		return agentOutput{}, fmt.Errorf("%w: this worker holds no key of the agent's cluster epoch %d", ErrNoAgent, rec.KeyEpoch)
	}
	p, err := host.params(ctx, src)
	if err != nil {
		return agentOutput{}, err
	}
	cost, err := p.CallFee.Add(a.Price)
	if err != nil {
		return agentOutput{}, err
	}
	rt := host.runtime()
	release, err := host.admit(ctx, rt, cc.depth > 0)
	if err != nil {
		return agentOutput{}, err
	}
	defer release()
	if err := host.reserve(ctx, src, cc.caller.addr, cost); err != nil {
		return agentOutput{}, err
	}
	secret, err := host.agentSecrets(rec, a)
	if err != nil {
		return agentOutput{}, err
	}
	// The bridge's payment key is the owner's consent for the enclave's
	// EVM path (AnswerEVM) only: agent code that could read it could copy
	// it out and spend the owner's escrow anywhere.
	delete(secret, SecretEVMAPIKey)
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
	txn, own := cc.openTxn(host, ctx, src, req.Agent)
	res, err := prog.prog.Call(ctx, "__phala_agent", []any{in}, host.agentEnv(ctx, src, cc, txn, prog.man), rt.Limits)
	if err := host.finishHop(p, cc, req.Agent, rec.KeyEpoch, txn, own, err); err != nil {
		return agentOutput{}, err
	}
	var out agentOutput
	if err := json.Unmarshal(res.Value, &out); err != nil {
		return agentOutput{}, fmt.Errorf("%w: handler result: %v", ErrAgentFailed, err)
	}
	out.served = agentio.Answer{Cluster: [32]byte(rec.Cluster), Epoch: rec.KeyEpoch, Agent: req.Agent, Code: [32]byte(rec.Code)}
	return out, nil
}

// finishHop ends the hop (endHop) and bills it, unless its state did not
// commit: that call answers 503 (no majority, or the state moved), its
// writes are not kept, and the caller retries it, so it costs nothing.
func (host *Host) finishHop(p agents.Params, cc *callCtx, agent [32]byte, epoch uint64, txn *kvTxn, own bool, callErr error) error {
	err := host.endHop(txn, own, callErr)
	if !errors.Is(err, ErrStateUnavailable) {
		host.billHop(p, cc, agent, epoch)
	}
	return err
}

// billHop queues the receipt of one hop: its own tokens and outbound
// requests (a child's are in the child's receipt), under its own id, and
// counts what they cost beyond the call fee against the hold.
func (host *Host) billHop(p agents.Params, cc *callCtx, agent [32]byte, epoch uint64) {
	r := agents.Receipt{Agent: agent, Root: cc.root, Hop: cc.hop, Caller: cc.caller.addr, Epoch: epoch,
		Request: agents.HopID(cc.caller.id, cc.hop), Issued: cc.caller.issued,
		// Past the bounds the chain would refuse the receipt (and its
		// batch); bill up to them.
		Tokens: min(cc.tokens.total(), p.MaxReceiptTokens), Requests: min(cc.tokens.requests(), p.MaxReceiptRequests)}
	cc.caller.backing(&r)
	host.queueReceipt(r)
	all, _ := p.NetworkFee(r.Tokens, r.Requests)
	extra, _ := all.Sub(p.CallFee)
	host.spend(cc.caller.addr, extra)
}

// checkPolicy is the one place an agent call's policy is checked: the
// agent's on-chain policy allows the caller, or its policy contract (asked
// through the contract replica at the chain's time) answers true.
func (host *Host) checkPolicy(ctx context.Context, src chainsync.Source, a agents.Agent, id [32]byte, who address.Address) error {
	if a.Policy.Allows(a.Owner, who) {
		return nil
	}
	if a.Policy.Kind == agents.PolicyContract {
		q, _ := json.Marshal(map[string]any{"allow": map[string]string{"agent": hex.EncodeToString(id[:]), "caller": who.String()}})
		r, err := host.policy(ctx, src, [32]byte(a.Policy.Contract), who.String(), q)
		if errors.Is(err, core.ErrBusy) {
			// For load, not for the caller: 503, ask again.
			return fmt.Errorf("the agent's policy contract could not be asked here now: %w", err)
		}
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
