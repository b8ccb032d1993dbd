package client

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/crypto/envelope"
	"github.com/phalanetwork/phala/internal/httpok"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
)

// Agent reads an agent with its code and key record.
func (c *Client) Agent(ctx context.Context, id [32]byte) (agents.AgentView, error) {
	return queryAs[agents.AgentView](ctx, c, agents.AgentPath(id))
}

// AgentParams reads the agents module's parameters.
func (c *Client) AgentParams(ctx context.Context) (agents.Params, error) {
	return queryAs[agents.Params](ctx, c, agents.ParamsPath())
}

// Agents lists every agent in creation order.
func (c *Client) Agents(ctx context.Context) ([]agents.AgentView, error) {
	return queryAs[[]agents.AgentView](ctx, c, agents.ListPath())
}

// Escrow reads an account's prepaid balance for agent calls.
func (c *Client) Escrow(ctx context.Context, a address.Address) (agents.EscrowView, error) {
	return queryAs[agents.EscrowView](ctx, c, agents.EscrowPath(a))
}

// APIKey reads a registered API key by its SHA-256.
func (c *Client) APIKey(ctx context.Context, hash [32]byte) (agents.APIKey, error) {
	return queryAs[agents.APIKey](ctx, c, agents.APIKeyPath(hash))
}

// AgentReceipt reads what the chain remembers of a settled usage receipt;
// it fails for one never settled or whose window has passed.
func (c *Client) AgentReceipt(ctx context.Context, id [32]byte) (agents.ReceiptView, error) {
	return queryAs[agents.ReceiptView](ctx, c, agents.ReceiptPath(id))
}

// DeployAgent creates an agent from stored code and returns its id.
func (c *Client) DeployAgent(ctx context.Context, key ed25519.PrivateKey, code, cluster [32]byte, policy agents.Policy, price pha.Amount) ([32]byte, *Committed, error) {
	res, err := c.Send(ctx, key, pha.Amount{}, "", &agents.MsgDeploy{Code: code, Cluster: cluster, Policy: policy, Price: price})
	if err != nil {
		return [32]byte{}, nil, err
	}
	v, ok := res.Attr(agents.EventDeployed, agents.AttrAgent)
	b, err := hex.DecodeString(v)
	if !ok || err != nil || len(b) != 32 {
		return [32]byte{}, res, fmt.Errorf("deploy: no agent id in the transaction's events")
	}
	return [32]byte(b), res, nil
}

// SetAgentSecrets seals secrets (a JSON object) to the agent's current
// key on this machine and stores the ciphertext on chain. The key is a
// proven read: a lying node cannot hand over a key of its own.
func (c *Client) SetAgentSecrets(ctx context.Context, key ed25519.PrivateKey, id [32]byte, secrets map[string]string) (*Committed, error) {
	_, pub, err := c.agentSealKey(ctx, id)
	if err != nil {
		return nil, err
	}
	plain, err := json.Marshal(secrets)
	if err != nil {
		return nil, err
	}
	owner := address.FromPubKey(key.Public().(ed25519.PublicKey))
	env, err := envelope.Seal(pub, envelope.PurposeAgentSecret, owner[:], plain)
	if err != nil {
		return nil, err
	}
	return c.Send(ctx, key, pha.Amount{}, "", &agents.MsgSetSecrets{Agent: id, Envelope: env.Encode()})
}

// agentSealKey is the agent's record, a proven read (a lying node cannot
// hand over a key of its own), with its current X25519 key, which secrets
// are sealed to.
func (c *Client) agentSealKey(ctx context.Context, id [32]byte) (agents.AgentView, *ecdh.PublicKey, error) {
	a, _, err := c.ProvenAgent(ctx, id)
	if err != nil {
		return a, nil, err
	}
	if len(a.ECDHKey) == 0 {
		return a, nil, fmt.Errorf("%w (agent %x)", agents.ErrNoKeys, id)
	}
	pub, err := ecdh.X25519().NewPublicKey(a.ECDHKey)
	return a, pub, err
}

// AgentResponse is an agent's answer with the worker's signed answer over
// it, the request it answers, and what the chain proved of its signer.
type AgentResponse struct {
	Status    int
	Header    http.Header
	Body      []byte
	Request   SentRequest
	Answer    agentio.Answer
	Signature []byte
	Verified  *VerifiedAnswer
	// Retried counts the earlier attempts, signed for other workers, that
	// the gateway answered 502 or 503. Such a worker may have served its
	// attempt (and billed it) before it went down with the answer.
	Retried int
}

// SentRequest is a request as the client sent it: what its hash covers.
type SentRequest struct {
	Method string      `json:"method"`
	URI    string      `json:"uri"` // path and query exactly as sent
	Header http.Header `json:"headers"`
	Body   []byte      `json:"body"`
	// Timestamp is the signed request's time (Unix ms; 0 for an API-key
	// call): with the answer's worker and request hash it names the usage
	// receipt (ReceiptID).
	Timestamp int64 `json:"timestamp_ms,omitempty"`
	// Caller is the signing caller's public key (empty for an API-key
	// call), which the receipt's id also names. A saved request keeps it
	// but not the signature, so the file cannot be replayed.
	Caller ed25519.PublicKey `json:"caller,omitempty"`
}

// ReceiptID is the id of the usage receipt that bills a signed request
// to agent answered by worker: agentio.SignedRequest.ID.
func (s SentRequest) ReceiptID(chainID string, agent, worker [32]byte) [32]byte {
	return agentio.SignedRequest{Caller: s.Caller, Worker: worker, Request: s.Hash(), Timestamp: s.Timestamp}.ID(chainID, agent)
}

// Hash is the request's agentio.RequestHash.
func (s SentRequest) Hash() [32]byte { return agentio.RequestHash(s.Method, s.URI, s.Header, s.Body) }

// CallOption sets a header of an agent call's request, which the request
// hash and the caller's signature cover.
type CallOption func(header map[string]string)

// MaxHopPrice lets the agents the called agent reaches through agents.call
// charge their prices, up to max in all, to the caller's escrow; without
// it only free agents may be reached that way.
func MaxHopPrice(max pha.Amount) CallOption {
	return func(h map[string]string) { h[agentio.HeaderMaxHopPrice] = max.PHA() }
}

// callHeaders applies opts to a new header map.
func callHeaders(opts []CallOption) map[string]string {
	h := map[string]string{}
	for _, o := range opts {
		o(h)
	}
	return h
}

// CallAgent sends a request signed by key to an agent through baseURL (a
// gateway, or a worker's endpoint) and verifies the answer: its signature,
// that it answers this request with this response, and (proven reads) that
// its signer is a registered worker of the agent's cluster running one of
// the agent's code versions. A response that is not a verified answer is
// an error; the response is returned with it for display.
func (c *Client) CallAgent(ctx context.Context, key ed25519.PrivateKey, baseURL string, id [32]byte, method, path string, body []byte, opts ...CallOption) (*AgentResponse, error) {
	lc, err := c.Light(ctx)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	r, err := callSigned(ctx, lc.ChainID(), key, baseURL, id, method, path, body, callHeaders(opts))
	if err != nil {
		return nil, err
	}
	if r.Header.Get(agentio.HeaderAnswerSignature) == "" {
		return r, fmt.Errorf("agent %x: %d %s: %s", id[:8], r.Status, http.StatusText(r.Status), strings.TrimSpace(string(r.Body)))
	}
	return r, c.verifyResponse(ctx, lc.ChainID(), id, r)
}

// verifyResponse verifies r's answer against r's request and response and
// the chain, and fills r.Answer, r.Signature and r.Verified.
func (c *Client) verifyResponse(ctx context.Context, chainID string, id [32]byte, r *AgentResponse) error {
	a, sig, err := agentio.AnswerFrom(r.Header)
	if err != nil {
		return fmt.Errorf("agent %x: %w", id[:8], err)
	}
	r.Answer, r.Signature = a, sig
	v, err := c.VerifyAnswer(ctx, a, sig, agentio.Expect{ChainID: chainID, Agent: id, Request: r.Request.Hash(), Status: r.Status, Header: r.Header, Body: r.Body})
	if err != nil {
		return fmt.Errorf("agent %x: %w", id[:8], err)
	}
	r.Verified = v
	return nil
}

// callSigned sends method path (below /agents/<id> at baseURL) with body
// and headers, signed by key for the first worker baseURL lists for the
// agent (GET /agents/<id>/workers: a gateway's routing order, or a worker
// itself), and returns the response (its body at most 16 MiB) with the
// request as sent. A signed request names one worker, so when the gateway
// cannot reach it (502, 503) the request is signed again for the next.
func callSigned(ctx context.Context, chainID string, key ed25519.PrivateKey, baseURL string, id [32]byte, method, path string, body []byte, headers map[string]string) (*AgentResponse, error) {
	base := strings.TrimRight(baseURL, "/") + "/agents/" + hex.EncodeToString(id[:])
	targets, err := AgentTargets(ctx, baseURL, id)
	if err != nil {
		return nil, err
	}
	var lastErr error
	for i, t := range targets {
		worker, err := hex.DecodeString(t.Worker)
		if err != nil || len(worker) != 32 {
			return nil, fmt.Errorf("call agent %x: %s lists worker %q", id[:8], baseURL, t.Worker)
		}
		req, err := http.NewRequestWithContext(ctx, method, base+path, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		agentio.SignRequest(req, chainID, id, [32]byte(worker), body, key, time.Now())
		sent := SentRequest{Method: req.Method, URI: req.URL.RequestURI(), Header: req.Header.Clone(), Body: body, Caller: key.Public().(ed25519.PublicKey)}
		sent.Timestamp, _ = strconv.ParseInt(req.Header.Get(agentio.HeaderTimestamp), 10, 64)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, fmt.Errorf("call agent %x: %w", id[:8], err)
		}
		out, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		if resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusServiceUnavailable {
			lastErr = fmt.Errorf("call agent %x on worker %s: %s: %s", id[:8], t.Worker[:16], resp.Status, strings.TrimSpace(string(out)))
			continue
		}
		return &AgentResponse{Status: resp.StatusCode, Header: resp.Header, Body: out, Request: sent, Retried: i}, nil
	}
	if lastErr == nil {
		lastErr = fmt.Errorf("call agent %x: %s lists no worker for it", id[:8], baseURL)
	}
	return nil, lastErr
}

// AgentTargets lists the workers a request to agent id through baseURL
// may be signed for, in the order to try them: GET /agents/<id>/workers of
// a gateway (its routing order) or of a worker (itself).
func AgentTargets(ctx context.Context, baseURL string, id [32]byte) ([]agentio.WorkerTarget, error) {
	u := strings.TrimRight(baseURL, "/") + "/agents/" + hex.EncodeToString(id[:]) + "/" + agentio.PathWorkers
	body, err := httpok.Get(ctx, http.DefaultClient, u, 1<<20)
	if err != nil {
		return nil, fmt.Errorf("list the workers of agent %x: %w", id[:8], err)
	}
	var out []agentio.WorkerTarget
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("list the workers of agent %x: %w", id[:8], err)
	}
	return out, nil
}

// VerifyWorker checks with a proven read that an answer's signer is a
// registered worker (its attestation was verified by the chain at
// registration) and returns its record; VerifyAnswer checks the rest.
func (c *Client) VerifyWorker(ctx context.Context, a agentio.Answer) (registry.Worker, error) {
	w, err := c.ProvenWorker(ctx, registry.WorkerID(a.Worker))
	if err != nil {
		return w, fmt.Errorf("worker %x is not registered on this chain: %w", a.Worker[:8], err)
	}
	return w, nil
}

// CallAgentSealed is CallAgent with the request sealed to the agent's key
// on this machine (method, path and body inside) and the answer sealed to
// a one-time reply key: the gateway and the worker's host carry only
// ciphertext. The outer request goes to POST /agents/<id>/.
func (c *Client) CallAgentSealed(ctx context.Context, key ed25519.PrivateKey, baseURL string, id [32]byte, method, path string, body []byte, opts ...CallOption) (*AgentResponse, error) {
	a, _, err := c.ProvenAgent(ctx, id)
	if err != nil {
		return nil, err
	}
	pub, err := ecdh.X25519().NewPublicKey(a.ECDHKey)
	if err != nil {
		return nil, fmt.Errorf("agent %x has no key yet: %w", id[:8], err)
	}
	reply, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(path)
	if err != nil {
		return nil, err
	}
	plain, _ := json.Marshal(agentio.SealedRequest{Method: method, Path: u.Path, Query: u.Query(), Body: string(body), ReplyKey: reply.PublicKey().Bytes()})
	caller := key.Public().(ed25519.PublicKey)
	env, err := envelope.Seal(pub, envelope.PurposeAgentRequest, caller, plain)
	if err != nil {
		return nil, err
	}
	lc, err := c.Light(ctx)
	if err != nil {
		return nil, err
	}
	chainID := lc.ChainID()
	headers := callHeaders(opts)
	headers[agentio.HeaderSealed], headers["Content-Type"] = "1", "application/octet-stream"
	outer, err := callSigned(ctx, chainID, key, baseURL, id, http.MethodPost, "/", env.Encode(), headers)
	if err != nil {
		return nil, err
	}
	if outer.Status != http.StatusOK {
		return nil, fmt.Errorf("agent %x: %d %s: %s", id[:8], outer.Status, http.StatusText(outer.Status), strings.TrimSpace(string(outer.Body)))
	}
	if err := c.verifyResponse(ctx, chainID, id, outer); err != nil {
		return nil, err
	}
	renv, err := envelope.Decode(outer.Body)
	if err != nil {
		return nil, err
	}
	inner, err := envelope.Open(reply, envelope.PurposeAgentResponse, renv)
	if err != nil {
		return nil, err
	}
	var sr agentio.SealedResponse
	if err := json.Unmarshal(inner, &sr); err != nil {
		return nil, err
	}
	h := http.Header{}
	for k, v := range sr.Headers {
		h.Set(k, v)
	}
	// The answer signs the ciphertext exchange (outer); the opened
	// response is what that ciphertext carried.
	return &AgentResponse{Status: sr.Status, Header: h, Body: []byte(sr.Body), Request: outer.Request,
		Answer: outer.Answer, Signature: outer.Signature, Verified: outer.Verified}, nil
}
