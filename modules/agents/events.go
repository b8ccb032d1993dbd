package agents

// Event types and attribute keys of the agents module.
const (
	EventDeployed = "agent_deployed"
	EventUpdated  = "agent_updated"
	EventEscrow   = "agent_escrow"
	EventAPIKey   = "agent_api_key"
	EventSettled  = "agent_receipts"

	AttrAgent    = "agent"
	AttrOwner    = "owner"
	AttrAccount  = "account"
	AttrAction   = "action"
	AttrAmount   = "amount"
	AttrWorker   = "worker"
	AttrSettled  = "settled"
	AttrSkipped  = "duplicates"
	AttrExpired  = "expired"
	AttrUnderpay = "underpaid"
)
