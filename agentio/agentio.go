// Package agentio is what callers, the gateway and enclaves agree on for
// AI agent calls over HTTP: how a caller signs a request (request.go), how a
// worker signs its answer so anyone can check it offline against the
// worker's on-chain record (answer.go, and eth.go for the EIP-191 form
// RedPill's and NEAR AI's verifiers check), and the header names that
// carry both.
package agentio

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/crypto/address"
)

// Header names.
const (
	// HeaderCaller, HeaderTimestamp and HeaderSignature authenticate a
	// caller by its account key: hex ed25519 public key, Unix milliseconds
	// and hex signature over CallSignBytes.
	HeaderCaller    = "X-Phala-Caller"
	HeaderTimestamp = "X-Phala-Timestamp"
	HeaderSignature = "X-Phala-Signature"
	// HeaderReplyKey asks for the response body sealed to this X25519 key
	// (hex); the owner's log download requires it.
	HeaderReplyKey = "X-Phala-Reply-Key"
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

// CallSignBytes is what a caller signs for one request.
func CallSignBytes(chainID string, agent [32]byte, method, pathQuery string, body []byte, timestampMillis int64) []byte {
	bh := sha256.Sum256(body)
	w := wire.NewWriter(160 + len(pathQuery))
	w.Raw([]byte("phala/agent-call/v1\x00"))
	w.String(chainID)
	w.Raw(agent[:])
	w.String(method)
	w.String(pathQuery)
	w.Raw(bh[:])
	w.Uvarint(uint64(timestampMillis))
	return w.Bytes()
}

// Sign adds the caller headers to r for a call of agent (zero for the AI
// router) with body.
func Sign(r *http.Request, chainID string, agent [32]byte, body []byte, key ed25519.PrivateKey, now time.Time) {
	ts := now.UnixMilli()
	sig := ed25519.Sign(key, CallSignBytes(chainID, agent, r.Method, r.URL.RequestURI(), body, ts))
	r.Header.Set(HeaderCaller, hex.EncodeToString(key.Public().(ed25519.PublicKey)))
	r.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	r.Header.Set(HeaderSignature, hex.EncodeToString(sig))
}

// Signed is a verified caller signature.
type Signed struct {
	Caller address.Address
	// Hash identifies the request: SHA-256 of its sign bytes.
	Hash [32]byte
	// Timestamp is the signed time of the request in Unix milliseconds.
	Timestamp int64
}

// VerifySigned checks the caller headers of a request; ok is false when
// the request carries none.
func VerifySigned(h http.Header, chainID string, agent [32]byte, method, pathQuery string, body []byte, now time.Time) (Signed, bool, error) {
	pubHex, tsText, sigHex := h.Get(HeaderCaller), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if pubHex == "" && sigHex == "" {
		return Signed{}, false, nil
	}
	pub, err1 := hex.DecodeString(pubHex)
	sig, err2 := hex.DecodeString(sigHex)
	ts, err3 := strconv.ParseInt(tsText, 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || len(pub) != ed25519.PublicKeySize {
		return Signed{}, true, fmt.Errorf("%w: malformed %s, %s or %s header", ErrSignature, HeaderCaller, HeaderTimestamp, HeaderSignature)
	}
	msg := CallSignBytes(chainID, agent, method, pathQuery, body, ts)
	if !ed25519.Verify(pub, msg, sig) {
		return Signed{}, true, ErrSignature
	}
	if d := now.Sub(time.UnixMilli(ts)); d > Skew || d < -Skew {
		return Signed{}, true, fmt.Errorf("%w: %s", ErrStale, d.Round(time.Second))
	}
	return Signed{Caller: address.FromPubKey(pub), Hash: sha256.Sum256(msg), Timestamp: ts}, true, nil
}

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
