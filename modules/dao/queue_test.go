package dao_test

import (
	"encoding/hex"
	"testing"

	"github.com/phalanetwork/phala/chain/apptest"
)

// TestMalformedQueueKeyHalts: a key in the proposal tally queue that the
// module never writes (a damaged store) halts the chain at the next
// block's EndBlock with an error naming the key, instead of a runtime
// panic somewhere in the queue's decoding.
func TestMalformedQueueKeyHalts(t *testing.T) {
	c := apptest.New(t, []apptest.Account{apptest.NewAccount(1)}, nil)
	bad := []byte("dao/e/\x00\x01\x02")
	c.App.Store().Set(bad, []byte{1})
	c.ExpectHalt(t, "dao: proposal queue", hex.EncodeToString(bad))
}
