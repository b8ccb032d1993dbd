package computation

// Event types and attribute keys of the computation module.
const (
	// EventStarted: a session started (worker, pool, stake, p, v).
	EventStarted = "computing_started"
	// EventStopped: a session stopped and its stake cools down (worker,
	// pool, cooling_until).
	EventStopped = "computing_stopped"
	// EventReleased: a cool-down ended and the stake went back to the pool
	// (worker, pool, stake).
	EventReleased = "computing_released"
	// EventHeartbeat: a worker answered a challenge (worker, challenge).
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
	// EventSettled: the block's budget was paid (budget, to_pools,
	// to_treasury, online).
	EventSettled = "computing_settled"

	AttrWorker       = "worker"
	AttrPool         = "pool"
	AttrStake        = "stake"
	AttrP            = "p"
	AttrV            = "v"
	AttrChallenge    = "challenge"
	AttrDeadline     = "deadline"
	AttrCoolingUntil = "cooling_until"
	AttrBudget       = "budget"
	AttrToPools      = "to_pools"
	AttrToTreasury   = "to_treasury"
	AttrOnline       = "online"
)
