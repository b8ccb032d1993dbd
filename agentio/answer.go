package agentio

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"

	"github.com/phalanetwork/phala/chain/wire"
)

// An answer is what a worker signs for every response it serves, to an
// agent call or through the AI router: who served (chain, worker, cluster
// and key epoch), what served (agent and code hash, or provider and model),
// the request it answers (RequestHash), the answer itself (ResponseHash)
// and when. docs/answers.md describes the format and has test vectors.

// HeaderAnswer carries the encoded Answer (base64url, no padding) and
// HeaderAnswerSignature the worker's ed25519 signature over its sign bytes
// (hex). For a stream they come as trailers and as the stream's last event.
const (
	HeaderAnswer          = "X-Phala-Answer"
	HeaderAnswerSignature = "X-Phala-Answer-Signature"
)

// Errors of answer verification; each names the binding that failed.
var (
	ErrAnswerMalformed = errors.New("agentio: answer is missing or malformed")
	ErrAnswerSignature = errors.New("agentio: answer signature does not verify against the worker's key")
	ErrAnswerChain     = errors.New("agentio: answer is from another chain")
	ErrAnswerRequest   = errors.New("agentio: answer is to another request")
	ErrAnswerResponse  = errors.New("agentio: response does not match the signed answer (status, content headers or body changed or truncated)")
	ErrAnswerAgent     = errors.New("agentio: answer is from another agent")
)

// Answer is the signed statement over one response.
type Answer struct {
	ChainID string
	Worker  [32]byte // the worker's ed25519 identity key, its id
	Cluster [32]byte
	Epoch   uint64 // the cluster's key epoch the worker served under
	// Agent and Code name the agent and the code version that answered;
	// both zero for the AI router.
	Agent [32]byte
	Code  [32]byte
	// Provider and Model name what served a router call; empty for agents.
	Provider string
	Model    string
	Request  [32]byte // RequestHash of the request
	Response [32]byte // ResponseHash of the response
	Time     int64    // Unix milliseconds at signing
}

// answerMaxString bounds the strings of an encoded answer.
const answerMaxString = 256

// Encode is the answer's canonical encoding; its sign bytes are this
// behind a domain prefix.
func (a Answer) Encode() []byte {
	w := wire.NewWriter(256)
	w.Byte(2) // format version
	w.String(a.ChainID)
	w.Raw(a.Worker[:])
	w.Raw(a.Cluster[:])
	w.Uvarint(a.Epoch)
	w.Raw(a.Agent[:])
	w.Raw(a.Code[:])
	w.String(a.Provider)
	w.String(a.Model)
	w.Raw(a.Request[:])
	w.Raw(a.Response[:])
	w.Uvarint(uint64(a.Time))
	return w.Bytes()
}

// DecodeAnswer reads an encoded answer.
func DecodeAnswer(b []byte) (Answer, error) {
	r := wire.NewReader(b)
	if v := r.Byte(); v != 2 && r.Err() == nil {
		return Answer{}, fmt.Errorf("%w: format version %d, want 2", ErrAnswerMalformed, v)
	}
	a := Answer{ChainID: r.String(answerMaxString), Worker: r.Bytes32(), Cluster: r.Bytes32(), Epoch: r.Uvarint(),
		Agent: r.Bytes32(), Code: r.Bytes32(), Provider: r.String(answerMaxString), Model: r.String(answerMaxString),
		Request: r.Bytes32(), Response: r.Bytes32(), Time: int64(r.Uvarint())}
	if err := r.Done(); err != nil {
		return Answer{}, fmt.Errorf("%w: %v", ErrAnswerMalformed, err)
	}
	return a, nil
}

// SignBytes is what the worker signs.
func (a Answer) SignBytes() []byte {
	return append([]byte("phala/answer/v2\x00"), a.Encode()...)
}

// Sign signs the answer with the worker's identity key.
func (a Answer) Sign(identity ed25519.PrivateKey) []byte {
	return ed25519.Sign(identity, a.SignBytes())
}

// VerifySignature checks sig against the worker key the answer names.
// That key is only a claim: the caller must also check on chain that it
// is a registered, attested worker of the answer's cluster (phala verify
// and the client do).
func (a Answer) VerifySignature(sig []byte) error {
	if !ed25519.Verify(a.Worker[:], a.SignBytes(), sig) {
		return ErrAnswerSignature
	}
	return nil
}

// ResponseHash covers what a caller reads of a response: its status, its
// content-bearing headers and the whole body (for a stream, every byte
// before the signature event).
func ResponseHash(status int, h http.Header, body []byte) [32]byte {
	return ResponseHashOf(status, h, sha256.Sum256(body))
}

// ResponseHashOf is ResponseHash for a body whose SHA-256 is bodyHash, for
// streams hashed as they pass.
func ResponseHashOf(status int, h http.Header, bodyHash [32]byte) [32]byte {
	return sha256.Sum256(ResponsePreimage(status, h, bodyHash))
}

// ResponsePreimage is what ResponseHashOf hashes (docs/answers.md).
func ResponsePreimage(status int, h http.Header, bodyHash [32]byte) []byte {
	w := wire.NewWriter(128)
	w.Raw([]byte("phala/response/v2\x00"))
	w.Uvarint(uint64(status))
	hs := ContentHeaders(h)
	w.Uvarint(uint64(len(hs)))
	for _, kv := range hs {
		w.String(kv[0])
		w.String(kv[1])
	}
	w.Raw(bodyHash[:])
	return w.Bytes()
}

// SetAnswer puts a signed answer in h (headers, or trailers of a stream).
func SetAnswer(h http.Header, a Answer, sig []byte) {
	h.Set(HeaderAnswer, base64.RawURLEncoding.EncodeToString(a.Encode()))
	h.Set(HeaderAnswerSignature, hex.EncodeToString(sig))
}

// AnswerFrom reads a signed answer from h and checks its signature.
func AnswerFrom(h http.Header) (Answer, []byte, error) {
	raw, err1 := base64.RawURLEncoding.DecodeString(h.Get(HeaderAnswer))
	sig, err2 := hex.DecodeString(h.Get(HeaderAnswerSignature))
	if err1 != nil || err2 != nil || len(raw) == 0 || len(sig) != ed25519.SignatureSize {
		return Answer{}, nil, fmt.Errorf("%w: %s or %s header", ErrAnswerMalformed, HeaderAnswer, HeaderAnswerSignature)
	}
	a, err := DecodeAnswer(raw)
	if err != nil {
		return Answer{}, nil, err
	}
	return a, sig, a.VerifySignature(sig)
}

// Expect is what a caller knows of the exchange an answer must bind; a
// zero field is not checked.
type Expect struct {
	ChainID string
	Agent   [32]byte
	Request [32]byte
	// Status, Header and Body are the response as received.
	Status int
	Header http.Header
	Body   []byte
}

// Check verifies the answer binds the exchange: the chain, the agent, the
// request sent and the response received. It does not check the worker's
// registration (that needs the chain).
func (a Answer) Check(e Expect) error {
	switch {
	case e.ChainID != "" && a.ChainID != e.ChainID:
		return fmt.Errorf("%w: %q, want %q", ErrAnswerChain, a.ChainID, e.ChainID)
	case e.Agent != [32]byte{} && a.Agent != e.Agent:
		return fmt.Errorf("%w: %x, want %x", ErrAnswerAgent, a.Agent[:4], e.Agent[:4])
	case e.Request != [32]byte{} && a.Request != e.Request:
		return fmt.Errorf("%w: it answers %x, the request sent hashes to %x", ErrAnswerRequest, a.Request[:8], e.Request[:8])
	case e.Status != 0 && a.Response != ResponseHash(e.Status, e.Header, e.Body):
		return ErrAnswerResponse
	}
	return nil
}
