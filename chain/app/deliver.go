package app

import (
	"fmt"
	"strconv"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanetwork/phala/chain/abcierr"
	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/modules/balances"
)

// Event and attribute names for every transaction.
const (
	EventTx    = "tx"
	AttrSender = "sender"
	AttrNonce  = "nonce"
)

// decodeAndVerify runs the stateless checks: size, form, chain id, minimum
// fee, message validity and signature. The mempool (fromMempool) records
// verified signatures so FinalizeBlock need not verify the same bytes again.
func (a *App) decodeAndVerify(raw []byte, fromMempool bool) (*tx.Tx, error) {
	if len(raw) > a.params.MaxTxBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", tx.ErrTooLarge, len(raw), a.params.MaxTxBytes)
	}
	t, err := tx.Decode(a.registry, raw)
	if err != nil {
		return nil, err
	}
	if t.ChainID != a.chainID {
		return nil, fmt.Errorf("%w: tx is for %q, this chain is %q", tx.ErrWrongChainID, t.ChainID, a.chainID)
	}
	if t.Fee.LT(a.params.MinFee) {
		return nil, fmt.Errorf("%w: fee %s, minimum %s", tx.ErrFeeTooLow, t.Fee.PHA(), a.params.MinFee.PHA())
	}
	for i, m := range t.Msgs {
		if err := m.ValidateBasic(); err != nil {
			return nil, fmt.Errorf("message %d (%s): %w", i, m.Type(), err)
		}
	}
	h := tx.Hash(raw)
	if fromMempool {
		if a.sigs.has(h) {
			return t, nil
		}
	} else if a.sigs.take(h) {
		return t, nil
	}
	if err := t.Verify(); err != nil {
		return nil, err
	}
	if fromMempool {
		a.sigs.put(h)
	}
	return t, nil
}

// deliverTx executes one transaction of a block. A transaction that fails
// before its fee is charged changes nothing; once the fee is charged and the
// nonce used, a failing message reverts only the messages.
func (a *App) deliverTx(block *module.Context, raw []byte) *abci.ExecTxResult {
	t, err := a.decodeAndVerify(raw, false)
	if err != nil {
		return execResult(err, nil)
	}
	sender := t.Sender()
	k := a.balances.Keeper
	acct := k.Account(a.store, sender)
	if t.Nonce != acct.Nonce {
		return execResult(fmt.Errorf("%w: account %s expects nonce %d, tx has %d", tx.ErrWrongNonce, sender, acct.Nonce, t.Nonce), nil)
	}
	nb, err := acct.Balance.Sub(t.Fee)
	if err != nil {
		return execResult(fmt.Errorf("%w: %s has %s, fee is %s", tx.ErrInsufficientFee, sender, acct.Balance.PHA(), t.Fee.PHA()), nil)
	}
	acct.Balance, acct.Nonce = nb, acct.Nonce+1
	k.SetAccount(a.store, sender, acct)
	if a.blockFees, err = a.blockFees.Add(t.Fee); err != nil {
		return execResult(fmt.Errorf("block fees: %w", err), nil)
	}

	cache := state.NewCache(a.store)
	ctx := block.WithKV(cache)
	ctx.Emit(EventTx, AttrSender, sender.String(), AttrNonce, strconv.FormatUint(t.Nonce, 10))
	balances.EmitFee(ctx, sender, t.Fee)
	feeEvents := ctx.Events()
	for i, m := range t.Msgs {
		mod := a.byName[moduleOf(m.Type())]
		if mod == nil {
			return execResult(fmt.Errorf("message %d: %w: %s", i, tx.ErrUnknownMsg, m.Type()), feeEvents)
		}
		if err := mod.DeliverMsg(ctx, sender, m); err != nil {
			return execResult(fmt.Errorf("message %d (%s): %w", i, m.Type(), err), feeEvents)
		}
	}
	cache.Write()
	return execResult(nil, ctx.Events())
}

// moduleOf returns the module part of a message type "<module>/<action>".
func moduleOf(msgType string) string {
	for i := 0; i < len(msgType); i++ {
		if msgType[i] == '/' {
			return msgType[:i]
		}
	}
	return msgType
}

func execResult(err error, events []abci.Event) *abci.ExecTxResult {
	if err == nil {
		return &abci.ExecTxResult{Code: abci.CodeTypeOK, Events: events}
	}
	space, code := abcierr.Code(err)
	return &abci.ExecTxResult{Codespace: space, Code: code, Log: err.Error(), Events: events}
}

func checkResult(err error) *abci.ResponseCheckTx {
	if err == nil {
		return &abci.ResponseCheckTx{Code: abci.CodeTypeOK}
	}
	space, code := abcierr.Code(err)
	return &abci.ResponseCheckTx{Codespace: space, Code: code, Log: err.Error()}
}
