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

// TestHoldSizedFromRate drives take the way a caller does whose rate
// jumps: a few calls a second (a client checking that its calls work),
// then a burst of 1,000 calls a second, on a chain whose hold requests
// take 300 ms to be answered. No call of the burst waits for the chain:
// the top-up is sized from the caller's rate within the burst's first
// hundred calls, not grown only once calls have waited for a hold that
// ran out; and requests stay near what a few round trips of the burst
// need.
func TestHoldSizedFromRate(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	host := &Host{clock: func() time.Time { return now }, holds: holds{leases: map[address.Address]*lease{}}}
	const trip = 300 * time.Millisecond
	type request struct {
		at           time.Time
		nonce, calls uint64
	}
	var (
		who      address.Address
		inflight []request
		hold     = agents.Hold{Start: 1}
		found    bool
		largest  uint64
	)
	// call is one call at the current time; it reports whether it had to
	// wait for the chain.
	call := func() bool {
		for len(inflight) > 0 && !now.Before(inflight[0].at.Add(trip)) {
			hold.Granted, _ = hold.Granted.Add(pha.Units(inflight[0].calls))
			hold.Nonce, found = inflight[0].nonce, true
			inflight = inflight[1:]
		}
		ask, calls, _, ok := host.take(who, hold, found, pha.Units(1), 0)
		if ask != 0 {
			inflight = append(inflight, request{now, ask, calls})
			largest = max(largest, calls)
		}
		return !ok
	}
	for range 40 { // 20 calls a second for 2 s
		now = now.Add(50 * time.Millisecond)
		call()
	}
	var waits [5]int // per second of the burst
	for i := range 5000 {
		now = now.Add(time.Millisecond)
		if call() {
			waits[i/1000]++
		}
	}
	t.Logf("calls waiting in each second of the burst: %v; largest request %d calls", waits, largest)
	for s, n := range waits {
		if n != 0 {
			t.Errorf("second %d of the burst: %d calls waited for the chain, want none", s, n)
		}
	}
	// Four round trips of 1,000 calls a second are 1,200 calls; allow a
	// doubling for the waits of the burst's start.
	if largest > 2*1200 {
		t.Errorf("a request asked for %d calls, want at most %d", largest, 2*1200)
	}
}

// TestHoldTripFromActiveCallers: the round trip a request's size comes
// from is measured only by a call that read the hold shortly before the
// answer was seen; a caller that went quiet after asking would measure its
// silence and size every caller's next requests from it.
func TestHoldTripFromActiveCallers(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	answered := agents.Hold{Nonce: 5}
	for _, tc := range []struct {
		name         string
		looked, seen time.Duration // after the request went
		want         time.Duration
	}{
		{"a call read the hold just before", 250 * time.Millisecond, 300 * time.Millisecond, 300 * time.Millisecond},
		{"the caller was quiet for seconds", 50 * time.Millisecond, 10 * time.Second, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := &holds{}
			l := &lease{asked: 5, askedAt: t0, looked: t0.Add(tc.looked)}
			l.answer(answered, t0.Add(tc.seen), hs)
			if hs.trip != tc.want || !l.answered {
				t.Fatalf("trip %v (answered %v), want %v", hs.trip, l.answered, tc.want)
			}
		})
	}
}

// TestExpiredHoldAskedAgainAtOnce: a hold whose last request was answered
// expires (the chain deletes a hold HoldBlocks after its last request,
// whatever is left of it); the next call asks for a new hold at once
// instead of waiting for the old, answered request until holdRetry.
func TestExpiredHoldAskedAgainAtOnce(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	host := &Host{clock: func() time.Time { return now }, holds: holds{leases: map[address.Address]*lease{}}}
	var who address.Address
	cost := pha.Units(1)
	ask, _, _, _ := host.take(who, agents.Hold{}, false, cost, 0)
	hold := agents.Hold{Start: 1, Granted: pha.Units(holdCalls), Nonce: ask}
	for i := range 10 {
		if _, _, _, ok := host.take(who, hold, true, cost, 0); !ok {
			t.Fatalf("call %d was not served from the granted hold", i)
		}
	}
	now = now.Add(10 * time.Second) // 100 blocks of 100 ms: the hold is gone
	again, _, wait, ok := host.take(who, agents.Hold{}, false, cost, 0)
	if ok || again == 0 || wait != 0 {
		t.Fatalf("after the hold expired: ask %d, wait for %d, ok %v; want a new request at once", again, wait, ok)
	}
	if again <= ask {
		t.Fatalf("the new request's nonce %d is not above the old %d", again, ask)
	}
}
