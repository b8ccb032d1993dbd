package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	"github.com/cometbft/cometbft/types"
)

// Proven blocks and transactions: what `phala query block` and `phala
// query tx` print is checked against headers the light client verified,
// like the proven state reads in proven.go.

// ErrBlockProof is a block or transaction the node served that its
// verified header does not vouch for; the message names the check.
var ErrBlockProof = errors.New("block proof check failed")

// ProvenBlock returns the block of height (0: the node's latest), checked
// against its verified header: the block must hash to it and its
// transactions to the header's data hash.
func (c *Client) ProvenBlock(ctx context.Context, height int64) (*coretypes.ResultBlock, error) {
	lc, err := c.Light(ctx)
	if err != nil {
		return nil, err
	}
	var header *types.Header
	if height == 0 {
		lb, err := lc.Latest(ctx)
		if err != nil {
			return nil, err
		}
		header, height = lb.Header, lb.Height
	} else if header, err = lc.Header(ctx, height); err != nil {
		return nil, err
	}
	res, err := c.RPC.Block(ctx, &height)
	if err != nil {
		return nil, fmt.Errorf("get block %d: %w", height, err)
	}
	if res.Block == nil {
		return nil, fmt.Errorf("%w: the node served no block %d", ErrBlockProof, height)
	}
	if err := res.Block.ValidateBasic(); err != nil {
		return nil, fmt.Errorf("%w: block %d: basic check (transactions against the data hash): %v", ErrBlockProof, height, err)
	}
	if got := res.Block.Hash(); !bytes.Equal(got, header.Hash()) || !bytes.Equal(res.BlockID.Hash, got) {
		return nil, fmt.Errorf("%w: block %d hashes to %X, the verified header is %X", ErrBlockProof, height, []byte(got), []byte(header.Hash()))
	}
	return res, nil
}

// ProvenTx looks a committed transaction up by hash and checks it against
// verified headers: its bytes by their Merkle proof to the data hash of
// its block's header, its result (code, data, gas) by the results hash of
// the next header, which it waits for (within ctx) when the transaction is
// in the latest block. The result's log, codespace and events are not in
// that hash: they are the node's text.
func (c *Client) ProvenTx(ctx context.Context, hash []byte) (*coretypes.ResultTx, error) {
	lc, err := c.Light(ctx)
	if err != nil {
		return nil, err
	}
	res, err := c.RPC.Tx(ctx, hash, true)
	if err != nil {
		return nil, fmt.Errorf("look up tx %X: %w", hash, err)
	}
	if got := types.Tx(res.Tx).Hash(); !bytes.Equal(got, hash) {
		return nil, fmt.Errorf("%w: the node served a transaction hashing to %X for %X", ErrBlockProof, got, hash)
	}
	header, err := lc.Header(ctx, res.Height)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(res.Proof.Data, res.Tx) || res.Proof.Proof.Index != int64(res.Index) {
		return nil, fmt.Errorf("%w: tx %X: the inclusion proof is for other bytes or another index", ErrBlockProof, hash)
	}
	if err := res.Proof.Validate(header.DataHash); err != nil {
		return nil, fmt.Errorf("%w: tx %X: inclusion proof against block %d's data hash: %v", ErrBlockProof, hash, res.Height, err)
	}
	if err := c.WaitVisible(ctx, res.Height); err != nil {
		return nil, fmt.Errorf("wait for block %d, whose header proves tx %X's result: %w", res.Height+1, hash, err)
	}
	next, err := lc.Header(ctx, res.Height+1)
	if err != nil {
		return nil, err
	}
	br, err := c.RPC.BlockResults(ctx, &res.Height)
	if err != nil {
		return nil, fmt.Errorf("get block %d results: %w", res.Height, err)
	}
	if got := types.NewResults(br.TxsResults).Hash(); !bytes.Equal(got, next.LastResultsHash) {
		return nil, fmt.Errorf("%w: block %d's results hash to %X, header %d names %X", ErrBlockProof, res.Height, got, res.Height+1, []byte(next.LastResultsHash))
	}
	if int(res.Index) >= len(br.TxsResults) {
		return nil, fmt.Errorf("%w: tx %X at index %d, block %d has %d results", ErrBlockProof, hash, res.Index, res.Height, len(br.TxsResults))
	}
	r := br.TxsResults[res.Index]
	if r.Code != res.TxResult.Code || !bytes.Equal(r.Data, res.TxResult.Data) || r.GasWanted != res.TxResult.GasWanted || r.GasUsed != res.TxResult.GasUsed {
		return nil, fmt.Errorf("%w: tx %X: result code %d differs from the proven code %d", ErrBlockProof, hash, res.TxResult.Code, r.Code)
	}
	return res, nil
}
