package replica

import (
	"context"
	"crypto/ecdh"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/phalanetwork/phala/contractio"
	"github.com/phalanetwork/phala/crypto/envelope"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/sandbox"
)

// Query errors the worker maps to HTTP statuses.
var (
	// ErrBadQuery marks a query that does not open or decode.
	ErrBadQuery = errors.New("query does not open with this worker's key")
	// ErrNotRunning marks a query for a contract this worker does not run.
	ErrNotRunning = errors.New("this worker does not run the contract")
)

// Query answers a query sealed to this worker: it checks the caller's
// signature, runs the contract's query entry point read-only on the
// current state, seals the answer to the caller's reply key and signs it
// with the worker identity over the request and the answer.
func (r *Replica) Query(ctx context.Context, src chainsync.Source, body []byte, now time.Time) (contractio.QueryResponse, error) {
	var resp contractio.QueryResponse
	plain, err := r.core.OpenSealed(envelope.PurposeQuery, body)
	if err != nil {
		return resp, fmt.Errorf("%w: %v", ErrBadQuery, err)
	}
	var q contractio.Query
	if err := json.Unmarshal(plain, &q); err != nil || len(q.Contract) != 32 {
		return resp, fmt.Errorf("%w: query is not JSON with a 32-byte contract id", ErrBadQuery)
	}
	caller, err := q.Caller(r.core.ChainID(), [32]byte(r.core.ID()), now)
	if err != nil {
		return resp, err
	}
	reply, err := ecdh.X25519().NewPublicKey(q.ReplyKey)
	if err != nil {
		return resp, fmt.Errorf("%w: reply key: %v", ErrBadQuery, err)
	}
	result, err := r.RunQuery(ctx, src, [32]byte(q.Contract), caller.String(), q.Payload, now)
	if err != nil {
		return resp, err
	}
	out, _ := json.Marshal(result)
	env, err := envelope.Seal(reply, envelope.PurposeQueryResponse, r.core.PublicKey(), out)
	if err != nil {
		return resp, err
	}
	return r.core.SignQueryResponse(body, env.Encode()), nil
}

// RunQuery runs a contract's query entry point read-only on the state this
// replica holds, as caller at time now. The agent host asks a policy
// contract this way.
func (r *Replica) RunQuery(ctx context.Context, src chainsync.Source, id [32]byte, caller string, payload json.RawMessage, now time.Time) (contractio.QueryResult, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	in, ok := r.running[id]
	if !ok {
		b, _, err := r.core.Cached(ctx, src, contracts.ContractKey(id))
		if err != nil {
			return contractio.QueryResult{}, err
		}
		if b == nil {
			return contractio.QueryResult{}, fmt.Errorf("%w: %x", ErrNotRunning, id)
		}
		var rec contracts.Contract
		if err := json.Unmarshal(b, &rec); err != nil {
			return contractio.QueryResult{}, err
		}
		if in, err = r.load(rec); err != nil {
			return contractio.QueryResult{}, fmt.Errorf("%w: %v", ErrNotRunning, err)
		}
	}
	if in.rec.NextInput == 0 {
		return contractio.QueryResult{}, fmt.Errorf("%w: %x has not run its constructor here yet", ErrNotRunning, id)
	}
	prog, err := r.program(ctx, src, [32]byte(in.rec.Code))
	if err != nil {
		return contractio.QueryResult{OK: false, Error: err.Error(), Input: in.rec.NextInput}, nil
	}
	m := hmac.New(sha256.New, in.rec.RootKey)
	m.Write([]byte("phala/contract-query-random/v1"))
	info := callInfo{Contract: hex.EncodeToString(id[:]), Caller: caller, Height: r.core.SyncedHeight(), Time: now.UnixMilli(), Input: in.rec.NextInput}
	res, _, err := contractCall(ctx, prog, callQuery, info, payload, in.state, true,
		&sandbox.Determinism{TimeMillis: now.UnixMilli(), Seed: [32]byte(m.Sum(nil))}, 0)
	if err != nil {
		return contractio.QueryResult{Error: err.Error(), Input: in.rec.NextInput}, nil
	}
	return contractio.QueryResult{OK: true, Value: res.Value, Input: in.rec.NextInput}, nil
}
