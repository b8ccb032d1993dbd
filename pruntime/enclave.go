// Package pruntime is the enclave half of a worker: it owns every key and
// every plaintext. The host half (package worker) gives it chain data and
// carries its signed, encrypted outputs; it trusts nothing the host says
// and verifies the chain itself through its light client (chainsync).
//
// An Enclave is a core (pruntime/core: identity, sealing, attestation, the
// verified chain view, the outbox, the cluster keys) and one type per role
// composed over it, each with its own lock and a narrow interface to the
// core: the gatekeeper (pruntime/gatekeeper), the contract replica
// (pruntime/replica) and the agent host (pruntime/agenthost). The host
// drives it through typed operations only.
package pruntime

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/contractio"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/llm"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/computation"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pruntime/agenthost"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/core"
	"github.com/phalanetwork/phala/pruntime/gatekeeper"
	"github.com/phalanetwork/phala/pruntime/replica"
	"github.com/phalanetwork/phala/shielded/ceremony"
	"github.com/phalanetwork/phala/tee"
)

// Enclave is one worker's trusted half: the core and the roles over it.
type Enclave struct {
	core       *core.Core
	gatekeeper *gatekeeper.Gatekeeper
	replica    *replica.Replica
	agents     *agenthost.Host
	// clock times the benchmark.
	clock Clock

	// out posts the worker's own messages: benchmark scores and
	// heartbeats.
	out *core.Poster
	// dutiesMu guards what the computation duty remembers between steps.
	dutiesMu sync.Mutex
	// answeredChallenge is the last heartbeat challenge this worker posted.
	answeredChallenge int64
	// scannedChallenge is the last block an offline worker looked at for a
	// challenge to answer.
	scannedChallenge int64
}

// Open starts the enclave over the sealed store in dir (core.Open) and
// builds its roles. genesis is the trusted root of the light client;
// clock is the only source of time for the roles (the host passes
// time.Now).
func Open(p tee.Provider, dir string, genesis *cmttypes.GenesisDoc, clock Clock) (*Enclave, error) {
	if clock == nil {
		return nil, errors.New("enclave: no clock")
	}
	c, err := core.Open(p, dir, genesis)
	if err != nil {
		return nil, err
	}
	e := &Enclave{core: c, clock: clock, out: c.Poster(registry.TopicBenchmark, computation.TopicHeartbeat)}
	e.gatekeeper = gatekeeper.New(c, c.Poster(gatekeeper.Topics()...), c.Store())
	// The replica hands agents it finds to the agent host; the agent host
	// asks policy contracts through the replica.
	e.replica = replica.New(c, c.Poster(replica.Topics()...), c.Store(), e.resealAgentSecrets)
	if e.agents, err = agenthost.New(c, c.Poster(agenthost.Topics()...), c.Store(), clock, e.replica.RunQuery); err != nil {
		return nil, err
	}
	return e, nil
}

// ID is the worker id: the identity public key.
func (e *Enclave) ID() registry.WorkerID { return e.core.ID() }

// ECDHPublicKey is the X25519 key others encrypt to this worker with.
func (e *Enclave) ECDHPublicKey() []byte { return e.core.ECDHPublicKey() }

// Kind is the TEE kind.
func (e *Enclave) Kind() tee.Kind { return e.core.Kind() }

// ChainID is the chain the enclave follows.
func (e *Enclave) ChainID() string { return e.core.ChainID() }

// SyncedHeight is the last header the light client verified.
func (e *Enclave) SyncedHeight() int64 { return e.core.SyncedHeight() }

// Sync verifies headers up to the source's latest height, reporting a long
// catch-up to progress (if not nil), then checks the sealed store against
// what the chain recorded of this enclave (core.CheckFresh): a rolled-back
// store is refused with core.ErrRolledBack on every round.
func (e *Enclave) Sync(ctx context.Context, src chainsync.Source, progress func(height, target int64)) (int64, error) {
	h, err := e.core.Sync(ctx, src, progress)
	if err != nil {
		return h, err
	}
	if err := e.core.CheckFresh(ctx, src); err != nil && !errors.Is(err, chainsync.ErrBehind) {
		return h, err
	}
	return h, nil
}

// SealCheckpoint seals the light client's latest verified header now
// (core.Core.SealCheckpoint): a host stopping gracefully calls it, as Sync
// seals only every core.CheckpointEvery blocks.
func (e *Enclave) SealCheckpoint() error { return e.core.SealCheckpoint() }

// Fresh reports whether the enclave has read the chain as of the height
// where it started and found its sealed store not rolled back: nil when
// so, an error wrapping chainsync.ErrBehind while it waits, and
// core.ErrRolledBack for a rolled-back store. The host runs the roles'
// steps only once it is nil.
func (e *Enclave) Fresh(ctx context.Context, src chainsync.Source) error {
	return e.core.CheckFresh(ctx, src)
}

// Registration measures this worker's benchmark score P over d (at least
// minBenchmarkTime) inside the enclave and builds the attested
// registration message carrying it.
func (e *Enclave) Registration(operator address.Address, d time.Duration) (*registry.MsgRegisterWorker, error) {
	return e.core.Registration(operator, benchmark(d, e.clock))
}

// RegisteredWorker reads this worker's chain record, as of the returned
// height; ok is false when the chain has no record.
func (e *Enclave) RegisteredWorker(ctx context.Context, src chainsync.Source) (registry.Worker, bool, int64, error) {
	return e.core.RegisteredWorker(ctx, src)
}

// EndpointUpdate signs a change of this worker's public endpoint.
func (e *Enclave) EndpointUpdate(endpoint string) (*registry.MsgUpdateEndpoint, error) {
	return e.core.EndpointUpdate(endpoint)
}

// Attest returns an attestation report for a caller's nonce, waiting for
// a public quote slot until ctx ends.
func (e *Enclave) Attest(ctx context.Context, nonce []byte) (AttestationReport, error) {
	return e.core.Attest(ctx, nonce)
}

// Inbox reads the chain's messages to this worker from sequence from on.
func (e *Enclave) Inbox(ctx context.Context, src chainsync.Source, from uint64) ([]mq.Egress, uint64, error) {
	return e.core.Inbox(ctx, src, from)
}

// Pending returns the signed messages the chain does not have yet.
func (e *Enclave) Pending(ctx context.Context, src chainsync.Source) ([]mq.SignedMessage, error) {
	return e.core.Pending(ctx, src)
}

// PendingCount is how many signed messages wait in the outbox.
func (e *Enclave) PendingCount() int { return e.core.PendingCount() }

// ClusterKeys lists the cluster epochs whose keys this enclave holds.
func (e *Enclave) ClusterKeys() ([]ClusterKeyInfo, error) { return e.core.ClusterKeys() }

// ReportBenchmark measures this worker's benchmark score P over d inside
// the enclave and posts it through the outbox; the host only triggers it.
func (e *Enclave) ReportBenchmark(ctx context.Context, src chainsync.Source, d time.Duration) (mq.SignedMessage, error) {
	w := wire.NewWriter(10)
	w.Uvarint(benchmark(d, e.clock))
	return e.out.Post(ctx, src, registry.TopicBenchmark, w.Bytes())
}

// BenchmarkScore reads the score P a benchmark message carries, for the
// host's status.
func BenchmarkScore(m mq.SignedMessage) uint64 { return wire.NewReader(m.Payload).Uvarint() }

// RotationStep does this worker's part, as a gatekeeper, in a master-key
// rotation.
func (e *Enclave) RotationStep(ctx context.Context, src chainsync.Source) error {
	return e.gatekeeper.RotationStep(ctx, src)
}

// CeremonyStep does this worker's part, as a gatekeeper, in the shielded
// pool's setup ceremony; blobs holds the ceremony's states, which the host
// serves and fetches by hash.
func (e *Enclave) CeremonyStep(ctx context.Context, src chainsync.Source, blobs ceremony.Blobs) error {
	return e.gatekeeper.CeremonyStep(ctx, src, blobs)
}

// GatekeeperStep does this worker's part as a gatekeeper: the master key's
// creation and sharing.
func (e *Enclave) GatekeeperStep(ctx context.Context, src chainsync.Source) error {
	if err := e.gatekeeper.Step(ctx, src); err != nil {
		return err
	}
	return e.gatekeeper.KMSStep(ctx, src)
}

// Enrollment is the enclave of a TDX worker before it has its sealing key
// from the gatekeepers' KMS (core.Enrollment).
type Enrollment struct {
	*core.Enrollment
	clock Clock
}

// OpenEnrollment starts an enrollment over p with a fresh identity; clock
// times its benchmark.
func OpenEnrollment(p tee.Provider, genesis *cmttypes.GenesisDoc, clock Clock) (*Enrollment, error) {
	enr, err := core.OpenEnrollment(p, genesis)
	if err != nil {
		return nil, err
	}
	return &Enrollment{Enrollment: enr, clock: clock}, nil
}

// Registration measures the benchmark score P over d inside the enclave
// and builds the attested registration of the enrollment's identity, as
// Enclave.Registration does.
func (e *Enrollment) Registration(operator address.Address, d time.Duration) (*registry.MsgRegisterWorker, error) {
	return e.Enrollment.Registration(operator, benchmark(d, e.clock))
}

// ErrNoKMSAnswer means the gatekeepers have not answered yet.
var ErrNoKMSAnswer = core.ErrNoKMSAnswer

// ClusterStep takes in the cluster keys dispatched to this worker and, for
// a gatekeeper, dispatches them.
func (e *Enclave) ClusterStep(ctx context.Context, src chainsync.Source) error {
	if err := e.core.ReceiveClusterKeys(ctx, src); err != nil {
		return err
	}
	return e.gatekeeper.DispatchStep(ctx, src)
}

// ContractStep runs this worker's part in its clusters' contracts.
func (e *Enclave) ContractStep(ctx context.Context, src chainsync.Source) error {
	return e.replica.Step(ctx, src)
}

// ContractResults returns the signed contract results the chain lacks.
func (e *Enclave) ContractResults(ctx context.Context, src chainsync.Source) ([]mq.SignedMessage, error) {
	return e.replica.Results(ctx, src)
}

// ContractSnapshotWants lists the contracts this worker waits to get a
// member's snapshot of (it joined after their earlier inputs).
func (e *Enclave) ContractSnapshotWants() []replica.SnapshotWant { return e.replica.SnapshotWants() }

// ExportContractSnapshot answers another member's signed request with this
// worker's state of a contract sealed for that member.
func (e *Enclave) ExportContractSnapshot(ctx context.Context, src chainsync.Source, req core.SnapshotRequest) (core.SealedSnapshot, error) {
	return e.replica.ExportSnapshot(ctx, src, req)
}

// ContractSnapshotRequest is this worker's signed request for a member's
// snapshot of a contract it waits for (ContractSnapshotWants).
func (e *Enclave) ContractSnapshotRequest(contract [32]byte) core.SnapshotRequest {
	return e.core.SignSnapshotRequest(replica.SnapshotKindContract, contract)
}

// ImportContractSnapshot checks a member's snapshot of a contract against
// the chain and makes it this worker's state.
func (e *Enclave) ImportContractSnapshot(ctx context.Context, src chainsync.Source, s core.SealedSnapshot) error {
	return e.replica.ImportSnapshot(ctx, src, s)
}

// Query answers a contract query sealed to this worker.
func (e *Enclave) Query(ctx context.Context, src chainsync.Source, body []byte, now time.Time) (contractio.QueryResponse, error) {
	return e.replica.Query(ctx, src, body, now)
}

// AgentStep posts the queued usage receipts.
func (e *Enclave) AgentStep(ctx context.Context, src chainsync.Source) error {
	return e.agents.Step(ctx, src)
}

// CallAgent serves an HTTP request to an agent.
func (e *Enclave) CallAgent(ctx context.Context, src chainsync.Source, req AgentRequest) (AgentResponse, error) {
	return e.agents.CallAgent(ctx, src, req)
}

// ApplyAgentState applies another member's agent-state replication
// message and answers its ack.
func (e *Enclave) ApplyAgentState(ctx context.Context, src chainsync.Source, msg []byte) ([]byte, error) {
	return e.agents.ApplyReplication(ctx, src, msg)
}

// AgentSnapshot answers another member's snapshot query with this
// member's state of an agent, sealed to the agent's cluster.
func (e *Enclave) AgentSnapshot(ctx context.Context, src chainsync.Source, query []byte) ([]byte, error) {
	return e.agents.AgentSnapshot(ctx, src, query)
}

// AgentHead answers another member's query for this member's head of an
// agent (a read's confirmation), MACed under the agent's state key.
func (e *Enclave) AgentHead(ctx context.Context, src chainsync.Source, query []byte) ([]byte, error) {
	return e.agents.AnswerHead(ctx, src, query)
}

// SetAgentPeers sets how agent state reaches the cluster's other members.
func (e *Enclave) SetAgentPeers(p agenthost.Peers) { e.agents.SetPeers(p) }

// AgentLogs returns an agent's log sealed to its owner.
func (e *Enclave) AgentLogs(ctx context.Context, src chainsync.Source, req AgentRequest) (AgentResponse, error) {
	return e.agents.Logs(ctx, src, req)
}

// SetAgentSecret sets or deletes one of an agent's secrets for its owner
// (agenthost.PathSetSecret), answering them resealed.
func (e *Enclave) SetAgentSecret(ctx context.Context, src chainsync.Source, req AgentRequest) (AgentResponse, error) {
	return e.agents.SetSecret(ctx, src, req)
}

// Signature signs the RedPill signature text of a recent answer (GET
// /v1/signature/{id}) with the key of algo.
func (e *Enclave) Signature(id, algo string) (agenthost.Signature, error) {
	return e.agents.Signature(id, algo)
}

// AttestSigning is fresh evidence binding nonce to the signing key of
// algo (GET /v1/attestation/report), waiting for a public quote slot
// until ctx ends.
func (e *Enclave) AttestSigning(ctx context.Context, algo string, nonce [32]byte) (core.SigningReport, error) {
	return e.core.AttestSigning(ctx, algo, nonce)
}

// EthAddress is the address of the worker's secp256k1 signing key.
func (e *Enclave) EthAddress() [20]byte { return e.core.EthAddress() }

// LLMHandler serves the OpenAI-compatible API of the AI router.
func (e *Enclave) LLMHandler(src chainsync.Source) http.Handler { return e.agents.LLMHandler(src) }

// PendingReceipts is how many usage receipts wait to be posted.
func (e *Enclave) PendingReceipts() int { return e.agents.PendingReceipts() }

// SetAgentRuntime configures the agent runtime; call it before serving.
func (e *Enclave) SetAgentRuntime(rt AgentRuntime) { e.agents.SetRuntime(rt) }

// Router is the enclave's AI router.
func (e *Enclave) Router() *llm.Router { return e.agents.Router() }

// resealAgentSecrets hands an agent the replica found to the agent host.
func (e *Enclave) resealAgentSecrets(ctx context.Context, src chainsync.Source, c clusters.Cluster, rec contracts.Contract, h int64) error {
	return e.agents.ResealSecrets(ctx, src, c, rec, h)
}
