// Package core is the enclave's core, the part every role of a worker
// shares: the identity and its sealed store, attestation, the verified view
// of the chain (light client and read cache), the sealed outbox and the
// cluster keys this worker holds. It takes no decision of its own: the
// roles (pruntime/gatekeeper, pruntime/replica, pruntime/agenthost) read
// through it and post through it, each only messages of its own kind.
package core

import (
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"sync"
	"time"

	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/sealed"
	"github.com/phalanetwork/phala/tee"
)

// Clock tells the enclave the time. The host passes time.Now; tests pass
// a fixed or stepped clock. Roles never read the system clock themselves.
type Clock func() time.Time

// Core is one worker's trusted core.
type Core struct {
	provider tee.Provider
	store    *sealed.Store
	identity ed25519.PrivateKey
	ecdh     *ecdh.PrivateKey
	// ecdsa is the secp256k1 key derived from the identity (signing.go).
	ecdsa       *secp256k1.PrivateKey
	chainID     string
	genesisHash [32]byte
	// genesis is the trusted root; its app state says which enclaves may
	// sign a checkpoint (trustcp.go).
	genesis *cmttypes.GenesisDoc

	// sync is the light client. It has its own locks, so every role reads
	// it at any time; each header it holds was verified before it was
	// accepted, so a reader during a Sync sees a verified height, if not
	// yet the newest.
	sync *chainsync.Sync

	// syncMu serialises the light client's progress (Sync,
	// JoinFromCheckpoint) and guards checkpoint. It is held across
	// fetching and verifying headers and sealing the checkpoint, and
	// nothing else waits on it. Lock order: syncMu before mu.
	syncMu sync.Mutex
	// checkpoint is the height of the sealed light-client checkpoint.
	checkpoint int64

	// mu guards the outbox. It is held across the outbox's own sealing,
	// never across the light client's progress nor a proven read, so an
	// agent call's post waits for other posts only. joined, joinErr and
	// startedAt are written holding syncMu and mu, and read holding
	// either: Sync reads them under syncMu, the outbox under mu.
	mu  sync.Mutex
	out *outbox
	// joined is the signed checkpoint the light client started from while
	// its signers are not yet checked against the chain; joinErr is set
	// for good when they failed that check (trustcp.go). The outbox signs
	// nothing meanwhile.
	joined  *joinedCheckpoint
	joinErr error
	// startedAt is the source's latest height at this core's first sync:
	// the outbox signs nothing until it has read the chain as of then, so
	// a message the chain took just before a restart (or a rollback) is
	// seen before the sequence after it is used.
	startedAt int64

	// reads caches proven state values per height.
	reads readCache

	// keysMu guards how far the cluster-key receiver read the inbox.
	keysMu       sync.Mutex
	clusterInbox uint64
	// ckMu guards clusterKeys, the sealed cluster-key list as unsealed
	// once (ckLoaded) and as sealClusterKey last wrote it.
	ckMu        sync.Mutex
	ckLoaded    bool
	clusterKeys []ClusterKeyRecord

	// cpMu guards cpEvidence, the attestation of the checkpoint signing
	// key, made on first use.
	cpMu       sync.Mutex
	cpEvidence []byte

	// quotes holds a slot for each quote a caller outside the enclave has
	// in the TEE (quotes.go).
	quotes *Slots
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

// Open starts the core over the sealed store in dir. On first start it
// makes the identity (ed25519) and ECDH (X25519) keys inside the enclave
// and seals them; later starts unseal the same keys, so the worker keeps
// its identity. genesis is the trusted root of the light client and the
// chain the enclave is bound to: the TEE must attest its hash, and the
// store is sealed for it (see OpenStore). The light client resumes from
// its sealed checkpoint.
func Open(p tee.Provider, dir string, genesis *cmttypes.GenesisDoc) (*Core, error) {
	if genesis == nil {
		return nil, errors.New("enclave: no genesis")
	}
	gh := GenesisHash(genesis)
	if err := checkAttestedGenesis(p, gh); err != nil {
		return nil, err
	}
	store, err := OpenStore(p, dir, gh)
	if err != nil {
		return nil, err
	}
	id, err := loadOrCreateIdentity(store)
	if err != nil {
		return nil, err
	}
	c, err := newCore(p, genesis, id)
	if err != nil {
		return nil, err
	}
	c.store = store
	if c.checkpoint, err = resumeCheckpoint(store, c.sync); err != nil {
		return nil, err
	}
	if c.out, err = loadOutbox(store); err != nil {
		return nil, err
	}
	return c, nil
}

// newCore is a core over identity id with a light client rooted in
// genesis, without a sealed store.
func newCore(p tee.Provider, genesis *cmttypes.GenesisDoc, id IdentityRecord) (*Core, error) {
	sync, err := chainsync.New(genesis)
	if err != nil {
		return nil, fmt.Errorf("enclave: light client: %w", err)
	}
	ek, err := ecdh.X25519().NewPrivateKey(id.ECDHKey)
	if err != nil {
		return nil, fmt.Errorf("enclave: sealed ECDH key: %w", err)
	}
	ek1, err := deriveECDSAKey(id.IdentitySeed)
	if err != nil {
		return nil, err
	}
	return &Core{
		provider:    p,
		identity:    ed25519.NewKeyFromSeed(id.IdentitySeed),
		ecdh:        ek,
		ecdsa:       ek1,
		chainID:     genesis.ChainID,
		genesisHash: GenesisHash(genesis),
		genesis:     genesis,
		sync:        sync,
		quotes:      newQuoteSlots(),
	}, nil
}

// newIdentity makes a fresh identity and ECDH key inside the enclave.
func newIdentity() (IdentityRecord, error) {
	rec := IdentityRecord{IdentitySeed: make([]byte, ed25519.SeedSize)}
	if _, err := rand.Read(rec.IdentitySeed); err != nil {
		return rec, err
	}
	k, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return rec, err
	}
	rec.ECDHKey = k.Bytes()
	return rec, nil
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
		if rec, err = newIdentity(); err != nil {
			return rec, err
		}
		return rec, sealIdentity(store, rec)
	default:
		return rec, fmt.Errorf("enclave: unseal identity: %w", err)
	}
}

// sealIdentity seals rec as the store's identity.
func sealIdentity(store *sealed.Store, rec IdentityRecord) error {
	raw, _ := json.Marshal(rec)
	if err := store.Put(EntryIdentity, raw); err != nil {
		return fmt.Errorf("enclave: seal identity: %w", err)
	}
	return nil
}

// GenesisHash is the hash of the genesis the enclave trusts.
func (c *Core) GenesisHash() [32]byte { return c.genesisHash }

// Store is the sealed store; each role keeps its own entries in it.
func (c *Core) Store() *sealed.Store { return c.store }

// ID is the worker id: the identity public key.
func (c *Core) ID() registry.WorkerID {
	var id registry.WorkerID
	copy(id[:], c.PublicKey())
	return id
}

// PublicKey is the identity public key.
func (c *Core) PublicKey() ed25519.PublicKey { return c.identity.Public().(ed25519.PublicKey) }

// ECDHPublicKey is the X25519 key others encrypt to this worker with.
func (c *Core) ECDHPublicKey() []byte { return c.ecdh.PublicKey().Bytes() }

// Kind is the TEE kind.
func (c *Core) Kind() tee.Kind { return c.provider.Kind() }

// ChainID is the chain the enclave follows.
func (c *Core) ChainID() string { return c.chainID }

// DeriveLabel is the provider's label derivation: keys derived inside a
// sim enclave differ from those of a real one.
func (c *Core) DeriveLabel(label string) string { return c.provider.DeriveLabel(label) }

// Origin is this worker as an mq origin.
func (c *Core) Origin() mq.Origin {
	return mq.Origin{Kind: mq.OriginWorker, ID: c.ID()}
}
