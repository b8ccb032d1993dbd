package agents

import (
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
)

// TestMalformedHoldExpiryHalts: a hold-expiry key of the wrong length,
// which the module never writes, sits before a hold that has ended. The
// queue used to stop at it without a word, so that hold and every later
// one were never released; now EndBlock fails, naming the key, and the
// app halts on it as on any damaged store.
func TestMalformedHoldExpiryHalts(t *testing.T) {
	kv := state.NewCache(state.OpenMemory())
	m := New(nil, nil, nil)
	bad := state.Key(prefixHoldExpiry, state.Uint64(1), []byte("short"))
	kv.Set(bad, []byte{1})
	h := Hold{Caller: address.Address{7}, Worker: make(Hex, 32), Start: 1, Expires: 2}
	m.Keeper.setHold(kv, h, 0)
	err := m.endBlock(&module.Context{KV: kv, Height: 5, Time: time.Unix(0, 0)})
	if err == nil || !strings.Contains(err.Error(), hex.EncodeToString(bad)) {
		_, held := m.Keeper.Hold(kv, h.Caller, [32]byte(h.Worker))
		t.Fatalf("EndBlock past a malformed hold-expiry key: err %v (the ended hold still held: %v)", err, held)
	}
}
