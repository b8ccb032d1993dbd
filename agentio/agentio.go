// Package agentio is what callers, the gateway and enclaves agree on for
// AI agent calls over HTTP: how a caller signs a request (request.go), how a
// worker signs its answer so anyone can check it offline against the
// worker's on-chain record (answer.go, and eth.go for the EIP-191 form
// RedPill's and NEAR AI's verifiers check), and the header names that
// carry both.
package agentio

import (
	"errors"
	"time"
)

// Header names.
const (
	// HeaderCaller, HeaderTimestamp and HeaderSignature authenticate a
	// caller by its account key: hex ed25519 public key, Unix milliseconds
	// and hex signature over RequestSignBytes.
	HeaderCaller    = "X-Phala-Caller"
	HeaderTimestamp = "X-Phala-Timestamp"
	HeaderSignature = "X-Phala-Signature"
	// HeaderReplyKey asks for the response body sealed to this X25519 key
	// (hex); the owner's log download requires it.
	HeaderReplyKey = "X-Phala-Reply-Key"
	// HeaderMaxHopPrice is the most the caller pays, in PHA, for the
	// prices of the agents the called agent reaches through agents.call
	// (the called agent's own price is on chain); absent, nothing: an
	// agent cannot spend its caller's escrow on priced agents the caller
	// never agreed to. The request hash covers it.
	HeaderMaxHopPrice = "X-Phala-Max-Hop-Price"
)

// Skew is how far a signed request's timestamp may be from the worker's
// clock; the worker refuses a signed request it has seen within it.
const Skew = 5 * time.Minute

// Errors of request authentication.
var (
	ErrUnsigned  = errors.New("agentio: request carries neither a caller signature nor an API key")
	ErrSignature = errors.New("agentio: caller signature does not verify")
	ErrStale     = errors.New("agentio: request timestamp too far from now")
)

// HeaderSealed marks a request whose body is sealed to the agent's key
// (SealedRequest in an envelope of purpose agent-request); the answer's body
// is then sealed to the request's reply key (SealedResponse, purpose
// agent-response), so only the caller and the enclave read either.
const HeaderSealed = "X-Phala-Sealed"

// SealedRequest is the plaintext of a sealed request. Method, Path and
// Query, when set, replace those of the outer request, so they are hidden
// too.
type SealedRequest struct {
	Method   string              `json:"method,omitempty"`
	Path     string              `json:"path,omitempty"`
	Query    map[string][]string `json:"query,omitempty"`
	Headers  map[string]string   `json:"headers,omitempty"`
	Body     string              `json:"body"`
	ReplyKey []byte              `json:"reply_key"`
}

// SealedResponse is the plaintext of a sealed answer.
type SealedResponse struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}
