package worker

import (
	"context"
	"encoding/binary"
	"errors"

	"github.com/phalanetwork/phala/chain/app"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/pha"
)

// txEnvelope bounds what a transaction adds to its messages: version,
// chain id, sender key, nonce, fee, message count, memo and signature.
const txEnvelope = 256

// submit sends signed messages in sequence order, as many per transaction
// as fit the chain's size limit (max_tx_bytes) and message count, so a
// burst (a key dispatch to many members, a busy agent's usage receipts)
// lands in one block. All but the last transaction go to the mempool
// without waiting; the last waits for its block.
//
// Why the size matters: receipts batches are tens of KiB each, and a
// transaction over the limit is refused whole. Sending the messages one
// at a time instead costs a block each, and calls that wait for a hold
// request stuck behind them wait seconds.
//
// A batch refused for its size (the chain's limit lower than the default
// this worker assumed) is packed again at half the size. A batch refused
// for anything else goes one message at a time: stale ones are skipped,
// and the first other refusal goes to refused and ends the run.
func (w *Worker) submit(ctx context.Context, pending []mq.SignedMessage, refused func(mq.SignedMessage, error) error) error {
	if w.txBytes == 0 {
		w.txBytes = app.DefaultParams().MaxTxBytes
	}
	for len(pending) > 0 {
		batch := pushes(pending, w.txBytes)
		n := len(batch)
		var err error
		if n < len(pending) {
			_, err = w.client.SendAsync(ctx, w.o.Operator, pha.Amount{}, "", batch...)
		} else {
			var res *client.Committed
			if res, err = w.client.Send(ctx, w.o.Operator, pha.Amount{}, "", batch...); err == nil {
				w.settled = res.Height
			}
		}
		switch {
		case err == nil:
			pending = pending[n:]
			continue
		case errors.Is(err, tx.ErrTooLarge) && n > 1:
			w.txBytes = batchBytes(batch) / 2
			w.log.Warn("mq batch over the chain's transaction size limit; packing smaller", "bytes", batchBytes(batch), "messages", n)
			continue
		}
		if err := w.oneByOne(ctx, pending[:n], refused); err != nil {
			return err
		}
		pending = pending[n:]
	}
	return nil
}

// oneByOne sends each message in its own transaction, skipping those the
// chain already has.
func (w *Worker) oneByOne(ctx context.Context, msgs []mq.SignedMessage, refused func(mq.SignedMessage, error) error) error {
	for _, m := range msgs {
		res, err := w.client.Send(ctx, w.o.Operator, pha.Amount{}, "", &mq.MsgPush{Message: m})
		switch {
		case err == nil:
			w.settled = res.Height
		case errors.Is(err, mq.ErrStaleSequence):
		default:
			return refused(m, err)
		}
	}
	return nil
}

// pushes is the longest run from the start of pending, as MsgPush
// messages, that fits one transaction of at most limit bytes and
// tx.MaxMsgs messages; at least one message, whatever its size (the chain
// then refuses it by name).
func pushes(pending []mq.SignedMessage, limit int) []tx.Msg {
	var batch []tx.Msg
	size := txEnvelope
	for i := range pending {
		m := &mq.MsgPush{Message: pending[i]}
		size += msgBytes(m)
		if len(batch) > 0 && (size > limit || len(batch) == tx.MaxMsgs) {
			break
		}
		batch = append(batch, m)
	}
	return batch
}

// batchBytes is the encoded size of a transaction carrying msgs.
func batchBytes(msgs []tx.Msg) int {
	size := txEnvelope
	for _, m := range msgs {
		size += msgBytes(m)
	}
	return size
}

// msgBytes is what m adds to an encoded transaction: its type and its
// body, each behind its length.
func msgBytes(m tx.Msg) int {
	body := len(tx.EncodeMsg(m))
	typ := len(m.Type())
	return uvarintLen(typ) + typ + uvarintLen(body) + body
}

func uvarintLen(n int) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], uint64(n))
}
