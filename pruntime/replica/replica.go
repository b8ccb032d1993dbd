// Package replica is the contract replica role of an enclave: it runs the
// contracts of the clusters this worker is a member of, in input order,
// keeps their sealed state, queues their results and reports their state
// roots, and answers queries on that state. It reaches the chain and the
// outbox only through the narrow Core and Outbox interfaces.
package replica

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/phalanetwork/phala/contractio"
	"github.com/phalanetwork/phala/crypto/keyderive"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/contractstate"
	"github.com/phalanetwork/phala/pruntime/core"
	"github.com/phalanetwork/phala/pruntime/sealed"
	"github.com/phalanetwork/phala/sandbox"
)

// Core is what a contract replica needs from the enclave core.
type Core interface {
	// SyncedHeight is the height queries run at.
	SyncedHeight() int64
	core.View
	core.MemberKeys
	Egress(ctx context.Context, src chainsync.Source, dest mq.Origin, from uint64, limit int) ([]mq.Egress, uint64, error)
	Clusters(ctx context.Context, src chainsync.Source) ([]clusters.Cluster, error)
	// ClusterPairs signs a batch of contract keys with the cluster key.
	ClusterPairs(cluster [32]byte, epoch uint64) (keyderive.KeyPair, bool, error)
	// OpenSealed opens a query sealed to this worker; SignQueryResponse
	// signs the answer with the worker identity.
	OpenSealed(purpose string, raw []byte) ([]byte, error)
	PublicKey() ed25519.PublicKey
	SignQueryResponse(request, sealedAnswer []byte) contractio.QueryResponse
	// SealSnapshot and OpenSnapshot carry a contract's state between
	// members under the cluster key (core/snapshotseal.go).
	SealSnapshot(h core.SnapshotHeader, body []byte) (core.SealedSnapshot, error)
	OpenSnapshot(s core.SealedSnapshot) ([]byte, error)
	// CheckSnapshotRequest checks a member's signed request for one
	// (core/snapshotrequest.go).
	CheckSnapshotRequest(r core.SnapshotRequest) error
}

// Topics lists the message kinds a replica posts from the worker's origin
// (results go from the contract's own origin, signed by its key).
func Topics() []string {
	return []string{
		contracts.TopicPubKeys, contracts.TopicRoot,
	}
}

// AgentSecrets re-seals an agent's secrets to its key of the cluster's
// current epoch; the agent host does it, the replica only finds the agents
// (at height h) while it walks a cluster's contracts.
type AgentSecrets func(ctx context.Context, src chainsync.Source, c clusters.Cluster, rec contracts.Contract, h int64) error

// Replica is the contract replica role. mu guards the contracts this
// worker runs and the compiled code; the host loop and queries over HTTP
// share them.
type Replica struct {
	core   Core
	out    core.Outbox
	store  core.Entries
	agents AgentSecrets

	mu           sync.Mutex
	running      map[[32]byte]*instance
	programs     map[[32]byte]*sandbox.Program
	clusterViews map[[32]byte]*clusterView
	// wants are the contracts (with their cluster) that wait for a
	// member's snapshot (snapshot.go).
	wants map[[32]byte][32]byte

	// queries holds a slot for each query running (query.go).
	queries *core.Slots
}

// maxQueries is how many contract queries run at once: each may grow a VM
// to ContractLimits.Memory and run a command's gas. One contract's
// queries hold at most maxContractQueries of them, so a contract whose
// queries spin (they cost the caller nothing) leaves the others room.
const (
	maxQueries         = 4
	maxContractQueries = maxQueries / 2
)

// New makes the replica role over a core, its outbox (posting Topics) and
// its entries in the sealed store (one sealed record per contract);
// agents handles the agent contracts it comes across.
func New(c Core, out core.Outbox, store core.Entries, agents AgentSecrets) *Replica {
	return &Replica{core: c, out: out, store: store, agents: agents,
		running: map[[32]byte]*instance{}, programs: map[[32]byte]*sandbox.Program{}, clusterViews: map[[32]byte]*clusterView{}, wants: map[[32]byte][32]byte{},
		queries: core.NewSlots(maxQueries, maxContractQueries, "contract queries")}
}

// Derivation labels below the contract key (through the provider's
// DeriveLabel, so sim keys differ).
const (
	labelContractState = "phala/contract_state"
	labelContractRoot  = "phala/contract_root"
)

// contractRecord is a replica's sealed record of one contract.
type contractRecord struct {
	ID        keys.Hex `json:"id"`
	Cluster   keys.Hex `json:"cluster"`
	NextInput uint64   `json:"next_input"`
	// Epoch is the cluster epoch whose contract key seals Entries.
	Epoch   uint64   `json:"epoch"`
	Code    keys.Hex `json:"code"`
	RootKey []byte   `json:"root_key"`
	Entries [][]byte `json:"entries"`
	// Unposted are result payloads the chain does not have yet; they are
	// signed when sent, with whatever contract key is current then.
	Unposted []unposted `json:"unposted"`
}

type unposted struct {
	Input   uint64 `json:"input"`
	Payload []byte `json:"payload"`
}

// instance is a contract this worker runs: its record and its state.
type instance struct {
	rec   contractRecord
	state *contractstate.State
}

func contractEntryName(id [32]byte) string { return "contract/" + hex.EncodeToString(id[:]) }

func sealAD(id [32]byte, epoch uint64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte("phala/contract-state/v1\x00"), id[:]...), epoch)
}

// load opens a contract's sealed record, or starts one. Callers hold r.mu.
func (r *Replica) load(c contracts.Contract) (*instance, error) {
	id := [32]byte(c.ID)
	if in, ok := r.running[id]; ok {
		return in, nil
	}
	raw, err := r.store.Get(contractEntryName(id))
	if errors.Is(err, sealed.ErrNotFound) {
		in := &instance{rec: contractRecord{ID: c.ID, Cluster: c.Cluster, Epoch: c.KeyEpoch, Code: c.Versions[0].Code}, state: contractstate.New()}
		r.running[id] = in
		return in, nil
	}
	if err != nil {
		return nil, fmt.Errorf("enclave: unseal contract %x: %w", id, err)
	}
	var rec contractRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		return nil, fmt.Errorf("enclave: sealed contract %x unreadable: %w", id, err)
	}
	k, ok, err := r.core.ContractKey([32]byte(rec.Cluster), id, rec.Epoch)
	if err != nil || !ok {
		return nil, fmt.Errorf("enclave: contract %x state is sealed under epoch %d, whose key this worker lacks", id, rec.Epoch)
	}
	st, err := contractstate.Open(k.SubKey(labelContractState), sealAD(id, rec.Epoch), rec.Entries)
	if err != nil {
		return nil, fmt.Errorf("enclave: contract %x: %w", id, err)
	}
	in := &instance{rec: rec, state: st}
	r.running[id] = in
	return in, nil
}

// save seals a contract's state under the contract key of epoch, re-keying
// it when the epoch moved. It is the one place a replica's state is
// written.
func (r *Replica) save(in *instance, epoch uint64) error {
	id := [32]byte(in.rec.ID)
	k, ok, err := r.core.ContractKey([32]byte(in.rec.Cluster), id, epoch)
	if err != nil || !ok {
		return fmt.Errorf("enclave: no contract key of epoch %d for %x", epoch, id)
	}
	entries, err := in.state.Seal(k.SubKey(labelContractState), sealAD(id, epoch))
	if err != nil {
		return err
	}
	in.rec.Entries, in.rec.Epoch = entries, epoch
	return r.putRecord(in)
}

// putRecord writes a contract's sealed record as it stands.
func (r *Replica) putRecord(in *instance) error {
	raw, _ := json.Marshal(in.rec)
	return r.store.Put(contractEntryName([32]byte(in.rec.ID)), raw)
}
