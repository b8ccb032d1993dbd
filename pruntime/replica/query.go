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
	"github.com/phalanetwork/phala/pruntime/contractstate"
	"github.com/phalanetwork/phala/pruntime/core"
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
// signature (fresh by the host's clock, now; a session certificate
// unexpired by that and by the chain's time) and that its view of the
// chain is not older than the query by more than the skew
// (core.ViewFresh), runs the contract's query
// entry point read-only on the current state, seals the answer to the
// caller's reply key and signs it with the worker identity over the
// request and the answer.
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
	_, chainNow := r.core.Synced()
	caller, err := q.Caller(r.core.ChainID(), [32]byte(r.core.ID()), now, chainNow)
	if err != nil {
		return resp, err
	}
	if err := core.ViewFresh(time.UnixMilli(q.IssuedMillis), chainNow, contractio.QuerySkew); err != nil {
		return resp, err
	}
	reply, err := ecdh.X25519().NewPublicKey(q.ReplyKey)
	if err != nil {
		return resp, fmt.Errorf("%w: reply key: %v", ErrBadQuery, err)
	}
	result, err := r.RunQuery(ctx, src, [32]byte(q.Contract), caller.String(), q.Payload)
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
// replica holds, as caller, at the height and the verified time of the
// last header (ctx.time, Date.now: the block time, as a command sees it,
// never the host's clock, which its operator sets). The agent host asks a
// policy contract this way. Queries cost the caller nothing, so one must not hold
// the replica: it runs on a copy of the state, outside the replica's lock,
// at most maxQueries at a time and maxContractQueries of one contract,
// a freed slot going to the contract running the fewest (core.Slots; one
// that finds no slot for as long as a query may run fails with
// core.ErrBusy: 503, try again), and ends out of gas where a command
// would.
func (r *Replica) RunQuery(ctx context.Context, src chainsync.Source, id [32]byte, caller string, payload json.RawMessage) (contractio.QueryResult, error) {
	gas, err := r.queryGas(ctx, src)
	if err != nil {
		return contractio.QueryResult{}, err
	}
	wait, cancel := context.WithTimeoutCause(ctx, ContractLimits.Time, fmt.Errorf("it waited the whole %v a query may take", ContractLimits.Time))
	defer cancel()
	release, err := r.queries.Take(wait, string(id[:]))
	if err != nil {
		return contractio.QueryResult{}, err
	}
	defer release()
	q, err := r.queryTarget(ctx, src, id)
	if err != nil {
		return contractio.QueryResult{}, err
	}
	if q.progErr != nil {
		return contractio.QueryResult{OK: false, Error: q.progErr.Error(), Input: q.input}, nil
	}
	m := hmac.New(sha256.New, q.rootKey)
	m.Write([]byte("phala/contract-query-random/v1"))
	height, at := r.core.Synced()
	info := callInfo{Contract: hex.EncodeToString(id[:]), Caller: caller, Height: height, Time: at.UnixMilli(), Input: q.input}
	res, _, err := contractCall(ctx, q.prog, callQuery, info, payload, q.state, true,
		&sandbox.Determinism{TimeMillis: at.UnixMilli(), Seed: [32]byte(m.Sum(nil))}, gas)
	if err != nil {
		return contractio.QueryResult{Error: err.Error(), Input: q.input}, nil
	}
	return contractio.QueryResult{OK: true, Value: res.Value, Input: q.input}, nil
}

// queryRun is what a query needs of a contract, taken under the replica's
// lock: its program (or why there is none), a copy of its state, its next
// input and its root key.
type queryRun struct {
	prog    *sandbox.Program
	progErr error
	state   *contractstate.State
	input   uint64
	rootKey []byte
}

// queryTarget loads contract id if this replica does not run it yet and
// takes what a query of it needs.
func (r *Replica) queryTarget(ctx context.Context, src chainsync.Source, id [32]byte) (queryRun, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	in, ok := r.running[id]
	if !ok {
		b, _, err := r.core.Cached(ctx, src, contracts.ContractKey(id))
		if err != nil {
			return queryRun{}, err
		}
		if b == nil {
			return queryRun{}, fmt.Errorf("%w: %x", ErrNotRunning, id)
		}
		var rec contracts.Contract
		if err := json.Unmarshal(b, &rec); err != nil {
			return queryRun{}, err
		}
		if in, err = r.load(rec); err != nil {
			return queryRun{}, fmt.Errorf("%w: %v", ErrNotRunning, err)
		}
	}
	if in.rec.NextInput == 0 {
		return queryRun{}, fmt.Errorf("%w: %x has not run its constructor here yet", ErrNotRunning, id)
	}
	q := queryRun{input: in.rec.NextInput, rootKey: in.rec.RootKey}
	q.prog, q.progErr = r.program(ctx, src, [32]byte(in.rec.Code))
	if q.progErr == nil {
		q.state = in.state.Clone()
	}
	return q, nil
}

// queryGas is the most gas a query may use: the chain's command_gas, the
// most a command may ask for.
func (r *Replica) queryGas(ctx context.Context, src chainsync.Source) (uint64, error) {
	raw, _, err := r.core.Cached(ctx, src, contracts.ParamsKey())
	if err != nil {
		return 0, err
	}
	var p contracts.Params
	if err := json.Unmarshal(raw, &p); err != nil || p.CommandGas == 0 {
		return 0, fmt.Errorf("contracts params on chain: no command_gas to bound a query by (%v)", err)
	}
	return p.CommandGas, nil
}
