package stakepool

// Event types and attribute keys of the stakepool module.
const (
	// EventCreated: a pool was created (pool, owner, commission_bps).
	EventCreated = "pool_created"
	// EventWorkerAdded and EventWorkerRemoved: pool membership (pool,
	// worker).
	EventWorkerAdded   = "pool_worker_added"
	EventWorkerRemoved = "pool_worker_removed"
	// EventContribution: an account bought shares (pool, account, amount,
	// shares).
	EventContribution = "pool_contribution"
	// EventWithdrawalQueued: a withdrawal request could not be paid in
	// full at once and waits (pool, account, shares, seq).
	EventWithdrawalQueued = "pool_withdrawal_queued"
	// EventWithdrawal: shares were redeemed and paid (pool, account,
	// shares, amount, seq); complete says whether the request is done.
	EventWithdrawal = "pool_withdrawal"
	// EventReward: computation paid the pool (pool, amount, commission).
	EventReward = "pool_reward"
	// EventForcedStop: a withdrawal waited past the grace period and the
	// pool's workers were stopped (pool, seq, stopped).
	EventForcedStop = "pool_forced_stop"

	AttrPool       = "pool"
	AttrOwner      = "owner"
	AttrCommission = "commission_bps"
	AttrWorker     = "worker"
	AttrAccount    = "account"
	AttrAmount     = "amount"
	AttrShares     = "shares"
	AttrSeq        = "seq"
	AttrComplete   = "complete"
	AttrCommPaid   = "commission"
	AttrStopped    = "stopped"
)
