package computation

import (
	"strconv"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/pha"
)

// Event types and attribute keys of the computation module.
const (
	// EventStarted: a session started (worker, pool, stake, p, v).
	EventStarted = "computing_started"
	// EventStopped: a session stopped and its stake cools down (worker,
	// pool, cooling_until).
	EventStopped = "computing_stopped"
	// EventReleased: a cool-down ended and the stake went back to the pool
	// less the slash (worker, pool, stake, returned, slashed).
	EventReleased = "computing_released"
	// EventHeartbeat: a worker answered a challenge and was paid for the
	// blocks since its last payout (worker, challenge, payout, v).
	EventHeartbeat = "computing_heartbeat"
	// EventChallenged: the block challenged a worker (worker, challenge,
	// deadline).
	EventChallenged = "computing_challenged"
	// EventOffline: a worker missed its heartbeat window (worker,
	// challenge, v).
	EventOffline = "computing_offline"
	// EventOnline: an offline worker answered and is online again (worker,
	// v).
	EventOnline = "computing_online"
	// EventBudget: the budget schedule lowered the budget per block
	// (budget, next).
	EventBudget = "computing_budget"

	AttrWorker       = "worker"
	AttrPool         = "pool"
	AttrStake        = "stake"
	AttrP            = "p"
	AttrV            = "v"
	AttrChallenge    = "challenge"
	AttrDeadline     = "deadline"
	AttrCoolingUntil = "cooling_until"
	AttrBudget       = "budget"
	AttrNext         = "next"
	AttrPayout       = "payout"
	AttrReturned     = "returned"
	AttrSlashed      = "slashed"
)

// workerAttr is the indexed worker attribute of a session's events.
func workerAttr(s *Session) abci.EventAttribute { return module.Indexed(AttrWorker, s.Worker.String()) }

// poolAttr is the indexed pool attribute of a session's events.
func poolAttr(s *Session) abci.EventAttribute {
	return module.Indexed(AttrPool, strconv.FormatUint(s.Pool, 10))
}

func emitStarted(ctx *module.Context, s *Session) {
	if ctx.Recording() {
		ctx.Emit(EventStarted, workerAttr(s), poolAttr(s), module.Attr(AttrStake, s.Stake.String()),
			module.Attr(AttrP, strconv.FormatUint(s.Benchmark, 10)), module.Attr(AttrV, s.InitialV.String()))
	}
}

func emitStopped(ctx *module.Context, s *Session) {
	if ctx.Recording() {
		ctx.Emit(EventStopped, workerAttr(s), poolAttr(s), module.Attr(AttrCoolingUntil, strconv.FormatInt(s.CoolingUntil, 10)))
	}
}

func emitReleased(ctx *module.Context, s *Session, returned, slashed pha.Amount) {
	if ctx.Recording() {
		ctx.Emit(EventReleased, workerAttr(s), poolAttr(s), module.Attr(AttrStake, s.Stake.String()),
			module.Attr(AttrReturned, returned.String()), module.Attr(AttrSlashed, slashed.String()))
	}
}

// emitHeartbeat emits EventHeartbeat for challenge c and, when the answer
// brought the worker back, EventOnline.
func emitHeartbeat(ctx *module.Context, s *Session, c int64, back bool, payout pha.Amount) {
	if !ctx.Recording() {
		return
	}
	ctx.Emit(EventHeartbeat, workerAttr(s), module.Attr(AttrChallenge, strconv.FormatInt(c, 10)),
		module.Attr(AttrPayout, payout.String()), module.Attr(AttrV, s.V.String()))
	if back {
		ctx.Emit(EventOnline, workerAttr(s), module.Attr(AttrV, s.V.String()))
	}
}

func emitOffline(ctx *module.Context, s *Session, missed int64) {
	if ctx.Recording() {
		ctx.Emit(EventOffline, workerAttr(s), module.Attr(AttrChallenge, strconv.FormatInt(missed, 10)), module.Attr(AttrV, s.V.String()))
	}
}

func emitChallenged(ctx *module.Context, s *Session, h, deadline int64) {
	if ctx.Recording() {
		ctx.Emit(EventChallenged, workerAttr(s), module.Attr(AttrChallenge, strconv.FormatInt(h, 10)), module.Attr(AttrDeadline, strconv.FormatInt(deadline, 10)))
	}
}

func emitBudget(ctx *module.Context, budget, next pha.Amount) {
	if ctx.Recording() {
		ctx.Emit(EventBudget, module.Attr(AttrBudget, budget.String()), module.Attr(AttrNext, next.String()))
	}
}
