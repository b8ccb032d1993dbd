package agentio

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/crypto/address"
)

// HeaderTarget names the worker (hex id) a signed request is for. It is
// part of what the caller signs, so the request cannot be replayed on
// another worker of the cluster: the worker it names remembers it for the
// skew window, and every other worker refuses it. The gateway routes a
// request that carries it to that worker.
const HeaderTarget = "X-Phala-Target"

// ErrWrongWorker is the refusal of a signed request meant for another worker.
var ErrWrongWorker = errors.New("agentio: request was signed for another worker")

// contentHeaders are the request and response headers that carry meaning
// for the body; the request and response hashes cover them. Headers that
// only steer transport (Connection, Accept-Encoding, User-Agent, tracing)
// are left out, so a proxy may change them without breaking a signature.
var contentHeaders = []string{"accept", "content-encoding", "content-language", "content-type", "x-phala-max-hop-price", "x-phala-reply-key", "x-phala-sealed"}

// ContentHeaders returns the content-bearing headers of h, lower-cased,
// in a fixed order: what RequestHash and ResponseHash cover.
func ContentHeaders(h http.Header) [][2]string {
	var out [][2]string
	for _, name := range contentHeaders {
		if vs := h.Values(name); len(vs) != 0 {
			out = append(out, [2]string{name, strings.Join(vs, ", ")})
		}
	}
	return out
}

// writeContentHeaders writes the content headers of h: their count, then
// each name and value.
func writeContentHeaders(w *wire.Writer, h http.Header) {
	hs := ContentHeaders(h)
	w.Uvarint(uint64(len(hs)))
	for _, kv := range hs {
		w.String(kv[0])
		w.String(kv[1])
	}
}

// HeaderOf turns the lower-case header map an agent returns into an
// http.Header, so ResponseHash reads it the way it reads a real response.
func HeaderOf(m map[string]string) http.Header {
	h := http.Header{}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		h.Set(k, m[k])
	}
	return h
}

// RequestHash identifies a request by its content: SHA-256 over the
// method, the path with its query exactly as sent, the content-bearing
// headers and the body. Every kind of caller authentication (a signed
// request, an API key) binds the same hash, so an answer's signature
// always binds the request it answers.
func RequestHash(method, pathQuery string, h http.Header, body []byte) [32]byte {
	return sha256.Sum256(RequestPreimage(method, pathQuery, h, body))
}

// RequestPreimage is what RequestHash hashes (docs/answers.md spells it
// out byte by byte, for independent implementations).
func RequestPreimage(method, pathQuery string, h http.Header, body []byte) []byte {
	bh := sha256.Sum256(body)
	w := wire.NewWriter(128 + len(pathQuery))
	w.Raw([]byte("phala/request/v2\x00"))
	w.String(method)
	w.String(pathQuery)
	writeContentHeaders(w, h)
	w.Raw(bh[:])
	return w.Bytes()
}

// RequestSignBytes is what a caller signs for one request: the chain, the
// agent (zero for the AI router), the worker it is for, the request's
// content hash and the time.
func RequestSignBytes(chainID string, agent, worker, requestHash [32]byte, timestampMillis int64) []byte {
	w := wire.NewWriter(160)
	w.Raw([]byte("phala/agent-call/v2\x00"))
	w.String(chainID)
	w.Raw(agent[:])
	w.Raw(worker[:])
	w.Raw(requestHash[:])
	w.Uvarint(uint64(timestampMillis))
	return w.Bytes()
}

// SignRequest adds the caller headers to r, a request for agent (zero for
// the AI router) on worker with body; it sets HeaderTarget to worker.
// Set the request's content headers before signing.
func SignRequest(r *http.Request, chainID string, agent, worker [32]byte, body []byte, key ed25519.PrivateKey, now time.Time) {
	r.Header.Set(HeaderTarget, hex.EncodeToString(worker[:]))
	ts := now.UnixMilli()
	rh := RequestHash(r.Method, r.URL.RequestURI(), r.Header, body)
	sig := ed25519.Sign(key, RequestSignBytes(chainID, agent, worker, rh, ts))
	r.Header.Set(HeaderCaller, hex.EncodeToString(key.Public().(ed25519.PublicKey)))
	r.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	r.Header.Set(HeaderSignature, hex.EncodeToString(sig))
}

// SignedRequest is a verified caller signature: what a usage receipt
// carries so the chain can check the caller asked for the call.
type SignedRequest struct {
	Caller    ed25519.PublicKey
	Worker    [32]byte
	Request   [32]byte // RequestHash of the request
	Timestamp int64    // Unix milliseconds
	Signature []byte
}

// Address is the caller's account.
func (s SignedRequest) Address() address.Address { return address.FromPubKey(s.Caller) }

// ID is the request's identity for replay checks and receipts: SHA-256
// of its sign bytes followed by the caller's public key. The key is part
// of it because the sign bytes do not name the caller: two callers who
// send the same request to one worker in the same millisecond make two
// calls, not a call and its replay.
func (s SignedRequest) ID(chainID string, agent [32]byte) [32]byte {
	h := sha256.New()
	h.Write(RequestSignBytes(chainID, agent, s.Worker, s.Request, s.Timestamp))
	h.Write(s.Caller)
	return [32]byte(h.Sum(nil))
}

// Check verifies the signature; it is what the chain runs on a receipt.
func (s SignedRequest) Check(chainID string, agent [32]byte) error {
	if len(s.Caller) != ed25519.PublicKeySize || !ed25519.Verify(s.Caller, RequestSignBytes(chainID, agent, s.Worker, s.Request, s.Timestamp), s.Signature) {
		return ErrSignature
	}
	return nil
}

// VerifyRequest checks the caller headers of a request served by worker;
// ok is false when the request carries none. It refuses a signature that
// does not verify, a request signed for another worker and one whose time
// is more than Skew from now, each with its own error.
func VerifyRequest(h http.Header, chainID string, agent, worker [32]byte, method, pathQuery string, body []byte, now time.Time) (SignedRequest, bool, error) {
	s, signed, err := parseSigned(h)
	if !signed || err != nil {
		return SignedRequest{}, signed, err
	}
	s.Request = RequestHash(method, pathQuery, h, body)
	if err := s.Check(chainID, agent); err != nil {
		return SignedRequest{}, true, err
	}
	if s.Worker != worker {
		return SignedRequest{}, true, fmt.Errorf("%w: it names worker %x, this is %x", ErrWrongWorker, s.Worker[:4], worker[:4])
	}
	if err := fresh(s.Timestamp, now); err != nil {
		return SignedRequest{}, true, err
	}
	return s, true, nil
}

// ScreenRequest is the part of VerifyRequest that needs no key: the
// caller headers are present and well formed and the time is within Skew
// of now. It does not verify the signature, so it decides nothing about
// who is calling; it lets a forwarder refuse junk that VerifyRequest
// would refuse anyway. ok is false when the request carries no caller
// headers.
func ScreenRequest(h http.Header, now time.Time) (ok bool, err error) {
	s, signed, err := parseSigned(h)
	if !signed || err != nil {
		return signed, err
	}
	return true, fresh(s.Timestamp, now)
}

// parseSigned reads the caller headers into a SignedRequest without its
// request hash; signed is false when there are none.
func parseSigned(h http.Header) (s SignedRequest, signed bool, err error) {
	pubHex, tsText, sigHex := h.Get(HeaderCaller), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if pubHex == "" && sigHex == "" {
		return SignedRequest{}, false, nil
	}
	pub, err1 := hex.DecodeString(pubHex)
	sig, err2 := hex.DecodeString(sigHex)
	ts, err3 := strconv.ParseInt(tsText, 10, 64)
	target, err4 := hex.DecodeString(h.Get(HeaderTarget))
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil || len(pub) != ed25519.PublicKeySize || len(target) != 32 {
		return SignedRequest{}, true, fmt.Errorf("%w: malformed %s, %s, %s or %s header", ErrSignature, HeaderCaller, HeaderTimestamp, HeaderSignature, HeaderTarget)
	}
	return SignedRequest{Caller: pub, Worker: [32]byte(target), Timestamp: ts, Signature: sig}, true, nil
}

// fresh refuses a request time more than Skew from now.
func fresh(ts int64, now time.Time) error {
	if d := now.Sub(time.UnixMilli(ts)); d > Skew || d < -Skew {
		return fmt.Errorf("%w: %s", ErrStale, d.Round(time.Second))
	}
	return nil
}

// PathWorkers is the last path element of GET /agents/<id>/workers, which
// a gateway answers with the agent's workers in its routing order and a
// worker with itself: whom a caller may sign a request for.
const PathWorkers = "workers"

// WorkerTarget is one entry of a GET /agents/<id>/workers answer.
type WorkerTarget struct {
	// Worker is the worker's id (hex), what HeaderTarget names.
	Worker string `json:"worker"`
	// Healthy is the gateway's last view of the worker.
	Healthy bool `json:"healthy"`
}
