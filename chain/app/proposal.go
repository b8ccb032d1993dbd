package app

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
)

// A block may carry only transactions that pay: each must decode, be for
// this chain, carry at least the minimum fee, hold valid messages and a
// valid signature, and have the sender's next nonce and the fee in its
// balance, in the state left by the transactions before it in the block.
// Anything else would fill blocks for free. PrepareProposal leaves such
// transactions out; ProcessProposal refuses a block that carries one, so a
// hostile proposer's block gets no honest prevote. Both, and CheckTx and
// FinalizeBlock, run admitTx, so they apply the same checks.

// admitTx runs the checks a transaction must pass to pay its fee, then
// charges the fee and uses the nonce in kv. fromMempool is as for
// decodeAndVerify.
func (a *App) admitTx(kv state.KV, rules *txRules, raw []byte, fromMempool bool) (*tx.Tx, error) {
	t, err := a.decodeAndVerify(rules, raw, fromMempool)
	if err != nil {
		return t, err
	}
	return t, a.chargeFee(kv, t)
}

// proposalBlock is a scratch branch of the committed state for checking a
// proposed block: the context its transactions run in, nothing of which
// is kept. The block's own hash is not recorded, as PrepareProposal cannot
// know it; no transaction can refer to the block that holds it.
func (a *App) proposalBlock(height int64, t time.Time) *module.Context {
	return &module.Context{KV: state.NewCache(a.store), ChainID: a.rules.Load().chainID, Height: height, Time: t, Simulating: true}
}

// tryTx runs raw on the scratch block as FinalizeBlock would: the fee
// layer is kept even if a message fails. It fails only for a transaction
// that would not pay, which must not be in the block.
func (a *App) tryTx(block *module.Context, raw []byte) error {
	feeKV := state.NewCache(block.KV)
	t, err := a.admitTx(feeKV, a.rules.Load(), raw, true)
	if err != nil {
		return err
	}
	msgKV := state.NewCache(feeKV)
	if a.runMsgs(block.WithKV(msgKV), t) == nil {
		msgKV.Write()
	}
	feeKV.Write()
	return nil
}

// PrepareProposal builds this validator's block from the mempool's
// transactions: in mempool order, those that would pay, within
// req.MaxTxBytes.
func (a *App) PrepareProposal(_ context.Context, req *abci.RequestPrepareProposal) (*abci.ResponsePrepareProposal, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	block := a.proposalBlock(req.Height, req.Time)
	kept := make([][]byte, 0, len(req.Txs))
	var size int64
	for i, raw := range req.Txs {
		n := cmttypes.ComputeProtoSizeForTxs([]cmttypes.Tx{raw})
		if size+n > req.MaxTxBytes {
			continue // a smaller one further on may still fit
		}
		if err := a.tryTx(block, raw); err != nil {
			a.log.Debug("tx left out of proposal", "height", req.Height, "index", i, "err", err)
			continue
		}
		kept = append(kept, raw)
		size += n
	}
	a.prepared = proposalDigest(req.Height, req.Time, kept)
	return &abci.ResponsePrepareProposal{Txs: kept}, nil
}

// ProcessProposal accepts a proposed block only if every transaction in it
// would pay, checked in order against the state the ones before it leave.
// The answer depends only on the committed state and the block, so every
// honest validator gives the same one.
func (a *App) ProcessProposal(_ context.Context, req *abci.RequestProcessProposal) (*abci.ResponseProcessProposal, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	// This validator's own proposal was built by the same checks on the
	// same state; running them again would change nothing.
	if a.prepared == proposalDigest(req.Height, req.Time, req.Txs) {
		return &abci.ResponseProcessProposal{Status: abci.ResponseProcessProposal_ACCEPT}, nil
	}
	block := a.proposalBlock(req.Height, req.Time)
	for i, raw := range req.Txs {
		if err := a.tryTx(block, raw); err != nil {
			a.log.Warn("proposal refused: it carries a transaction that does not pay",
				"height", req.Height, "proposer", fmt.Sprintf("%X", req.ProposerAddress), "tx", i, "err", err)
			return &abci.ResponseProcessProposal{Status: abci.ResponseProcessProposal_REJECT}, nil
		}
	}
	return &abci.ResponseProcessProposal{Status: abci.ResponseProcessProposal_ACCEPT}, nil
}

// proposalDigest identifies a proposal's content: height, time and txs.
func proposalDigest(height int64, t time.Time, txs [][]byte) [32]byte {
	h := sha256.New()
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(height))
	h.Write(b[:])
	binary.BigEndian.PutUint64(b[:], uint64(t.UnixNano()))
	h.Write(b[:])
	for _, raw := range txs {
		sum := tx.Hash(raw)
		h.Write(sum[:])
	}
	var out [32]byte
	h.Sum(out[:0])
	return out
}
