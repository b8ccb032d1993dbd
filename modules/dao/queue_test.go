package dao_test

import (
	"context"
	"encoding/hex"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

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
	var (
		err      error
		panicked any
	)
	func() {
		defer func() { panicked = recover() }()
		_, err = c.App.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Height: c.Height + 1, Hash: apptest.BlockHash(c.Height + 1), Time: c.Time})
	}()
	if panicked != nil || err == nil || !strings.Contains(err.Error(), "dao: proposal queue") || !strings.Contains(err.Error(), hex.EncodeToString(bad)) {
		t.Fatalf("block after a malformed dao/e/ key: err %v, panic %v; want a halt naming the key", err, panicked)
	}
}
