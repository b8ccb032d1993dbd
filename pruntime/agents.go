package pruntime

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/crypto/envelope"
	"github.com/phalanetwork/phala/egress"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/sealed"
	"github.com/phalanetwork/phala/sandbox"
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

// AgentRequest is an HTTP request to an agent as the host received it.
type AgentRequest struct {
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

// AgentResponse is the handler's answer with the worker's proof over it.
type AgentResponse struct {
	Status  int
	Headers map[string]string
	Body    []byte
	Proof   agentio.Proof
}

// caller is an authenticated caller of an agent or of the router.
type caller struct {
	addr address.Address
	hash [32]byte
	// issued is when the call was made (Unix ms), for its receipt.
	issued int64
	// scope, for an API key limited to one agent.
	scope []byte
}

// authenticate checks a signed request or an API key.
func (e *Enclave) authenticate(ctx context.Context, src chainsync.Source, agent [32]byte, method, uri string, h http.Header, body []byte) (caller, error) {
	s, signed, err := agentio.VerifySigned(h, e.chainID, agent, method, uri, body, time.Now())
	if signed {
		if err != nil {
			return caller{}, fmt.Errorf("%w: %v", ErrUnauthorized, err)
		}
		if !e.firstSeen(s.Hash) {
			return caller{}, fmt.Errorf("%w: this signed request was already served", ErrReplay)
		}
		return caller{addr: s.Caller, hash: s.Hash, issued: s.Timestamp}, nil
	}
	tok, ok := strings.CutPrefix(h.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		return caller{}, fmt.Errorf("%w: %v (sign the request with your account key, or send Authorization: Bearer <API key>)", ErrUnauthorized, agentio.ErrUnsigned)
	}
	kh := sha256.Sum256([]byte(tok))
	raw, height, err := e.verified(ctx, src, agents.APIKeyKey(kh))
	if err != nil {
		return caller{}, err
	}
	if raw == nil {
		return caller{}, fmt.Errorf("%w: unknown API key", ErrUnauthorized)
	}
	var k agents.APIKey
	if err := json.Unmarshal(raw, &k); err != nil {
		return caller{}, err
	}
	if k.Expires != 0 && height >= k.Expires {
		return caller{}, fmt.Errorf("%w: API key expired at height %d", ErrUnauthorized, k.Expires)
	}
	if len(k.Agent) != 0 && [32]byte(k.Agent) != agent {
		return caller{}, fmt.Errorf("%w: this API key is limited to agent %x", ErrForbidden, []byte(k.Agent))
	}
	// Every call with a key is its own call: a fresh id for its receipt.
	var nonce [16]byte
	rand.Read(nonce[:])
	return caller{addr: k.Account, hash: sha256.Sum256(append(append([]byte("phala/agent-call-apikey/v1\x00"), kh[:]...), nonce[:]...)), issued: time.Now().UnixMilli(), scope: k.Agent}, nil
}

// firstSeen remembers signed request hashes for twice the allowed skew.
func (e *Enclave) firstSeen(h [32]byte) bool {
	e.agentsMu.Lock()
	defer e.agentsMu.Unlock()
	now := time.Now()
	// Pruning walks the set; do it at most every few seconds so a call
	// costs O(1) on average.
	if now.Sub(e.seenPruned) > 5*time.Second {
		for k, t := range e.seenCalls {
			if now.Sub(t) > 2*agentio.Skew {
				delete(e.seenCalls, k)
			}
		}
		e.seenPruned = now
	}
	if _, ok := e.seenCalls[h]; ok {
		return false
	}
	e.seenCalls[h] = now
	return true
}

// agentRecords reads an agent's two chain records with proofs.
func (e *Enclave) agentRecords(ctx context.Context, src chainsync.Source, id [32]byte) (agents.Agent, contracts.Contract, int64, error) {
	raw, h, err := e.verified(ctx, src, agents.AgentKey(id))
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
	b, err := e.verifiedAt(ctx, src, contracts.ContractKey(id), h)
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
	tokens  int
}

// CallAgent serves an HTTP request to an agent: it authenticates the
// caller, checks the agent's policy, the paused flag and the caller's
// escrow on chain, runs the handler with the agent's secrets, signs the
// response with the worker identity over the request and the response, and
// queues a usage receipt.
func (e *Enclave) CallAgent(ctx context.Context, src chainsync.Source, req AgentRequest) (AgentResponse, error) {
	c, err := e.authenticate(ctx, src, req.Agent, req.Method, req.URI, req.Headers, req.Body)
	if err != nil {
		return AgentResponse{}, err
	}
	var reply *ecdh.PublicKey
	if req.Headers.Get(agentio.HeaderSealed) != "" {
		if req, reply, err = e.openSealedRequest(ctx, src, req); err != nil {
			return AgentResponse{}, err
		}
	}
	rt := e.runtime()
	cc := &callCtx{caller: c, session: egress.NewSession(rt.Egress)}
	out, err := e.runAgent(ctx, src, cc, req)
	if err != nil {
		return AgentResponse{}, err
	}
	resp := AgentResponse{Status: out.Status, Headers: out.Headers, Body: []byte(out.Body)}
	if reply != nil {
		plain, _ := json.Marshal(agentio.SealedResponse{Status: out.Status, Headers: out.Headers, Body: out.Body})
		id := e.ID()
		env, err := envelope.Seal(reply, envelope.PurposeAgentResponse, id[:], plain)
		if err != nil {
			return AgentResponse{}, err
		}
		resp = AgentResponse{Status: http.StatusOK, Headers: map[string]string{"content-type": "application/octet-stream", strings.ToLower(agentio.HeaderSealed): "1"}, Body: env.Encode()}
	}
	resp.Proof = e.prove(c.hash, resp.Status, resp.Body)
	return resp, nil
}

// openSealedRequest opens a request body sealed to the agent's key (of the
// current epoch or an earlier one) and returns the inner request and the
// caller's reply key.
func (e *Enclave) openSealedRequest(ctx context.Context, src chainsync.Source, req AgentRequest) (AgentRequest, *ecdh.PublicKey, error) {
	_, rec, _, err := e.agentRecords(ctx, src, req.Agent)
	if err != nil {
		return req, nil, err
	}
	env, err := envelope.Decode(req.Body)
	if err != nil {
		return req, nil, fmt.Errorf("%w: sealed body: %v", ErrUnauthorized, err)
	}
	var plain []byte
	for ep := rec.KeyEpoch + 1; ep > 0 && plain == nil; ep-- {
		k, ok, err := e.contractKeyOf([32]byte(rec.Cluster), req.Agent, ep-1)
		if err != nil || !ok || string(k.pairs.ECDH.PublicKey().Bytes()) != string(env.Recipient[:]) {
			continue
		}
		if plain, err = envelope.Open(k.pairs.ECDH, envelope.PurposeAgentRequest, env); err != nil {
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

func (e *Enclave) runtime() AgentRuntime {
	e.agentsMu.Lock()
	defer e.agentsMu.Unlock()
	return e.agentRT
}

func (e *Enclave) prove(hash [32]byte, status int, body []byte) agentio.Proof {
	h := http.Header{}
	agentio.SetProof(h, e.chainID, e.identity, hash, status, body)
	p, _ := agentio.ProofFrom(h)
	return p
}

// runAgent is one hop: policy, payment and the handler.
func (e *Enclave) runAgent(ctx context.Context, src chainsync.Source, cc *callCtx, req AgentRequest) (agentOutput, error) {
	a, rec, _, err := e.agentRecords(ctx, src, req.Agent)
	if err != nil {
		return agentOutput{}, err
	}
	if a.Paused {
		return agentOutput{}, fmt.Errorf("%w: agent %x is paused by its owner", ErrForbidden, req.Agent)
	}
	if len(cc.caller.scope) != 0 && [32]byte(cc.caller.scope) != req.Agent {
		return agentOutput{}, fmt.Errorf("%w: the API key is limited to agent %x", ErrForbidden, cc.caller.scope)
	}
	if err := e.checkPolicy(ctx, src, a, req.Agent, cc.caller.addr); err != nil {
		return agentOutput{}, err
	}
	if err := e.checkEscrow(ctx, src, cc.caller.addr, a.Price); err != nil {
		return agentOutput{}, err
	}
	if _, held, err := e.clusterSecret([32]byte(rec.Cluster), rec.KeyEpoch); err != nil || !held {
		return agentOutput{}, fmt.Errorf("%w: this worker holds no key of the agent's cluster epoch %d", ErrNoAgent, rec.KeyEpoch)
	}
	secret, err := e.agentSecrets(rec, a)
	if err != nil {
		return agentOutput{}, err
	}
	prog, err := e.agentProgram(ctx, src, [32]byte(rec.Code))
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
	rt := e.runtime()
	res, err := prog.Call(ctx, "__phala_agent", []any{in}, e.agentEnv(ctx, src, cc, req.Agent), rt.Limits)
	e.queueReceipt(agents.Receipt{Agent: req.Agent, Caller: cc.caller.addr, Request: hopHash(cc.caller.hash, cc.depth), Tokens: uint64(cc.tokens), Requests: uint64(cc.session.Used()), Issued: cc.caller.issued})
	if err != nil {
		e.agentLog(req.Agent, "error", "call failed: "+err.Error())
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

func (e *Enclave) checkPolicy(ctx context.Context, src chainsync.Source, a agents.Agent, id [32]byte, who address.Address) error {
	if a.Policy.Allows(a.Owner, who) {
		return nil
	}
	if a.Policy.Kind == agents.PolicyContract {
		q, _ := json.Marshal(map[string]any{"allow": map[string]string{"agent": hex.EncodeToString(id[:]), "caller": who.String()}})
		r, err := e.runQuery(ctx, src, [32]byte(a.Policy.Contract), who.String(), q, time.Now())
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

func (e *Enclave) checkEscrow(ctx context.Context, src chainsync.Source, who address.Address, price pha.Amount) error {
	raw, h, err := e.verified(ctx, src, agents.EscrowKey(who))
	if err != nil {
		return err
	}
	var bal pha.Amount
	if raw != nil {
		if bal, err = pha.FromBytes(raw); err != nil {
			return err
		}
	}
	pr, err := e.verifiedAt(ctx, src, []byte("agents/params"), h)
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

// agentSecrets opens the owner's sealed secrets with the agent key of the
// epoch they were sealed to.
func (e *Enclave) agentSecrets(rec contracts.Contract, a agents.Agent) (map[string]any, error) {
	out := map[string]any{}
	if len(a.Secrets) == 0 {
		return out, nil
	}
	k, ok, err := e.contractKeyOf([32]byte(rec.Cluster), [32]byte(rec.ID), a.SecretsEpoch)
	if err != nil || !ok {
		return nil, fmt.Errorf("%w: secrets are sealed to epoch %d, whose key this worker lacks", ErrNoAgent, a.SecretsEpoch)
	}
	env, err := envelope.Decode(a.Secrets)
	if err != nil {
		return nil, fmt.Errorf("%w: sealed secrets: %v", ErrAgentFailed, err)
	}
	plain, err := envelope.Open(k.pairs.ECDH, envelope.PurposeAgentSecret, env)
	if err != nil {
		return nil, fmt.Errorf("%w: sealed secrets do not open: %v", ErrAgentFailed, err)
	}
	if err := json.Unmarshal(plain, &out); err != nil {
		return nil, fmt.Errorf("%w: secrets must be a JSON object", ErrAgentFailed)
	}
	return out, nil
}

func (e *Enclave) agentProgram(ctx context.Context, src chainsync.Source, hash [32]byte) (*sandbox.Program, error) {
	e.agentsMu.Lock()
	p, ok := e.agentPrograms[hash]
	e.agentsMu.Unlock()
	if ok {
		return p, nil
	}
	code, _, err := e.verified(ctx, src, contracts.CodeKey(hash))
	if err != nil {
		return nil, err
	}
	if sha256.Sum256(code) != hash {
		return nil, fmt.Errorf("code %x is not on chain", hash)
	}
	p, err = compileAgent(code)
	if err != nil {
		return nil, err
	}
	e.agentsMu.Lock()
	e.agentPrograms[hash] = p
	e.agentsMu.Unlock()
	return p, nil
}

// agentEnv is the host side of the agent APIs for one hop.
func (e *Enclave) agentEnv(ctx context.Context, src chainsync.Source, cc *callCtx, id [32]byte) sandbox.Env {
	rt := e.runtime()
	return sandbox.Env{
		Prelude: agentPrelude,
		Funcs: map[string]sandbox.HostFunc{
			"__phala_log": func(args []any) (any, error) {
				level, _ := jsonArg(args, 0)
				msg, err := jsonArg(args, 1)
				if err != nil {
					return nil, err
				}
				e.agentLog(id, level, msg)
				return nil, nil
			},
			"__phala_kv_get": func(args []any) (any, error) {
				k, err := jsonArg(args, 0)
				if err != nil {
					return nil, err
				}
				kv, err := e.agentKV(id)
				if err != nil {
					return nil, err
				}
				if v, ok := kv[k]; ok {
					return v, nil
				}
				return nil, nil
			},
			"__phala_kv_set": func(args []any) (any, error) {
				k, err := jsonArg(args, 0)
				if err != nil {
					return nil, err
				}
				v, err := jsonArg(args, 1)
				if err != nil {
					return nil, err
				}
				return nil, e.agentKVUpdate(id, k, &v)
			},
			"__phala_kv_delete": func(args []any) (any, error) {
				k, err := jsonArg(args, 0)
				if err != nil {
					return nil, err
				}
				return nil, e.agentKVUpdate(id, k, nil)
			},
		},
		Async: e.agentAsync(ctx, src, cc, rt),
	}
}

// agentAsync adds agents.call to the common asynchronous host APIs.
func (e *Enclave) agentAsync(_ context.Context, src chainsync.Source, cc *callCtx, rt AgentRuntime) map[string]sandbox.AsyncFunc {
	fns := asyncHostAPIs(cc.session, rt.Router, cc.caller.addr.String(), &cc.tokens)
	fns["__phala_agents_call"] = func(ctx context.Context, args []any) (any, error) {
		idText, err := jsonArg(args, 0)
		if err != nil {
			return nil, err
		}
		text, _ := jsonArg(args, 1)
		b, err := hex.DecodeString(idText)
		if err != nil || len(b) != 32 {
			return nil, fmt.Errorf("agents.call: agent id must be 64 hex characters")
		}
		if cc.depth+1 > rt.MaxDepth {
			return nil, fmt.Errorf("agents.call: call depth limit %d reached", rt.MaxDepth)
		}
		var sub struct {
			Method  string              `json:"method"`
			Path    string              `json:"path"`
			Queries map[string][]string `json:"queries"`
			Headers map[string]string   `json:"headers"`
			Body    any                 `json:"body"`
		}
		json.Unmarshal([]byte(text), &sub)
		body, _ := sub.Body.(string)
		if sub.Body != nil && body == "" {
			raw, _ := json.Marshal(sub.Body)
			body = string(raw)
		}
		h := http.Header{}
		for k, v := range sub.Headers {
			h.Set(k, v)
		}
		next := &callCtx{caller: cc.caller, depth: cc.depth + 1, session: cc.session}
		out, err := e.runAgent(ctx, src, next, AgentRequest{Agent: [32]byte(b), Method: orDefault(sub.Method, "GET"), Path: orDefault(sub.Path, "/"),
			Query: url.Values(sub.Queries), Headers: h, Body: []byte(body)})
		cc.tokens += next.tokens
		if err != nil {
			return nil, fmt.Errorf("agents.call %s: %v", idText[:16], err)
		}
		return marshalString(out)
	}
	return fns
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// Agent KV stores and logs live in the sealed store of this worker; they
// are not replicated.
const (
	maxKVBytes  = 1 << 20
	maxLogLines = 500
)

func (e *Enclave) agentKV(id [32]byte) (map[string]string, error) {
	kv := map[string]string{}
	raw, err := e.store.Get("agent-kv/" + hex.EncodeToString(id[:]))
	if errors.Is(err, sealed.ErrNotFound) {
		return kv, nil
	}
	if err != nil {
		return nil, err
	}
	return kv, json.Unmarshal(raw, &kv)
}

func (e *Enclave) agentKVUpdate(id [32]byte, k string, v *string) error {
	e.agentsMu.Lock()
	defer e.agentsMu.Unlock()
	kv, err := e.agentKV(id)
	if err != nil {
		return err
	}
	if v == nil {
		delete(kv, k)
	} else {
		kv[k] = *v
	}
	raw, _ := json.Marshal(kv)
	if len(raw) > maxKVBytes {
		return fmt.Errorf("kv: the agent's store would exceed %d bytes", maxKVBytes)
	}
	return e.store.Put("agent-kv/"+hex.EncodeToString(id[:]), raw)
}

// LogLine is one line of an agent's log.
type LogLine struct {
	Time  time.Time `json:"time"`
	Level string    `json:"level"`
	Text  string    `json:"text"`
}

// agentLog appends to the agent's sealed log, which only the owner reads.
func (e *Enclave) agentLog(id [32]byte, level, text string) {
	e.agentsMu.Lock()
	defer e.agentsMu.Unlock()
	name := "agent-log/" + hex.EncodeToString(id[:])
	var lines []LogLine
	if raw, err := e.store.Get(name); err == nil {
		json.Unmarshal(raw, &lines)
	}
	if len(text) > 4096 {
		text = text[:4096]
	}
	lines = append(lines, LogLine{Time: time.Now().UTC(), Level: level, Text: text})
	if len(lines) > maxLogLines {
		lines = lines[len(lines)-maxLogLines:]
	}
	raw, _ := json.Marshal(lines)
	e.store.Put(name, raw)
}

// AgentLogs returns an agent's log sealed to the owner's reply key; the
// request must be signed by the owner.
func (e *Enclave) AgentLogs(ctx context.Context, src chainsync.Source, req AgentRequest) (AgentResponse, error) {
	c, err := e.authenticate(ctx, src, req.Agent, req.Method, req.URI, req.Headers, req.Body)
	if err != nil {
		return AgentResponse{}, err
	}
	a, _, _, err := e.agentRecords(ctx, src, req.Agent)
	if err != nil {
		return AgentResponse{}, err
	}
	if c.addr != a.Owner {
		return AgentResponse{}, fmt.Errorf("%w: only the owner reads an agent's log", ErrForbidden)
	}
	replyHex := req.Headers.Get(agentio.HeaderReplyKey)
	rk, err := hex.DecodeString(replyHex)
	if err != nil {
		return AgentResponse{}, fmt.Errorf("%w: %s must be a hex X25519 key", ErrUnauthorized, agentio.HeaderReplyKey)
	}
	pq, err := ecdh.X25519().NewPublicKey(rk)
	if err != nil {
		return AgentResponse{}, fmt.Errorf("%w: %s: %v", ErrUnauthorized, agentio.HeaderReplyKey, err)
	}
	e.agentsMu.Lock()
	raw, err := e.store.Get("agent-log/" + hex.EncodeToString(req.Agent[:]))
	e.agentsMu.Unlock()
	if errors.Is(err, sealed.ErrNotFound) {
		raw, err = []byte("[]"), nil
	}
	if err != nil {
		return AgentResponse{}, err
	}
	id := e.ID()
	env, err := envelope.Seal(pq, envelope.PurposeAgentLog, id[:], raw)
	if err != nil {
		return AgentResponse{}, err
	}
	body := env.Encode()
	return AgentResponse{Status: http.StatusOK, Headers: map[string]string{"content-type": "application/octet-stream"}, Body: body, Proof: e.prove(c.hash, http.StatusOK, body)}, nil
}

// resealAgentSecrets seals an agent's secrets again to its key of the
// cluster's current epoch when they are sealed to an older one, if it is
// this member's turn (as for publishing contract keys).
func (e *Enclave) resealAgentSecrets(ctx context.Context, src chainsync.Source, c clusters.Cluster, rec contracts.Contract, h int64) error {
	if len(c.Members) == 0 || [32]byte(c.Members[int(h/10)%len(c.Members)]) != [32]byte(e.ID()) {
		return nil
	}
	raw, err := e.verifiedAt(ctx, src, agents.AgentKey([32]byte(rec.ID)), h)
	if err != nil || raw == nil {
		return err
	}
	var a agents.Agent
	if err := json.Unmarshal(raw, &a); err != nil {
		return err
	}
	if len(a.Secrets) == 0 || a.SecretsEpoch >= rec.KeyEpoch || e.hasPendingPrefix(agents.TopicSecrets, rec.ID) {
		return nil
	}
	old, ok, err := e.contractKeyOf([32]byte(rec.Cluster), [32]byte(rec.ID), a.SecretsEpoch)
	if err != nil || !ok {
		return err // this member joined later; another one re-seals
	}
	env, err := envelope.Decode(a.Secrets)
	if err != nil {
		return err
	}
	plain, err := envelope.Open(old.pairs.ECDH, envelope.PurposeAgentSecret, env)
	if err != nil {
		return err
	}
	cur, ok, err := e.contractKeyOf([32]byte(rec.Cluster), [32]byte(rec.ID), rec.KeyEpoch)
	if err != nil || !ok {
		return err
	}
	next, err := envelope.Seal(cur.pairs.ECDH.PublicKey(), envelope.PurposeAgentSecret, env.Sender, plain)
	if err != nil {
		return err
	}
	_, err = e.Post(ctx, src, agents.TopicSecrets, agents.EncodeReseal([32]byte(rec.ID), rec.KeyEpoch, next.Encode()))
	return err
}
