package pruntime

import (
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/phalanetwork/phala/pruntime/agenthost"
	"github.com/phalanetwork/phala/pruntime/core"
	"github.com/phalanetwork/phala/pruntime/gatekeeper"
	"github.com/phalanetwork/phala/pruntime/sealed"
	"github.com/phalanetwork/phala/tee"
)

// The names below are the enclave's public surface, kept in this package
// so the host, the CLI and auditors import one package; each is defined
// by the part of the enclave it belongs to.

// Clock tells the enclave the time (core.Clock).
type Clock = core.Clock

// SimCode is what a sim provider measures (core.SimCode).
const SimCode = core.SimCode

// IdentityRecord is the sealed form of the worker's long-term keys.
type IdentityRecord = core.IdentityRecord

// ClusterKeyInfo names a cluster key this enclave holds, without the key.
type ClusterKeyInfo = core.ClusterKeyInfo

// AttestationReport is fresh attestation evidence for a caller's nonce.
type AttestationReport = core.AttestationReport

// The sealed store's label (through the provider's DeriveLabel it derives
// the store's keys) and the entries an auditor reads: the IdentityRecord,
// the cluster keys a worker received, a gatekeeper's master-key history.
const (
	SealedStoreLabel = core.SealedStoreLabel
	EntryIdentity    = core.EntryIdentity
	EntryClusterKeys = core.EntryClusterKeys
	EntryMasterKeys  = gatekeeper.EntryMasterKeys
)

// EntryCheckpoint is the light client's sealed checkpoint.
const EntryCheckpoint = core.EntryCheckpoint

// GenesisHash is the genesis hash of a genesis document, as the chain
// records it and the enclave's TEE attests it (core.GenesisHash).
func GenesisHash(doc *cmttypes.GenesisDoc) [32]byte { return core.GenesisHash(doc) }

// OpenSealedStore opens a worker's sealed store the way its enclave does,
// for the chain of genesis hash genesis (core.OpenStore); auditors holding
// the sealing key read it with this.
func OpenSealedStore(p tee.Provider, dir string, genesis [32]byte) (*sealed.Store, error) {
	return core.OpenStore(p, dir, genesis)
}

// ReportData is what an attestation report binds: SHA-256 over a domain,
// the worker id and the caller's nonce (core.ReportData).
func ReportData(worker [32]byte, nonce []byte) [tee.ReportDataSize]byte {
	return core.ReportData(worker, nonce)
}

// The agent host's types (agenthost): a request to an agent as the host
// received it, the handler's answer with the worker's proof, what agents
// may reach from a worker, a line of an agent's log, and the runner of an
// agent on a developer's machine with its answer.
type (
	AgentRequest  = agenthost.Request
	AgentResponse = agenthost.Response
	AgentRuntime  = agenthost.Runtime
	LogLine       = agenthost.LogLine
	DevAgent      = agenthost.DevAgent
	DevResponse   = agenthost.DevResponse
)

// DefaultAgentMemoryBudget is how much memory the agent calls running at
// once in a worker may hold together unless the operator says otherwise.
const DefaultAgentMemoryBudget = agenthost.DefaultMemoryBudget
