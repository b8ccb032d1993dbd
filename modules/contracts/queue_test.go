package contracts_test

import (
	"encoding/binary"
	"encoding/hex"
	"testing"

	"github.com/phalanetwork/phala/chain/apptest"
)

// TestMalformedQueueKeyHalts: a key due at the next block in one of the
// module's due queues that the module never writes (a damaged store)
// halts the chain at that block's EndBlock with an error naming the
// queue and the key. Before, the pruning and upload queues panicked on
// it (a slice out of range) and the seen-envelope queue skipped it.
func TestMalformedQueueKeyHalts(t *testing.T) {
	for _, tc := range []struct{ prefix, queue string }{
		{"contracts/refund/", "fee refund queue"},
		{"contracts/seenexpiry/", "seen envelope expiry queue"},
		{"contracts/prune/", "input pruning queue"},
		{"contracts/actprune/", "activity notice pruning queue"},
		{"contracts/uploadexpiry/", "upload expiry queue"},
	} {
		t.Run(tc.queue, func(t *testing.T) {
			c := apptest.New(t, []apptest.Account{apptest.NewAccount(1)}, nil)
			bad := append(binary.BigEndian.AppendUint64([]byte(tc.prefix), uint64(c.Height+1)), 1, 2, 3)
			c.App.Store().Set(bad, []byte{1})
			c.ExpectHalt(t, tc.queue, hex.EncodeToString(bad))
		})
	}
}
