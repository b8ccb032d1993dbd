package envelope

// Purposes in use; a purpose is any non-empty UTF-8 string of at most
// MaxPurpose bytes, and Open accepts only the one it is asked for.
const (
	// PurposeClusterKeyDispatch carries a cluster key from a gatekeeper to a worker.
	PurposeClusterKeyDispatch = "cluster-key-dispatch"
	// PurposeKMSSealingKey: a TDX worker's sealing key from the gatekeepers' KMS.
	PurposeKMSSealingKey = "kms-sealing-key"
	// PurposeContractCommand carries a command to a confidential contract.
	PurposeContractCommand = "contract-command"
	// PurposeAgentSecret carries a secret to an agent.
	PurposeAgentSecret = "agent-secret"
	// PurposeAgentSecretUpdate carries one secret to set or delete to the
	// enclave that merges it into an agent's secrets.
	PurposeAgentSecretUpdate = "agent-secret-update"
	// PurposeQuery carries an off-chain query to a contract.
	PurposeQuery = "query"
	// PurposeQueryResponse carries a worker's answer back to the querier.
	PurposeQueryResponse = "query-response"
	// PurposeAgentRequest and PurposeAgentResponse carry an agent call
	// sealed end to end: the gateway and the worker's host see neither.
	PurposeAgentRequest  = "agent-request"
	PurposeAgentResponse = "agent-response"
	// PurposeAgentLog carries an agent's log to its owner.
	PurposeAgentLog = "agent-log"
	// PurposeContractState seals a contract's state at rest in the enclave.
	PurposeContractState = "contract-state"
)
