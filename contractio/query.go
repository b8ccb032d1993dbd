package contractio

import (
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/crypto/envelope"
)

// Query errors; a worker answers each with HTTP 400 or 401 and the message.
var (
	ErrQuerySignature = errors.New("contractio: query signature does not verify")
	ErrQueryStale     = errors.New("contractio: query issued too far from now")
	ErrCertExpired    = errors.New("contractio: session certificate expired")
	ErrCertSignature  = errors.New("contractio: session certificate signature does not verify")
	ErrResponse       = errors.New("contractio: response signature does not verify")
)

// QuerySkew is how far a query's issue time may be from the worker's
// clock; queries only read, so this bounds how long a captured one stays
// usable.
const QuerySkew = 5 * time.Minute

// SessionCert lets a short-lived key sign queries for an account: the
// account key signs the session key and an expiry once, and the session key
// signs each query.
type SessionCert struct {
	Account       []byte `json:"account"`
	Session       []byte `json:"session"`
	ExpiresMillis int64  `json:"expires_ms"`
	Signature     []byte `json:"signature"`
}

func certSignBytes(chainID string, session []byte, expires int64) []byte {
	w := wire.NewWriter(96)
	w.Raw([]byte("phala/query-session/v1\x00"))
	w.String(chainID)
	w.VarBytes(session)
	w.Uvarint(uint64(expires))
	return w.Bytes()
}

// NewSessionCert certifies session for queries of account until expires.
func NewSessionCert(chainID string, account ed25519.PrivateKey, session ed25519.PublicKey, expires time.Time) *SessionCert {
	ms := expires.UnixMilli()
	return &SessionCert{
		Account: account.Public().(ed25519.PublicKey), Session: session, ExpiresMillis: ms,
		Signature: ed25519.Sign(account, certSignBytes(chainID, session, ms)),
	}
}

// Query is the plaintext of a query envelope sealed to a worker.
type Query struct {
	Contract     []byte          `json:"contract"`
	Payload      json.RawMessage `json:"payload"`
	ReplyKey     []byte          `json:"reply_key"`
	IssuedMillis int64           `json:"issued_ms"`
	Signer       []byte          `json:"signer"`
	Signature    []byte          `json:"signature"`
	Cert         *SessionCert    `json:"cert,omitempty"`
}

func (q *Query) signBytes(chainID string, worker [32]byte) []byte {
	h := sha256.Sum256(q.Payload)
	w := wire.NewWriter(200)
	w.Raw([]byte("phala/contract-query/v1\x00"))
	w.String(chainID)
	w.Raw(worker[:])
	w.VarBytes(q.Contract)
	w.Raw(h[:])
	w.VarBytes(q.ReplyKey)
	w.Uvarint(uint64(q.IssuedMillis))
	return w.Bytes()
}

// Caller checks the query's signature (and certificate) for a worker and
// returns the account that asked. The query must be fresh by now, the
// worker's host clock; a session certificate must be unexpired by now and
// by chainNow, the chain's verified time, which the host cannot set back.
func (q *Query) Caller(chainID string, worker [32]byte, now, chainNow time.Time) (address.Address, error) {
	if len(q.Signer) != ed25519.PublicKeySize || !ed25519.Verify(q.Signer, q.signBytes(chainID, worker), q.Signature) {
		return address.Address{}, ErrQuerySignature
	}
	if d := now.Sub(time.UnixMilli(q.IssuedMillis)); d > QuerySkew || d < -QuerySkew {
		return address.Address{}, fmt.Errorf("%w: %s", ErrQueryStale, d.Round(time.Second))
	}
	account := q.Signer
	if c := q.Cert; c != nil {
		if len(c.Account) != ed25519.PublicKeySize || string(c.Session) != string(q.Signer) ||
			!ed25519.Verify(c.Account, certSignBytes(chainID, c.Session, c.ExpiresMillis), c.Signature) {
			return address.Address{}, ErrCertSignature
		}
		if now.UnixMilli() > c.ExpiresMillis || chainNow.UnixMilli() > c.ExpiresMillis {
			return address.Address{}, ErrCertExpired
		}
		account = c.Account
	}
	return address.FromPubKey(account), nil
}

// QueryResult is the plaintext of a worker's answer.
type QueryResult struct {
	OK    bool            `json:"ok"`
	Value json.RawMessage `json:"value,omitempty"`
	Error string          `json:"error,omitempty"`
	// Input is how many inputs the state reflects.
	Input uint64 `json:"input"`
}

// QueryResponse is what a worker returns over HTTP: the answer sealed to
// the reply key, signed by the worker identity over the request and the
// sealed answer.
type QueryResponse struct {
	Worker    []byte `json:"worker"`
	Sealed    []byte `json:"sealed"`
	Signature []byte `json:"signature"`
}

// ResponseSignBytes binds a response to its request.
func ResponseSignBytes(chainID string, request, sealed []byte) []byte {
	rq, rs := sha256.Sum256(request), sha256.Sum256(sealed)
	w := wire.NewWriter(128)
	w.Raw([]byte("phala/contract-query-response/v1\x00"))
	w.String(chainID)
	w.Raw(rq[:])
	w.Raw(rs[:])
	return w.Bytes()
}

// PendingQuery is a sealed query and what its sender needs to read the
// answer.
type PendingQuery struct {
	Body    []byte
	reply   *ecdh.PrivateKey
	worker  [32]byte
	chainID string
}

// NewQuery signs a query with key (an account key, or a session key with
// its cert) and seals it to the worker's ECDH key.
func NewQuery(chainID string, worker [32]byte, workerECDH []byte, key ed25519.PrivateKey, cert *SessionCert, contract [32]byte, payload json.RawMessage, now time.Time) (*PendingQuery, error) {
	pub, err := ecdh.X25519().NewPublicKey(workerECDH)
	if err != nil {
		return nil, fmt.Errorf("worker ECDH key: %w", err)
	}
	reply, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	if len(payload) == 0 {
		payload = json.RawMessage("null")
	}
	q := Query{Contract: contract[:], Payload: payload, ReplyKey: reply.PublicKey().Bytes(), IssuedMillis: now.UnixMilli(),
		Signer: key.Public().(ed25519.PublicKey), Cert: cert}
	q.Signature = ed25519.Sign(key, q.signBytes(chainID, worker))
	plain, err := json.Marshal(q)
	if err != nil {
		return nil, err
	}
	env, err := envelope.Seal(pub, envelope.PurposeQuery, nil, plain)
	if err != nil {
		return nil, err
	}
	return &PendingQuery{Body: env.Encode(), reply: reply, worker: worker, chainID: chainID}, nil
}

// Open checks the worker's signature and decrypts its answer.
func (p *PendingQuery) Open(resp QueryResponse) (QueryResult, error) {
	var out QueryResult
	if string(resp.Worker) != string(p.worker[:]) || !ed25519.Verify(resp.Worker, ResponseSignBytes(p.chainID, p.Body, resp.Sealed), resp.Signature) {
		return out, ErrResponse
	}
	env, err := envelope.Decode(resp.Sealed)
	if err != nil {
		return out, err
	}
	plain, err := envelope.Open(p.reply, envelope.PurposeQueryResponse, env)
	if err != nil {
		return out, err
	}
	if err := json.Unmarshal(plain, &out); err != nil {
		return out, fmt.Errorf("%w: query result: %v", ErrMalformed, err)
	}
	return out, nil
}
