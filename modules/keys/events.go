package keys

// Event types and attribute keys of the keys module.
const (
	EventGatekeeperAdded = "gatekeeper_added"
	EventGeneration      = "master_key_generation"
	EventConfirmed       = "gatekeeper_confirmed"
	// EventRotation marks each phase of a master-key rotation: commit,
	// reveal, confirm, done (with resume_height) or aborted.
	EventRotation = "key_rotation"

	AttrWorker     = "worker"
	AttrGeneration = "generation"
	AttrSignKey    = "sign_pubkey"
)
