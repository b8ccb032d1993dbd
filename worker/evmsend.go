package worker

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/phalanetwork/phala/evm/bindings"
)

// evmResendAfter is how long an answer sent and not yet mined waits
// before the member answers again (with the account's nonce read afresh,
// so a transaction the node dropped does not hold the later ones back).
const evmResendAfter = 30 * time.Second

// inflight is an answer sent from the relayer and not yet seen mined.
type inflight struct {
	tx   common.Hash
	sent time.Time
}

// relayerNonces hands out the relayer account's nonces, so answers go out
// one after the other without each waiting for the one before to be
// mined. The bridge is the account's only sender (one account per
// worker); known is false until the next send reads the account's
// pending nonce from the node, as after a failed send.
type relayerNonces struct {
	next  uint64
	known bool
}

// submit sends one anchor transaction from the relayer with the next
// nonce, without waiting for it to be mined; a revert of its gas estimate
// comes back with the anchor's error named.
func (b *bridge) submit(ctx context.Context, what string, f func(*bind.TransactOpts) (*types.Transaction, error)) (*types.Transaction, error) {
	if !b.nonces.known {
		n, err := b.ec.PendingNonceAt(ctx, b.relayer.From)
		if err != nil {
			return nil, fmt.Errorf("evm bridge: %s: relayer nonce: %w", what, err)
		}
		b.nonces = relayerNonces{next: n, known: true}
	}
	o := *b.relayer
	o.Context = ctx
	o.Nonce = new(big.Int).SetUint64(b.nonces.next)
	tx, err := f(&o)
	if err != nil {
		// A refused gas estimate used no nonce; after anything else (a
		// nonce the node no longer takes, a lost connection) read it again.
		if bindings.Refusal(err) == "" {
			b.nonces.known = false
		}
		return nil, fmt.Errorf("evm bridge: %s: %w", what, bindings.Explain(err))
	}
	b.nonces.next++
	return tx, nil
}

// send submits one anchor transaction and waits until it is mined.
func (b *bridge) send(ctx context.Context, what string, f func(*bind.TransactOpts) (*types.Transaction, error)) error {
	tx, err := b.submit(ctx, what, f)
	if err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, evmResendAfter)
	defer cancel()
	r, err := bind.WaitMined(wctx, b.ec, tx)
	if err != nil {
		b.nonces.known = false
		return fmt.Errorf("evm bridge: %s: wait for %s: %w", what, tx.Hash().Hex(), err)
	}
	if r.Status != types.ReceiptStatusSuccessful {
		return fmt.Errorf("evm bridge: %s: transaction %s reverted", what, tx.Hash().Hex())
	}
	return nil
}

// settle looks for the receipt of r's answer: done once it landed; a
// revert (another member's answer landed first, or the deadline passed)
// or no receipt after evmResendAfter makes r due again, and answer then
// reads the request's status before anything else.
func (b *bridge) settle(ctx context.Context, key string, r *evmRequest) (bool, error) {
	rc, err := b.ec.TransactionReceipt(ctx, r.sent.tx)
	switch {
	case errors.Is(err, ethereum.NotFound):
		if time.Since(r.sent.sent) < evmResendAfter {
			return false, nil
		}
		tx := r.sent.tx
		b.nonces.known = false
		r.sent, r.due = nil, time.Now()
		return false, fmt.Errorf("evm bridge: answer %s not mined after %s; answering again", tx.Hex(), evmResendAfter)
	case err != nil:
		return false, fmt.Errorf("evm bridge: answer %s: receipt: %w", r.sent.tx.Hex(), err)
	case rc.Status != types.ReceiptStatusSuccessful:
		tx := r.sent.tx
		r.sent, r.due = nil, time.Now()
		return false, fmt.Errorf("evm bridge: answer %s reverted; reading the request again", tx.Hex())
	}
	b.log.Info("evm request answered", "request", key, "agent", fmt.Sprintf("%x", r.ev.Agent[:8]), "tx", r.sent.tx.Hex(), "block", rc.BlockNumber)
	return true, nil
}
