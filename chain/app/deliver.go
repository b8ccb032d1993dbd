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

// txRules are what the stateless checks compare a transaction against.
type txRules struct {
	chainID string
	params  Params
}

// decodeAndVerify runs the stateless checks: size, form, chain id, minimum
// fee, message validity and signature. The mempool (fromMempool) records
// verified signatures so FinalizeBlock need not verify the same bytes again.
func (a *App) decodeAndVerify(rules *txRules, raw []byte, fromMempool bool) (*tx.Tx, error) {
	if len(raw) > rules.params.MaxTxBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", tx.ErrTooLarge, len(raw), rules.params.MaxTxBytes)
	}
	t, err := tx.Decode(a.registry, raw)
	if err != nil {
		return nil, err
	}
	if t.ChainID != rules.chainID {
		return nil, fmt.Errorf("%w: tx is for %q, this chain is %q", tx.ErrWrongChainID, t.ChainID, rules.chainID)
	}
	if t.Fee.LT(rules.params.MinFee) {
		return nil, fmt.Errorf("%w: fee %s, minimum %s", tx.ErrFeeTooLow, t.Fee.PHA(), rules.params.MinFee.PHA())
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
	// Two cache layers: the fee layer is applied even when a message
	// fails, the message layer only when all succeed. Both reach the tree
	// once, in key order.
	feeKV := state.NewCache(a.store)
	t, err := a.admitTx(feeKV, a.rules.Load(), raw, false)
	if t != nil && len(t.Msgs) > 0 {
		a.txTypes = append(a.txTypes, t.Msgs[0].Type())
	} else {
		a.txTypes = append(a.txTypes, "invalid")
	}
	if err != nil {
		return execResult(err, nil)
	}
	if a.blockFees, err = a.blockFees.Add(t.Fee); err != nil {
		return execResult(fmt.Errorf("block fees: %w", err), nil)
	}
	msgKV := state.NewCache(feeKV)
	ctx := block.WithKV(msgKV)
	txEvents(ctx, t)
	feeEvents := ctx.Events()
	if err := a.runMsgs(ctx, t); err != nil {
		feeKV.Write()
		return execResult(err, feeEvents)
	}
	msgKV.Write()
	feeKV.Write()
	return execResult(nil, ctx.Events())
}

// simulateTx runs t against the mempool's state. Unlike a block, the
// mempool admits a transaction only if all of it would succeed, so a
// transfer the sender cannot cover is refused before it costs a fee.
func (a *App) simulateTx(rules *txRules, t *tx.Tx) error {
	txKV := state.NewCache(a.check.kv)
	if err := a.chargeFee(txKV, t); err != nil {
		return err
	}
	ctx := &module.Context{KV: state.NewCache(txKV), ChainID: rules.chainID, Height: a.check.height, Time: a.check.time, Simulating: true}
	if err := a.runMsgs(ctx, t); err != nil {
		return err
	}
	ctx.KV.(*state.Cache).Write()
	txKV.Write()
	return nil
}

// chargeFee checks the nonce, takes the fee and uses the nonce.
func (a *App) chargeFee(kv state.KV, t *tx.Tx) error {
	sender := t.Sender()
	k := a.balances.Keeper
	acct := k.Account(kv, sender)
	if t.Nonce != acct.Nonce {
		return fmt.Errorf("%w: account %s expects nonce %d, tx has %d", tx.ErrWrongNonce, sender, acct.Nonce, t.Nonce)
	}
	nb, err := acct.Balance.Sub(t.Fee)
	if err != nil {
		return fmt.Errorf("%w: %s has %s, fee is %s", tx.ErrInsufficientFee, sender, acct.Balance.PHA(), t.Fee.PHA())
	}
	acct.Balance, acct.Nonce = nb, acct.Nonce+1
	k.SetAccount(kv, sender, acct)
	return nil
}

func txEvents(ctx *module.Context, t *tx.Tx) {
	if !ctx.Recording() {
		return
	}
	sender := t.Sender().String()
	ctx.Emit(EventTx, module.Indexed(AttrSender, sender), module.Attr(AttrNonce, strconv.FormatUint(t.Nonce, 10)))
	balances.EmitFee(ctx, sender, t.Fee)
}

// runMsgs delivers each message to its module; the first failure stops.
func (a *App) runMsgs(ctx *module.Context, t *tx.Tx) error {
	sender := t.Sender()
	for i, m := range t.Msgs {
		mod := a.byName[moduleOf(m.Type())]
		if mod == nil {
			return fmt.Errorf("message %d: %w: %s", i, tx.ErrUnknownMsg, m.Type())
		}
		if err := mod.DeliverMsg(ctx, sender, m); err != nil {
			return fmt.Errorf("message %d (%s): %w", i, m.Type(), err)
		}
	}
	return nil
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
