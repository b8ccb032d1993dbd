package chainsync

import (
	"bytes"
	"context"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/types"
)

// ResultsSource is the untrusted host's access to FinalizeBlock results.
type ResultsSource interface {
	// BlockResults returns the tx results of the block at height, in
	// block order.
	BlockResults(ctx context.Context, height int64) ([]*abci.ExecTxResult, error)
}

// BlockSource is the untrusted host's access to block contents.
type BlockSource interface {
	// BlockTxs returns the transactions of the block at height, in order.
	BlockTxs(ctx context.Context, height int64) (types.Txs, error)
}

// VerifiedResults returns the tx results of block height, checked against
// the LastResultsHash of the verified header height+1 (which must be in the
// window). The hash commits only to Code, Data, GasWanted and GasUsed, so
// only those fields are returned: Log, Info, Events and Codespace are not
// committed by any header and are dropped, so that nothing unverified can be
// mistaken for chain data.
func (s *Sync) VerifiedResults(ctx context.Context, src ResultsSource, height int64) ([]*abci.ExecTxResult, error) {
	next, err := s.header(height+1, "results of block "+itoa(height))
	if err != nil {
		return nil, err
	}
	res, err := src.BlockResults(ctx, height)
	if err != nil {
		return nil, failWrap(ErrWithheld, height, "block-results", err, "source did not provide the results of block %d", height)
	}
	out := make([]*abci.ExecTxResult, len(res))
	for i, r := range res {
		if r == nil {
			return nil, fail(ErrBadProof, height, "results-hash", "result %d is missing", i)
		}
		out[i] = &abci.ExecTxResult{Code: r.Code, Data: bytes.Clone(r.Data), GasWanted: r.GasWanted, GasUsed: r.GasUsed}
	}
	if got := types.NewResults(out).Hash(); !bytes.Equal(got, next.LastResultsHash) {
		return nil, fail(ErrBadProof, height, "results-hash", "%d results hash to %X, header %d has LastResultsHash %X", len(out), got, height+1, next.LastResultsHash)
	}
	return out, nil
}

// VerifiedBlock returns the transactions of block height, checked against
// the DataHash of the verified header height (which must be in the window).
func (s *Sync) VerifiedBlock(ctx context.Context, src BlockSource, height int64) (types.Txs, error) {
	hdr, err := s.header(height, "transactions of block "+itoa(height))
	if err != nil {
		return nil, err
	}
	txs, err := src.BlockTxs(ctx, height)
	if err != nil {
		return nil, failWrap(ErrWithheld, height, "block-txs", err, "source did not provide the transactions of block %d", height)
	}
	if got := txs.Hash(); !bytes.Equal(got, hdr.DataHash) {
		return nil, fail(ErrBadProof, height, "data-hash", "%d transactions hash to %X, header has DataHash %X", len(txs), got, hdr.DataHash)
	}
	out := make(types.Txs, len(txs))
	for i, tx := range txs {
		out[i] = bytes.Clone(tx)
	}
	return out, nil
}
