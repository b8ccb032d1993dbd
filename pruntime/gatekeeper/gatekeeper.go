// Package gatekeeper is the gatekeeper role of an enclave: it holds the
// master key and its history, creates it or takes it in from another
// gatekeeper, runs the master-key rotation and dispatches cluster keys
// derived from it. It reaches the chain and the outbox only through the
// narrow Core and Outbox interfaces.
package gatekeeper

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/crypto/keyderive"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/modules/shielded"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/core"
	"github.com/phalanetwork/phala/pruntime/sealed"
)

// Core is what a gatekeeper needs from the enclave core.
type Core interface {
	ID() registry.WorkerID
	ChainID() string
	// GenesisHash is the hash of the genesis the enclave trusts.
	GenesisHash() [32]byte
	SyncedHeight() int64
	// DeriveLabel is the provider's label derivation for the master key's
	// own derivations.
	DeriveLabel(label string) string
	// State and StateAt read proven chain state, not cached.
	State(ctx context.Context, src chainsync.Source, key []byte) ([]byte, int64, error)
	StateAt(ctx context.Context, src chainsync.Source, key []byte, h int64) ([]byte, error)
	Clusters(ctx context.Context, src chainsync.Source) ([]clusters.Cluster, error)
	Inbox(ctx context.Context, src chainsync.Source, from uint64) ([]mq.Egress, uint64, error)
	// SealTo encrypts to a worker's registered ECDH key; OpenSealed opens
	// what was encrypted to this one.
	SealTo(ctx context.Context, src chainsync.Source, id [32]byte, purpose string, plaintext []byte) ([]byte, error)
	OpenSealed(purpose string, raw []byte) ([]byte, error)
	// DiscloseKey returns the key of one envelope sent to this enclave.
	DiscloseKey(raw []byte) ([]byte, error)
	// SignCheckpoint signs a verified header for a joining worker.
	SignCheckpoint(h int64) (core.SignedCheckpoint, error)
}

// Topics lists the message kinds a gatekeeper posts.
func Topics() []string {
	return []string{
		keys.TopicMasterPubKey, keys.TopicShare, keys.TopicConfirm, keys.TopicRejoin,
		keys.TopicRotationPrecommit, keys.TopicRotationCommit, keys.TopicRotationReveal, keys.TopicRotationConfirm,
		keys.TopicRotationComplaint, keys.TopicKMSKey,
		clusters.TopicPubKey, clusters.TopicDispatch,
		shielded.TopicContribution, shielded.TopicVote, shielded.TopicKey,
	}
}

// Gatekeeper is the gatekeeper role. Its steps run from the host loop; mu
// keeps two of them from overlapping.
type Gatekeeper struct {
	core  Core
	out   core.Outbox
	store core.Entries

	mu sync.Mutex
	// sharedAt remembers when this gatekeeper last sent a master-key share
	// to each gatekeeper.
	sharedAt map[[32]byte]int64
	// dispatchedAt does the same for cluster keys.
	dispatchedAt map[dispatchSlot]int64
	// answeredKMS remembers when this gatekeeper answered each ephemeral
	// key of a sealing-key request.
	answeredKMS map[[32]byte]int64

	// ceremony is the shielded setup ceremony's duty, with its own lock.
	ceremony ceremonyDuty
}

// New makes the gatekeeper role over a core, its outbox (posting Topics)
// and its entries in the sealed store (the master-key history and the
// rotation contributions).
func New(c Core, out core.Outbox, store core.Entries) *Gatekeeper {
	return &Gatekeeper{core: c, out: out, store: store, sharedAt: map[[32]byte]int64{}, dispatchedAt: map[dispatchSlot]int64{}, answeredKMS: map[[32]byte]int64{}}
}

// EntryMasterKeys holds the sealed master-key history of a gatekeeper.
const EntryMasterKeys = "master-keys"

// masterHistory is every master-key generation this gatekeeper holds.
// Older generations are kept so data sealed under them stays readable.
type masterHistory struct {
	Generations []masterGeneration `json:"generations"`
}

type masterGeneration struct {
	Number uint64 `json:"number"`
	Secret []byte `json:"secret"`
}

func (h masterHistory) find(n uint64) *masterGeneration {
	for i := range h.Generations {
		if h.Generations[i].Number == n {
			return &h.Generations[i]
		}
	}
	return nil
}

func (g *Gatekeeper) loadMasters() (masterHistory, error) {
	var h masterHistory
	raw, err := g.store.Get(EntryMasterKeys)
	if errors.Is(err, sealed.ErrNotFound) {
		return h, nil
	}
	if err != nil {
		return h, fmt.Errorf("enclave: unseal master keys: %w", err)
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		return h, fmt.Errorf("enclave: sealed master keys unreadable: %w", err)
	}
	return h, nil
}

func (g *Gatekeeper) saveMasters(h masterHistory) error {
	raw, err := json.Marshal(h)
	if err != nil {
		return err
	}
	return g.store.Put(EntryMasterKeys, raw)
}

// masterPairs derives the master key's signing and ECDH pairs.
func (g *Gatekeeper) masterPairs(secret []byte) (keyderive.KeyPair, error) {
	s, err := keyderive.NewSecret(secret)
	if err != nil {
		return keyderive.KeyPair{}, err
	}
	return keyderive.Pairs(s, g.core.DeriveLabel)
}

func (g *Gatekeeper) me() [32]byte { return [32]byte(g.core.ID()) }

func (g *Gatekeeper) hasPending(topic string) bool { return g.out.HasPending(topic, nil) }

// record reads a gatekeeper's chain record.
func (g *Gatekeeper) record(ctx context.Context, src chainsync.Source, id [32]byte) (keys.Gatekeeper, error) {
	var gk keys.Gatekeeper
	raw, _, err := g.core.State(ctx, src, keys.GatekeeperKey(id))
	if err != nil || raw == nil {
		return gk, fmt.Errorf("enclave: gatekeeper %x: %v", id, err)
	}
	return gk, json.Unmarshal(raw, &gk)
}

// postSealed posts a message carrying a sealed envelope on topic: the
// clear parts that route it (recipient, epoch...) in order, then env with
// its length.
func (g *Gatekeeper) postSealed(ctx context.Context, src chainsync.Source, topic string, env []byte, clear ...[]byte) error {
	n := len(env) + binary.MaxVarintLen64
	for _, p := range clear {
		n += len(p)
	}
	w := wire.NewWriter(n)
	for _, p := range clear {
		w.Raw(p)
	}
	w.VarBytes(env)
	_, err := g.out.Post(ctx, src, topic, w.Bytes())
	return err
}
