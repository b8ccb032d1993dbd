package pruntime

import (
	"github.com/phalanetwork/phala/pruntime/agenthost"
	"github.com/phalanetwork/phala/pruntime/core"
	"github.com/phalanetwork/phala/pruntime/gatekeeper"
	"github.com/phalanetwork/phala/pruntime/replica"
	"github.com/phalanetwork/phala/tee"
)

// The names below are the enclave's public surface, kept in this package
// so the host, the CLI and auditors import one package; each is defined
// by the part of the enclave it belongs to.

// Clock tells the enclave the time (core.Clock).
type Clock = core.Clock

// Version is the pruntime version a worker reports in its WorkerInfo.
const Version = core.Version

// SimCode is what a sim provider measures (core.SimCode).
const SimCode = core.SimCode

// Features the pruntime supports, reported in its WorkerInfo.
var Features = core.Features

// Sealed store layout: the store's label and the entries auditors read.
const (
	SealedStoreLabel = core.SealedStoreLabel
	EntryIdentity    = core.EntryIdentity
	EntryClusterKeys = core.EntryClusterKeys
	EntryMasterKeys  = gatekeeper.EntryMasterKeys
)

// IdentityRecord is the sealed form of the worker's long-term keys.
type IdentityRecord = core.IdentityRecord

// ClusterKeyInfo names a cluster key this enclave holds, without the key.
type ClusterKeyInfo = core.ClusterKeyInfo

// AttestationReport is fresh attestation evidence for a caller's nonce.
type AttestationReport = core.AttestationReport

// ReportData is what an attestation report binds: SHA-256 over a domain,
// the worker id and the caller's nonce (core.ReportData).
func ReportData(worker [32]byte, nonce []byte) [tee.ReportDataSize]byte {
	return core.ReportData(worker, nonce)
}

// Contract query errors (replica).
var (
	ErrBadQuery   = replica.ErrBadQuery
	ErrNotRunning = replica.ErrNotRunning
)

// Agent types (agenthost).
type (
	// AgentRequest is an HTTP request to an agent as the host received it.
	AgentRequest = agenthost.Request
	// AgentResponse is the handler's answer with the worker's proof.
	AgentResponse = agenthost.Response
	// AgentRuntime is what agents may reach from a worker.
	AgentRuntime = agenthost.Runtime
	// LogLine is one line of an agent's log.
	LogLine = agenthost.LogLine
	// DevAgent runs an agent on the developer's machine.
	DevAgent = agenthost.DevAgent
	// DevResponse is a dev agent handler's answer.
	DevResponse = agenthost.DevResponse
)

// Agent call errors (agenthost); the worker maps each to an HTTP status.
var (
	ErrUnauthorized = agenthost.ErrUnauthorized
	ErrForbidden    = agenthost.ErrForbidden
	ErrPayment      = agenthost.ErrPayment
	ErrNoAgent      = agenthost.ErrNoAgent
	ErrReplay       = agenthost.ErrReplay
	ErrAgentFailed  = agenthost.ErrAgentFailed
)
