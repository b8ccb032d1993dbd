package chainsync

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtbytes "github.com/cometbft/cometbft/libs/bytes"
	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
	"github.com/cometbft/cometbft/rpc/client/http"
	jsonrpc "github.com/cometbft/cometbft/rpc/jsonrpc/client"
	"github.com/cometbft/cometbft/types"
)

// PathStore is the ABCI query path that returns a raw state value and, with
// prove, its ICS23 proof (chain/app.PathStore).
const PathStore = "/store"

// RPCSource is the host-side Source, ResultsSource and BlockSource over a
// node's CometBFT RPC. It is untrusted by construction: everything it
// returns is verified by Sync. Safe for concurrent use.
type RPCSource struct {
	rpc *http.HTTP
	// query is a JSON-RPC client to the same node for StateProof and
	// LatestHeight, which decode their answers themselves (queryAnswer,
	// statusAnswer); queryErr says why there is none (an address rpc
	// accepted and it did not).
	query    *jsonrpc.Client
	queryErr error

	mu   sync.Mutex
	vals *types.ValidatorSet // the last validator set fetched, reused while the header's ValidatorsHash matches
}

// NewRPCSource returns a source that reads the chain through rpc.
func NewRPCSource(rpc *http.HTTP) *RPCSource {
	r := &RPCSource{rpc: rpc}
	r.query, r.queryErr = jsonrpc.New(rpc.Remote())
	return r
}

var (
	_ Source        = (*RPCSource)(nil)
	_ ResultsSource = (*RPCSource)(nil)
	_ BlockSource   = (*RPCSource)(nil)
)

// LightBlock fetches the commit (signed header) of height and its validator
// set. The validator set is fetched only when it differs from the last one
// fetched (by the header's ValidatorsHash); a reused set is a copy.
func (r *RPCSource) LightBlock(ctx context.Context, height int64) (*types.LightBlock, error) {
	if height <= 0 {
		return nil, fmt.Errorf("light block: height %d", height)
	}
	c, err := r.rpc.Commit(ctx, &height)
	if err != nil {
		return nil, fmt.Errorf("commit %d: %w", height, err)
	}
	if c.SignedHeader.Header == nil || c.SignedHeader.Commit == nil {
		return nil, fmt.Errorf("commit %d: node has no block at that height yet", height)
	}
	sh := c.SignedHeader
	r.mu.Lock()
	cached := r.vals
	r.mu.Unlock()
	var vals *types.ValidatorSet
	if cached != nil && bytes.Equal(cached.Hash(), sh.ValidatorsHash) {
		vals = cached.Copy()
	} else {
		if vals, err = r.validators(ctx, height); err != nil {
			return nil, err
		}
		r.mu.Lock()
		r.vals = vals.Copy()
		r.mu.Unlock()
	}
	return &types.LightBlock{SignedHeader: &sh, ValidatorSet: vals}, nil
}

// validators reads the whole validator set of height, page by page.
func (r *RPCSource) validators(ctx context.Context, height int64) (*types.ValidatorSet, error) {
	const perPageMax, maxPages = 100, 100 // at most 10,000 validators
	var vals []*types.Validator
	perPage := perPageMax
	for page := 1; page <= maxPages; page++ {
		res, err := r.rpc.Validators(ctx, &height, &page, &perPage)
		if err != nil {
			return nil, fmt.Errorf("validators %d page %d: %w", height, page, err)
		}
		if res.BlockHeight != height {
			return nil, fmt.Errorf("validators %d: node answered for height %d", height, res.BlockHeight)
		}
		if len(res.Validators) == 0 || res.Total <= 0 {
			return nil, fmt.Errorf("validators %d page %d: empty answer (total %d)", height, page, res.Total)
		}
		vals = append(vals, res.Validators...)
		if len(vals) >= res.Total {
			if len(vals) > res.Total {
				return nil, fmt.Errorf("validators %d: got %d, node says total %d", height, len(vals), res.Total)
			}
			set, err := types.ValidatorSetFromExistingValidators(vals)
			if err != nil {
				return nil, fmt.Errorf("validators %d: %w", height, err)
			}
			return set, nil
		}
	}
	return nil, fmt.Errorf("validators %d: more than %d pages", height, maxPages)
}

// LatestHeight is the node's latest block height.
func (r *RPCSource) LatestHeight(ctx context.Context) (int64, error) {
	if r.queryErr != nil {
		return 0, fmt.Errorf("status: %w", r.queryErr)
	}
	var a statusAnswer
	if _, err := r.query.Call(ctx, "status", map[string]any{}, &a); err != nil {
		return 0, fmt.Errorf("status: %w", err)
	}
	return a.SyncInfo.LatestBlockHeight, nil
}

// statusAnswer is the part of CometBFT's status result LatestHeight reads.
// A worker asks for it at every poll; decoding the whole result with
// CometBFT's client (libs/json, through a map at every level) took 56 of
// the 70 µs of CPU the client spent on a call.
type statusAnswer struct {
	SyncInfo struct {
		LatestBlockHeight int64 `json:"latest_block_height,string"`
	} `json:"sync_info"`
}

// UnmarshalJSON decodes the answer with encoding/json (libs/json calls it
// instead of its reflection).
func (a *statusAnswer) UnmarshalJSON(b []byte) error {
	type plain statusAnswer // without this method
	return json.Unmarshal(b, (*plain)(a))
}

// StateProof runs the "/store" query for key at height with a proof.
func (r *RPCSource) StateProof(ctx context.Context, key []byte, height int64) ([]byte, *cmtcrypto.ProofOps, error) {
	q, err := r.abciQuery(ctx, key, height)
	if err != nil {
		return nil, nil, fmt.Errorf("query %s at %d: %w", PathStore, height, err)
	}
	if q.Code != 0 {
		return nil, nil, fmt.Errorf("query %s at %d: code %s/%d: %s", PathStore, height, q.Codespace, q.Code, q.Log)
	}
	if q.Height != height {
		return nil, nil, fmt.Errorf("query %s at %d: node answered for height %d", PathStore, height, q.Height)
	}
	if q.ProofOps == nil {
		return nil, nil, errors.New("query " + PathStore + ": node returned no proof")
	}
	return q.Value, q.ProofOps, nil
}

// abciQuery asks the node for the "/store" query of key at height with a
// proof.
func (r *RPCSource) abciQuery(ctx context.Context, key []byte, height int64) (*queryResponse, error) {
	if r.queryErr != nil {
		return nil, r.queryErr
	}
	var a queryAnswer
	params := map[string]any{"path": PathStore, "data": cmtbytes.HexBytes(key), "height": height, "prove": true}
	if _, err := r.query.Call(ctx, "abci_query", params, &a); err != nil {
		return nil, err
	}
	return &a.Response, nil
}

// queryAnswer is CometBFT's abci_query result, as much of it as StateProof
// uses. It decodes itself with encoding/json in one pass: CometBFT's own
// client goes through a map at every level of the struct (libs/json) and
// then through jsonpb for the response, most of the CPU of a worker's
// proven read.
type queryAnswer struct {
	Response queryResponse `json:"response"`
}

// UnmarshalJSON decodes the answer with encoding/json (libs/json calls it
// instead of its reflection).
func (a *queryAnswer) UnmarshalJSON(b []byte) error {
	type plain queryAnswer // without this method
	return json.Unmarshal(b, (*plain)(a))
}

// queryResponse is the part of abci.ResponseQuery StateProof reads, with
// the names the node writes it with (jsonpb: camel case, int64 as strings).
type queryResponse struct {
	Code      uint32              `json:"code"`
	Log       string              `json:"log"`
	Value     []byte              `json:"value"`
	ProofOps  *cmtcrypto.ProofOps `json:"proofOps"`
	Height    int64               `json:"height,string"`
	Codespace string              `json:"codespace"`
}

// BlockResults returns the FinalizeBlock tx results of height.
func (r *RPCSource) BlockResults(ctx context.Context, height int64) ([]*abci.ExecTxResult, error) {
	res, err := r.rpc.BlockResults(ctx, &height)
	if err != nil {
		return nil, fmt.Errorf("block results %d: %w", height, err)
	}
	return res.TxsResults, nil
}

// BlockTxs returns the transactions of block height.
func (r *RPCSource) BlockTxs(ctx context.Context, height int64) (types.Txs, error) {
	res, err := r.rpc.Block(ctx, &height)
	if err != nil {
		return nil, fmt.Errorf("block %d: %w", height, err)
	}
	if res.Block == nil {
		return nil, fmt.Errorf("block %d: node has no such block", height)
	}
	return res.Block.Txs, nil
}
