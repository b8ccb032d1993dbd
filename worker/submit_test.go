package worker

import (
	"bytes"
	"crypto/ed25519"
	"math"
	"strings"
	"testing"

	"github.com/phalanetwork/phala/chain/app"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/pha"
)

// TestPushesFitOneTransaction: the outbox's messages are packed into
// transactions the chain's size check accepts, as many as fit. Before,
// batches were bounded by count only, and a worker serving ~1,000 agent
// calls a second sent 75-320 KiB batches of usage receipts that the chain
// refused whole ("transaction too large"), then sent them one per block,
// leaving calls that waited for a hold request stalled for seconds.
func TestPushesFitOneTransaction(t *testing.T) {
	limit := app.DefaultParams().MaxTxBytes
	msgs := func(n, payload int) []mq.SignedMessage {
		out := make([]mq.SignedMessage, n)
		for i := range out {
			out[i] = mq.SignedMessage{Origin: mq.Origin{Kind: mq.OriginWorker}, Topic: "agents/receipts",
				Payload: bytes.Repeat([]byte{1}, payload), Sequence: math.MaxUint64 - uint64(i), Signature: make([]byte, ed25519.SignatureSize)}
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		pending []mq.SignedMessage
		want    int // 0: as many as fit
	}{
		{"receipt batches of 29 KiB", msgs(10, 29<<10), 2},
		{"receipt batches of 20 KiB", msgs(10, 20<<10), 3},
		{"small messages: the count bound", msgs(100, 100), tx.MaxMsgs},
		{"one message", msgs(1, 100), 1},
		{"messages of a 64th of the limit", msgs(64, limit/64), 0}, // the fit checks below
	} {
		t.Run(tc.name, func(t *testing.T) {
			batch := pushes(tc.pending, limit)
			if tc.want != 0 && len(batch) != tc.want {
				t.Fatalf("packed %d messages, want %d", len(batch), tc.want)
			}
			if size := encoded(batch); size > limit {
				t.Fatalf("a transaction of the batch is %d bytes, over the limit %d", size, limit)
			}
			if len(batch) < len(tc.pending) && len(batch) < tx.MaxMsgs {
				next := append(batch, &mq.MsgPush{Message: tc.pending[len(batch)]})
				if size := encoded(next); size <= limit {
					t.Fatalf("one more message (%d bytes in all) would still fit", size)
				}
			}
			if got, real := batchBytes(batch), encoded(batch); got < real {
				t.Fatalf("batchBytes %d is below the real size %d", got, real)
			}
		})
	}
}

// encoded is the size of a signed transaction carrying msgs, with the
// longest chain id and the largest nonce and fee the envelope may hold.
func encoded(msgs []tx.Msg) int {
	_, key, _ := ed25519.GenerateKey(nil)
	t := &tx.Tx{ChainID: strings.Repeat("c", tx.MaxChainIDLen), Nonce: math.MaxUint64, Fee: pha.Whole(1_000_000_000), Msgs: msgs}
	t.Sign(key)
	return len(t.Encode())
}
