package keys

// Event types and attribute keys of the keys module.
const (
	EventGatekeeperAdded = "gatekeeper_added"
	EventGeneration      = "master_key_generation"
	EventConfirmed       = "gatekeeper_confirmed"

	AttrWorker     = "worker"
	AttrGeneration = "generation"
	AttrSignKey    = "sign_pubkey"
)
