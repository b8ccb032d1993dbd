package keys

// Event types and attribute keys of the keys module.
const (
	EventGatekeeperAdded = "gatekeeper_added"
	// EventGatekeeperRemoved: governance took a gatekeeper out of the set.
	EventGatekeeperRemoved = "gatekeeper_removed"
	EventGeneration        = "master_key_generation"
	EventConfirmed         = "gatekeeper_confirmed"
	// EventRotation marks each phase of a master-key rotation: commit,
	// reveal, confirm, done (with resume_height) or aborted.
	EventRotation = "key_rotation"
	// EventBond: an operator bonded PHA to a gatekeeper (worker, operator,
	// amount, bonded = the new total).
	EventBond = "gatekeeper_bond"
	// EventUnbond: an operator started unbonding (worker, operator, amount,
	// bonded = what is left, release_height).
	EventUnbond = "gatekeeper_unbond"
	// EventUnbonded: an unbonding matured and was paid back to the operator
	// (worker, operator, amount).
	EventUnbonded = "gatekeeper_unbonded"

	AttrWorker     = "worker"
	AttrGeneration = "generation"
	AttrSignKey    = "sign_pubkey"
	AttrOperator   = "operator"
	AttrAmount     = "amount"
	AttrBonded     = "bonded"
	AttrRelease    = "release_height"
)
