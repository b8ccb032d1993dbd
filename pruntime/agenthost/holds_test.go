package agenthost

import (
	"testing"
	"time"

	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/pha"
)

// TestHoldGrowsWhenCallsWait drives take the way a busy caller does: a
// hold is granted, calls spend it, the top-up has not landed when it runs
// out, and calls wait. Each request that calls had to wait for asks for
// twice as much as the one before (once per request, at most
// holdCallsMax), so a caller whose calls outrun a hold round trip stops
// waiting; a caller whose top-ups land in time keeps asking for holdCalls.
func TestHoldGrowsWhenCallsWait(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	host := &Host{clock: func() time.Time { return now }, holds: holds{leases: map[address.Address]*lease{}}}
	var who address.Address
	cost := pha.Units(1)
	// The first call finds no hold and asks for holdCalls.
	ask, calls, _, ok := host.take(who, agents.Hold{}, false, cost, 0)
	if ok || ask == 0 || calls != holdCalls {
		t.Fatalf("first call: ask %d for %d calls, ok %v; want a request for %d", ask, calls, ok, holdCalls)
	}
	hold := agents.Hold{Start: 1, Granted: pha.Units(holdCalls), Nonce: ask}
	for round := range 9 {
		// Spend the hold to its end; the top-up goes out when half is
		// left and has not landed when the hold runs out.
		var topUp, size uint64
		for served := 0; ; served++ {
			a, c, wait, ok := host.take(who, hold, true, cost, 0)
			if !ok {
				if topUp == 0 || wait != topUp {
					t.Fatalf("round %d: call %d past the hold waits for %d, want the top-up %d", round, served, wait, topUp)
				}
				break
			}
			if a != 0 {
				topUp, size = a, c
			}
		}
		if want := min(uint64(holdCalls)<<round, holdCallsMax); size != want {
			t.Fatalf("round %d: the top-up asks for %d calls, want %d", round, size, want)
		}
		// However many calls wait, the next request doubles once.
		for range 15 {
			host.take(who, hold, true, cost, 0)
		}
		hold.Granted, _ = hold.Granted.Add(pha.Units(size))
		hold.Nonce = topUp
	}

	// A caller whose top-ups land before the hold runs out never waits,
	// and its requests do not grow.
	var calm address.Address
	calm[0] = 1
	ask, _, _, _ = host.take(calm, agents.Hold{}, false, cost, 0)
	hold = agents.Hold{Start: 1, Granted: pha.Units(holdCalls), Nonce: ask}
	for i := range 10 * holdCalls {
		a, c, _, ok := host.take(calm, hold, true, cost, 0)
		if !ok {
			t.Fatalf("call %d waited although every top-up landed at once", i)
		}
		if a != 0 {
			if c != holdCalls {
				t.Fatalf("call %d: a top-up for %d calls, want %d", i, c, holdCalls)
			}
			hold.Granted, _ = hold.Granted.Add(pha.Units(c))
			hold.Nonce = a
		}
	}
}
