// Package pruntime is the enclave half of a worker: it owns every key and
// every plaintext. The host half (package worker) gives it chain data and
// carries its signed, encrypted outputs; it trusts nothing the host says
// and verifies the chain itself through its light client (chainsync).
package pruntime

import (
	"context"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/sealed"
	"github.com/phalanetwork/phala/sandbox"
	"github.com/phalanetwork/phala/tee"
)

// Version is the pruntime version a worker reports in its WorkerInfo.
const Version = "0.1.0"

// Features the pruntime supports, reported in its WorkerInfo.
var Features = []string{"mq/v1"}

// Enclave is one worker's trusted half.
type Enclave struct {
	provider    tee.Provider
	store       *sealed.Store
	identity    ed25519.PrivateKey
	ecdh        *ecdh.PrivateKey
	chainID     string
	genesisHash [32]byte

	// mu guards the light client and the outbox.
	mu   sync.Mutex
	sync *chainsync.Sync
	out  *outbox
	// sharedAt remembers when this gatekeeper last sent a master-key share
	// to each gatekeeper; used by the gatekeeper step's goroutine only.
	sharedAt map[[32]byte]int64
	// dispatchedAt and clusterInbox do the same for cluster keys.
	dispatchedAt map[dispatchSlot]int64
	clusterInbox uint64

	// reads caches proven state values per height.
	reads readCache

	// contractsMu guards the contracts this worker runs and the compiled
	// code; the host loop and queries over HTTP share them.
	contractsMu  sync.Mutex
	replicas     map[[32]byte]*replica
	programs     map[[32]byte]*sandbox.Program
	clusterViews map[[32]byte]*clusterView

	// agentsMu guards the agent runtime's state.
	agentsMu      sync.Mutex
	agentRT       AgentRuntime
	agentPrograms map[[32]byte]*sandbox.Program
	seenCalls     map[[32]byte]time.Time
	seenPruned    time.Time

	// receiptsMu guards the usage receipts not yet in the outbox and
	// their sealed journal.
	receiptsMu sync.Mutex
	receipts   []agents.Receipt
	journal    *sealed.Journal
	// journalErr is the first failure to journal a receipt, reported by
	// the next AgentStep.
	journalErr error
	// answeredChallenge is the last heartbeat challenge this worker posted.
	answeredChallenge int64
	// scannedChallenge is the last block an offline worker looked at for a
	// challenge to answer.
	scannedChallenge int64
}

// IdentityRecord is the sealed form of the worker's long-term keys. It is
// exported, with the store's label and entry name, so an auditor holding the
// sealing key (in sim mode: anyone with the seed) can check what is sealed.
type IdentityRecord struct {
	IdentitySeed []byte `json:"identity_seed"`
	ECDHKey      []byte `json:"ecdh_key"`
}

// Sealed store layout.
const (
	// SealedStoreLabel (through the provider's DeriveLabel) derives the
	// store's keys from the sealing key.
	SealedStoreLabel = "phala/pruntime/sealed-store"
	// EntryIdentity holds the IdentityRecord.
	EntryIdentity = "identity"
)

// Open starts the enclave over the sealed store in dir. On first start it
// makes the identity (ed25519) and ECDH (X25519) keys inside the enclave
// and seals them; later starts unseal the same keys, so the worker keeps
// its identity. genesis is the trusted root of the light client.
func Open(p tee.Provider, dir string, genesis *cmttypes.GenesisDoc) (*Enclave, error) {
	sk, err := p.SealingKey()
	if err != nil {
		return nil, fmt.Errorf("enclave: sealing key: %w", err)
	}
	store, err := sealed.Open(dir, sk, p.DeriveLabel(SealedStoreLabel))
	if err != nil {
		return nil, fmt.Errorf("enclave: %w", err)
	}
	id, err := loadOrCreateIdentity(store)
	if err != nil {
		return nil, err
	}
	sync, err := chainsync.New(genesis)
	if err != nil {
		return nil, fmt.Errorf("enclave: light client: %w", err)
	}
	ek, err := ecdh.X25519().NewPrivateKey(id.ECDHKey)
	if err != nil {
		return nil, fmt.Errorf("enclave: sealed ECDH key: %w", err)
	}
	e := &Enclave{
		provider:     p,
		store:        store,
		identity:     ed25519.NewKeyFromSeed(id.IdentitySeed),
		ecdh:         ek,
		chainID:      genesis.ChainID,
		genesisHash:  module.GenesisHash(genesis.ChainID, genesis.AppState),
		sync:         sync,
		sharedAt:     map[[32]byte]int64{},
		dispatchedAt: map[dispatchSlot]int64{},
		replicas:     map[[32]byte]*replica{},
		programs:     map[[32]byte]*sandbox.Program{},
		clusterViews: map[[32]byte]*clusterView{},

		agentRT:       AgentRuntime{}.withDefaults(),
		agentPrograms: map[[32]byte]*sandbox.Program{},
		seenCalls:     map[[32]byte]time.Time{},
	}
	if e.out, err = loadOutbox(store); err != nil {
		return nil, err
	}
	if err := e.loadReceipts(); err != nil {
		return nil, err
	}
	return e, nil
}

func loadOrCreateIdentity(store *sealed.Store) (IdentityRecord, error) {
	var rec IdentityRecord
	raw, err := store.Get(EntryIdentity)
	switch {
	case err == nil:
		if err := json.Unmarshal(raw, &rec); err != nil || len(rec.IdentitySeed) != ed25519.SeedSize || len(rec.ECDHKey) != 32 {
			return rec, fmt.Errorf("enclave: sealed identity is unreadable")
		}
		return rec, nil
	case errors.Is(err, sealed.ErrNotFound):
		rec.IdentitySeed = make([]byte, ed25519.SeedSize)
		if _, err := rand.Read(rec.IdentitySeed); err != nil {
			return rec, err
		}
		k, err := ecdh.X25519().GenerateKey(rand.Reader)
		if err != nil {
			return rec, err
		}
		rec.ECDHKey = k.Bytes()
		raw, _ := json.Marshal(rec)
		if err := store.Put(EntryIdentity, raw); err != nil {
			return rec, fmt.Errorf("enclave: seal identity: %w", err)
		}
		return rec, nil
	default:
		return rec, fmt.Errorf("enclave: unseal identity: %w", err)
	}
}

// ID is the worker id: the identity public key.
func (e *Enclave) ID() registry.WorkerID {
	var id registry.WorkerID
	copy(id[:], e.identity.Public().(ed25519.PublicKey))
	return id
}

// ECDHPublicKey is the X25519 key others encrypt to this worker with.
func (e *Enclave) ECDHPublicKey() []byte { return e.ecdh.PublicKey().Bytes() }

// Kind is the TEE kind.
func (e *Enclave) Kind() tee.Kind { return e.provider.Kind() }

// ChainID is the chain the enclave follows.
func (e *Enclave) ChainID() string { return e.chainID }

// SyncedHeight is the last header the light client verified.
func (e *Enclave) SyncedHeight() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.sync.Height()
}

// syncChunk is how many headers Sync verifies between progress reports.
const syncChunk = 500

// Sync verifies headers up to the source's latest height. A long catch-up
// goes in chunks, and progress (if not nil) hears of each.
func (e *Enclave) Sync(ctx context.Context, src chainsync.Source, progress func(height, target int64)) (int64, error) {
	latest, err := src.LatestHeight(ctx)
	if err != nil {
		return e.SyncedHeight(), fmt.Errorf("enclave: latest height: %w", err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for {
		h := e.sync.Height()
		if h >= latest {
			return h, nil
		}
		to := min(h+syncChunk, latest)
		if err := e.sync.Advance(ctx, src, to); err != nil {
			return e.sync.Height(), err
		}
		if progress != nil && latest-h > syncChunk {
			progress(to, latest)
		}
	}
}

// Registration builds the registration message: a WorkerInfo naming a
// recent verified block, and an attestation over it. It names the block
// before the latest: a header can be verified (its commit is public) before
// the application has committed that block, but the one before it is
// always applied.
func (e *Enclave) Registration(operator address.Address, score uint64) (*registry.MsgRegisterWorker, error) {
	e.mu.Lock()
	h := e.sync.Height() - 1
	anchor, ok := e.sync.Header(h)
	e.mu.Unlock()
	if h < 1 || !ok {
		return nil, fmt.Errorf("enclave: need two verified blocks to attest against, have %d", h+1)
	}
	info := registry.WorkerInfo{
		Version:           registry.WorkerInfoVersion,
		IdentityKey:       e.identity.Public().(ed25519.PublicKey),
		ECDHKey:           e.ECDHPublicKey(),
		ChainID:           e.chainID,
		GenesisHash:       e.genesisHash,
		Operator:          operator,
		Features:          append([]string(nil), Features...),
		BenchmarkScore:    score,
		AttestedHeight:    anchor.Height,
		AttestedBlockHash: anchor.Hash(),
	}
	att, err := tee.Attest(e.provider, info.ReportData())
	if err != nil {
		return nil, fmt.Errorf("enclave: attest: %w", err)
	}
	return &registry.MsgRegisterWorker{Info: info, Attestation: att}, nil
}

// RegisteredWorker reads this worker's chain record through the light
// client, as of the returned height; ok is false when the chain has no
// record.
func (e *Enclave) RegisteredWorker(ctx context.Context, src chainsync.Source) (w registry.Worker, ok bool, height int64, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	raw, height, err := e.sync.VerifiedState(ctx, src, registry.WorkerKey(e.ID()))
	if err != nil || raw == nil {
		return w, false, height, err
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return w, false, height, fmt.Errorf("enclave: worker record: %w", err)
	}
	return w, true, height, nil
}

// EndpointUpdate signs a change of this worker's public endpoint at the
// latest verified height.
func (e *Enclave) EndpointUpdate(endpoint string) (*registry.MsgUpdateEndpoint, error) {
	h := e.SyncedHeight()
	if h == 0 {
		return nil, fmt.Errorf("enclave: no verified block yet")
	}
	m := &registry.MsgUpdateEndpoint{Endpoint: endpoint, Height: h}
	m.Sign(e.chainID, e.identity)
	return m, nil
}

// SimCode is what a sim provider measures: sim has no code hash, so the
// measurement names the pruntime version, and a devnet allow-lists it.
const SimCode = "phala-pruntime/" + Version
