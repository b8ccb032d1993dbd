package agenthost

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/pruntime/chainsync"
)

// Escrow holds (docs/agents.md, "Billing"): a call is served only within
// a hold the chain granted this worker on the caller's escrow, less what
// this worker already served under it. The chain never grants more than
// the escrow that no hold sets aside, so parallel calls on several workers
// cannot together spend more than the escrow, and a withdrawal cannot take
// held funds. A caller's first call on a worker waits (within the call's
// context) for the chain to answer the worker's request for a hold; later
// calls are served from the hold, topped up before it runs out.

// holdCalls is how many calls' worth a worker first asks to hold for a
// caller; holdCallsMax is the most it asks for at a time. A hold request
// takes two or three blocks to come back, so a busy caller (hundreds of
// calls a second) would run through a fixed hold before its top-up lands
// and its calls would wait idle for the chain. So a request asks for
// holdTrips round trips' worth of the caller's calls at its recent rate
// (the round trip as last measured on this worker), and each time a call
// had to wait anyway (a burst) the next request asks for twice as much
// (at most once per request). Top-ups go out when half of that is left,
// two round trips ahead of need. The chain still grants no more than the
// escrow that no hold sets aside.
const (
	holdCalls    = 256
	holdCallsMax = 16384
	holdTrips    = 4
	// rateCalls is how many calls a rate window counts; rateSample is the
	// fewest a rate is estimated from.
	rateCalls  = 64
	rateSample = 16
)

// holdPoll is how often a call waiting for a hold reads the chain again.
const holdPoll = 100 * time.Millisecond

// holdRetry is how long a hold request may go unanswered before it is
// sent again (its mq message lost, or the hold ended since).
const holdRetry = 30 * time.Second

// holdWait bounds how long a call whose caller shows no free escrow waits
// for the next verified header before it is refused (escrowFree).
const holdWait = 3 * time.Second

// lease is this worker's count against its hold on one caller's escrow.
type lease struct {
	// start is the Start of the chain's hold it counts against; -1 until
	// the worker has seen the hold its first request opened.
	start int64
	// spent is what the calls served under the hold may cost.
	spent pha.Amount
	// asked is the nonce of the last hold request, askedAt when it went.
	asked   uint64
	askedAt time.Time
	// size is how many calls' worth waiting calls have grown requests to
	// (0 until one has); grown is whether a waiting call has doubled it
	// since the last request went.
	size  uint64
	grown bool
	// served calls since from, the first of them, estimate the caller's
	// rate; last calls in lastFor are the window before (rateCalls).
	served, last uint64
	from         time.Time
	lastFor      time.Duration
	answered     bool      // the last request's answer has been seen
	looked       time.Time // when a call last read the hold
}

// calls is how many calls' worth l asks for at a time: holdTrips round
// trips (trip) of the caller's recent calls, or what waiting calls grew it
// to, or holdCalls, whichever is most, at most holdCallsMax.
func (l *lease) calls(now time.Time, trip time.Duration) uint64 {
	return min(max(l.size, holdCalls, l.fromRate(now, trip)), holdCallsMax)
}

// fromRate is holdTrips round trips (trip) of the caller's calls at their
// recent rate: the higher of the last full window's and the current
// one's, once it has rateSample calls; 0 while neither tells.
func (l *lease) fromRate(now time.Time, trip time.Duration) uint64 {
	n := perTrips(l.last, l.lastFor, trip)
	if l.served >= rateSample {
		n = max(n, perTrips(l.served, now.Sub(l.from), trip))
	}
	return n
}

// perTrips is holdTrips round trips of calls at the rate of served calls
// in elapsed; 0 when either is unknown.
func perTrips(served uint64, elapsed, trip time.Duration) uint64 {
	if served == 0 || elapsed <= 0 || trip <= 0 {
		return 0
	}
	// Bounded so the product cannot overflow: a minute's trip.
	return served * holdTrips * uint64(min(trip, time.Minute)) / uint64(elapsed)
}

// count adds a served call to l's rate window; every rateCalls calls the
// window starts again, so the estimate follows a caller whose rate
// changes within a few windows.
func (l *lease) count(now time.Time) {
	if l.served == 0 {
		l.from = now
	}
	l.served++
	if l.served == rateCalls {
		l.last, l.lastFor, l.served = l.served, now.Sub(l.from), 0
	}
}

// starved doubles what l asks for next (at most once per request): a call
// had to wait for the chain.
func (l *lease) starved(now time.Time, trip time.Duration) {
	if !l.grown {
		l.size, l.grown = min(2*l.calls(now, trip), holdCallsMax), true
	}
}

// answer records when the hold first answers l's last request: the round
// trip, on this worker's clock, is the chain's, so it is kept for every
// caller. Only a call that read the hold within holdPoll before tells
// when the answer came (a caller that went quiet after a top-up would
// measure its silence).
func (l *lease) answer(hold agents.Hold, now time.Time, hs *holds) {
	if l.asked != 0 && !l.answered && hold.Nonce >= l.asked {
		l.answered = true
		if now.Sub(l.looked) <= holdPoll {
			hs.trip = now.Sub(l.askedAt)
		}
	}
	l.looked = now
}

// holds are the worker's leases, by caller.
type holds struct {
	mu     sync.Mutex
	leases map[address.Address]*lease
	nonce  uint64
	// trip is the last hold request's round trip measured (asked to seen
	// answered).
	trip time.Duration
}

// readHold reads this worker's hold on who's escrow as of the latest
// verified height.
func (host *Host) readHold(ctx context.Context, src chainsync.Source, who address.Address) (agents.Hold, bool, int64, error) {
	raw, h, err := host.core.Cached(ctx, src, agents.HoldKey(who, [32]byte(host.core.ID())))
	if err != nil || raw == nil {
		return agents.Hold{}, false, h, err
	}
	hold, err := host.records.hold(who, raw)
	return hold, true, h, err
}

// reserve counts cost against this worker's hold on who's escrow, asking
// the chain for a hold (and waiting for its answer) when what is left is
// not enough. It refuses with ErrPayment, saying what the chain holds,
// when the chain grants nothing more.
func (host *Host) reserve(ctx context.Context, src chainsync.Source, who address.Address, cost pha.Amount) error {
	var mine uint64
	for {
		hold, found, height, err := host.readHold(ctx, src, who)
		if err != nil {
			return err
		}
		ask, calls, wait, ok := host.take(who, hold, found, cost, mine)
		switch {
		case ok:
			if ask != 0 {
				host.topUp(ctx, src, who, cost, calls, ask)
			}
			return nil
		case ask != 0:
			// Ask only for escrow that is there: a caller's key costs
			// nothing, and each request is a transaction and a hold
			// record on chain, with this call waiting a block for it.
			if err := host.escrowFree(ctx, src, who, cost, height); err != nil {
				host.forgetAsk(who, ask)
				return err
			}
			mine = ask
			amount, _ := cost.MulDiv(pha.Units(calls), pha.Units(1))
			if err := host.askHold(ctx, src, who, amount, ask); err != nil {
				return err
			}
		case wait != 0:
			// Another call's request, sized for its cost: if its answer
			// does not cover this call, this call asks for itself.
		default:
			return host.noHold(ctx, src, who, cost, height)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: waited for the chain to hold %s's escrow for this call: %v (the chain's view here is at height %d)", ErrPayment, who, ctx.Err(), height)
		case <-time.After(holdPoll):
		}
	}
}

// take counts cost against the lease if the hold covers it (ok); else it
// says which hold request to wait for, or to send (a nonce, with how many
// calls' worth to ask for), or neither: the request this call waited for
// was answered with too little.
func (host *Host) take(who address.Address, hold agents.Hold, found bool, cost pha.Amount, mine uint64) (ask, calls, wait uint64, ok bool) {
	hs := &host.holds
	hs.mu.Lock()
	defer hs.mu.Unlock()
	l := hs.leases[who]
	if l == nil {
		l = &lease{start: -1}
		if found {
			// A hold from before a restart: what was served under it
			// is not known here, so count all of it as spent.
			l.start, l.spent = hold.Start, hold.Granted
		}
		hs.leases[who] = l
	}
	if found && l.start != hold.Start {
		if l.start != -1 {
			l.spent = pha.Amount{} // the old hold ended; this is a new one
		}
		l.start = hold.Start
	}
	now := host.clock()
	l.answer(hold, now, hs)
	left := pha.Amount{}
	if found {
		left, _ = hold.Granted.Sub(l.spent)
	}
	if !left.LT(cost) {
		l.spent, _ = l.spent.Add(cost)
		l.count(now)
		size := l.calls(now, hs.trip)
		half, _ := cost.MulDiv(pha.Units(size/2), pha.Units(1))
		rest, _ := left.Sub(cost)
		if rest.LT(half) && (l.asked == 0 || hold.Nonce >= l.asked) {
			// Top up ahead of need, so steady traffic never waits.
			return host.nextNonce(l), size, 0, true
		}
		return 0, 0, 0, true
	}
	// A request is pending until the chain answers it. Once answered, a
	// hold that is gone (it expired: HoldBlocks with no request) shows a
	// lower nonce again, and that is no reason to wait for the old request.
	pending := l.asked != 0 && !l.answered && hold.Nonce < l.asked && now.Sub(l.askedAt) < holdRetry
	switch {
	case pending:
		l.starved(now, hs.trip)
		return 0, 0, l.asked, false
	case mine != 0 && hold.Nonce >= mine:
		return 0, 0, 0, false
	}
	if l.asked != 0 {
		l.starved(now, hs.trip) // not the caller's first call: the last hold ran out
	}
	size := l.calls(now, hs.trip)
	return host.nextNonce(l), size, 0, false
}

// nextNonce numbers a new hold request for l. Nonces grow with the clock,
// so they keep growing across restarts. Callers hold holds.mu.
func (host *Host) nextNonce(l *lease) uint64 {
	hs := &host.holds
	now := host.clock()
	hs.nonce = max(hs.nonce+1, uint64(now.UnixMilli())*1000)
	l.asked, l.askedAt, l.grown, l.answered = hs.nonce, now, false, false
	return hs.nonce
}

// askHold posts a hold request through the outbox. A request it could
// not post is forgotten, so that no call waits for its answer (holdRetry)
// and the next one asks again.
func (host *Host) askHold(ctx context.Context, src chainsync.Source, who address.Address, amount pha.Amount, nonce uint64) error {
	_, err := host.out.Post(ctx, src, agents.TopicHold, agents.EncodeHoldRequest(agents.HoldRequest{Caller: who, Amount: amount, Nonce: nonce}))
	if err != nil {
		host.forgetAsk(who, nonce)
		return fmt.Errorf("enclave: ask the chain to hold %s's escrow: %w", who, err)
	}
	return nil
}

// forgetAsk forgets who's hold request nonce, which was not sent, and the
// lease take made for it if who had none before.
func (host *Host) forgetAsk(who address.Address, nonce uint64) {
	hs := &host.holds
	hs.mu.Lock()
	defer hs.mu.Unlock()
	l := hs.leases[who]
	if l == nil || l.asked != nonce || l.answered {
		return
	}
	l.asked = 0
	if l.start == -1 && l.spent.IsZero() {
		delete(hs.leases, who)
	}
}

// topUp is reserve's ahead-of-need request for calls' worth: a failure is
// left for the next call, which asks again (askHold).
func (host *Host) topUp(ctx context.Context, src chainsync.Source, who address.Address, cost pha.Amount, calls, nonce uint64) {
	amount, _ := cost.MulDiv(pha.Units(calls), pha.Units(1))
	host.askHold(ctx, src, who, amount, nonce)
}

// spend adds what a served call cost beyond what reserve counted (tokens
// and outbound requests it used), so later calls see it.
func (host *Host) spend(who address.Address, extra pha.Amount) {
	if extra.IsZero() {
		return
	}
	hs := &host.holds
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if l := hs.leases[who]; l != nil {
		l.spent, _ = l.spent.Add(extra)
	}
}

// noHold is the refusal of a call the chain would not hold escrow for: it
// says what the worker's view of the chain shows, so a caller who just
// deposited knows to wait for the next block.
func (host *Host) noHold(ctx context.Context, src chainsync.Source, who address.Address, cost pha.Amount, height int64) error {
	bal, held, _ := host.escrow(ctx, src, who, height)
	return noHoldError(who, cost, height, bal, held)
}

// escrowFree refuses, as noHold does, a call of a caller none of whose
// escrow is left for a hold as of height, or of the next header this
// enclave verifies: a value is proven by the header after the block that
// wrote it, so a deposit the caller saw committed may show only then. (A
// part of a call's cost is asked for: the chain grants what there is,
// which may cover the call with what is left of the worker's hold.)
func (host *Host) escrowFree(ctx context.Context, src chainsync.Source, who address.Address, cost pha.Amount, height int64) error {
	for waited := false; ; waited = true {
		bal, held, err := host.escrow(ctx, src, who, height)
		if err != nil {
			return err
		}
		if free, err := bal.Sub(held); err == nil && !free.IsZero() {
			return nil
		}
		if waited {
			// A view older than the chain at this enclave's start may
			// lack a deposit: not a refusal to pay, a worker catching up.
			if err := host.core.CaughtUp(); err != nil {
				return err
			}
			return noHoldError(who, cost, height, bal, held)
		}
		if height, err = host.nextHeader(ctx, height); err != nil {
			return err
		}
	}
}

// nextHeader waits, polling every holdPoll, for the light client to verify
// the header that proves the state after block h+1, and returns that
// state's height (a state height, as Cached answers: its proof is in the
// next header); after holdWait it returns h.
func (host *Host) nextHeader(ctx context.Context, h int64) (int64, error) {
	deadline := time.NewTimer(holdWait)
	defer deadline.Stop()
	tick := time.NewTicker(holdPoll)
	defer tick.Stop()
	for {
		if verified, _ := host.core.Synced(); verified-1 > h {
			return verified - 1, nil
		}
		select {
		case <-ctx.Done():
			return h, fmt.Errorf("%w: waited for the next block to read the caller's escrow: %v", ErrPayment, ctx.Err())
		case <-deadline.C:
			return h, nil
		case <-tick.C:
		}
	}
}

// escrow reads who's escrow balance and the part of it held for calls, as
// of height.
func (host *Host) escrow(ctx context.Context, src chainsync.Source, who address.Address, height int64) (bal, held pha.Amount, err error) {
	for _, v := range []struct {
		key []byte
		out *pha.Amount
	}{{agents.EscrowKey(who), &bal}, {agents.HeldKey(who), &held}} {
		raw, err := host.core.CachedAt(ctx, src, v.key, height)
		if err != nil {
			return pha.Amount{}, pha.Amount{}, fmt.Errorf("enclave: read %s's escrow: %w", who, err)
		}
		if raw != nil {
			if *v.out, err = pha.FromBytes(raw); err != nil {
				return pha.Amount{}, pha.Amount{}, fmt.Errorf("enclave: %s's escrow: %w", who, err)
			}
		}
	}
	return bal, held, nil
}

// noHoldError is noHold's refusal, given what the chain shows.
func noHoldError(who address.Address, cost pha.Amount, height int64, bal, held pha.Amount) error {
	return fmt.Errorf("%w: %s has %s in escrow as of height %d (this worker's view of the chain), %s of it held for calls being served; a call costs at least %s. Deposit with: phala agent deposit AMOUNT; a deposit committed at height H is seen here once this worker has verified block H+1",
		ErrPayment, who, bal.PHA(), height, held.PHA(), cost.PHA())
}

// params reads the agents module's params as of the latest verified
// height.
func (host *Host) params(ctx context.Context, src chainsync.Source) (agents.Params, error) {
	raw, _, err := host.core.Cached(ctx, src, agents.ParamsKey())
	if err != nil {
		return agents.Params{}, err
	}
	return host.records.agentParams(raw)
}
