package agents

import (
	"crypto/ed25519"
	"crypto/rand"
	"testing"

	"github.com/phalanetwork/phala/agentio"
)

// TestSigCacheAnswersAsCheck: the cache of verified caller signatures
// never turns a bad signature good. A request that verified is accepted
// again from the cache; the same request with any input changed (another
// chain, another agent, an edited signature, another time) is still
// refused, before and after the good one is cached; failures are not
// cached, and the cache stays within its bound.
func TestSigCacheAnswersAsCheck(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	agent := [32]byte{1}
	good := agentio.SignedRequest{Caller: pub, Worker: [32]byte{2}, Request: [32]byte{3}, Timestamp: 1000}
	good.Signature = ed25519.Sign(priv, agentio.RequestSignBytes("chain-a", agent, good.Worker, good.Request, good.Timestamp))
	forged := good
	forged.Signature = append([]byte(nil), good.Signature...)
	forged.Signature[0] ^= 1
	later := good
	later.Timestamp++
	var c sigCache
	bad := func(when string) {
		t.Helper()
		for _, tc := range []struct {
			name  string
			chain string
			agent [32]byte
			s     agentio.SignedRequest
		}{{"another chain", "chain-b", agent, good}, {"another agent", "chain-a", [32]byte{9}, good}, {"forged signature", "chain-a", agent, forged}, {"another time", "chain-a", agent, later}} {
			if err := c.check(tc.chain, tc.agent, tc.s); err == nil {
				t.Errorf("%s: %s accepted", when, tc.name)
			}
		}
	}
	bad("before caching")
	for range 2 {
		if err := c.check("chain-a", agent, good); err != nil {
			t.Fatalf("good request refused: %v", err)
		}
	}
	bad("after caching")
	if len(c.seen) != 1 {
		t.Fatalf("cache holds %d entries, want 1 (failures are not cached)", len(c.seen))
	}
	for i := range sigCacheSize + 1 {
		s := good
		s.Timestamp = int64(2000 + i)
		s.Signature = ed25519.Sign(priv, agentio.RequestSignBytes("chain-a", agent, s.Worker, s.Request, s.Timestamp))
		if err := c.check("chain-a", agent, s); err != nil {
			t.Fatal(err)
		}
	}
	if len(c.seen) != sigCacheSize || len(c.ring) != sigCacheSize {
		t.Fatalf("cache holds %d entries in a ring of %d, want %d", len(c.seen), len(c.ring), sigCacheSize)
	}
	bad("after eviction")
}
