package core

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/phalanetwork/phala/crypto/envelope"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/sealed"
	"github.com/phalanetwork/phala/tee"
)

// Enrollment is a core without a sealed store, for a TDX enclave, which
// has no hardware sealing key and must get one from the gatekeepers' KMS
// before it can seal or unseal (docs/keys.md, "KMS"). On first start it
// holds the fresh identity the worker registers with; on later starts its
// identity is unused and it only fetches the key.
type Enrollment struct {
	*Core
	rec IdentityRecord

	mu sync.Mutex
	// eph is the ephemeral key of the last request; it never leaves the
	// enclave.
	eph *ecdh.PrivateKey
}

// OpenEnrollment starts an enrollment core with a fresh identity.
func OpenEnrollment(p tee.Provider, genesis *cmttypes.GenesisDoc) (*Enrollment, error) {
	if err := checkAttestedGenesis(p, GenesisHash(genesis)); err != nil {
		return nil, err
	}
	rec, err := newIdentity()
	if err != nil {
		return nil, fmt.Errorf("enclave: identity: %w", err)
	}
	c, err := newCore(p, genesis, rec)
	if err != nil {
		return nil, err
	}
	return &Enrollment{Core: c, rec: rec}, nil
}

// KMSRequest makes a new ephemeral key and the attested request for the
// sealing key of worker (this enclave's identity on first start, the
// sealed one on later starts), binding this chain's genesis.
func (e *Enrollment) KMSRequest(worker registry.WorkerID) (*registry.MsgRequestSealingKey, error) {
	eph, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	msg := &registry.MsgRequestSealingKey{Worker: worker, Ephemeral: [32]byte(eph.PublicKey().Bytes())}
	att, err := tee.Attest(e.provider, registry.KMSReportData(e.genesisHash, worker, msg.Ephemeral[:]))
	if err != nil {
		return nil, fmt.Errorf("enclave: attest kms request: %w", err)
	}
	msg.Attestation = att
	e.mu.Lock()
	e.eph = eph
	e.mu.Unlock()
	return msg, nil
}

// ErrNoKMSAnswer means the gatekeepers have not answered the last request
// yet.
var ErrNoKMSAnswer = errors.New("enclave: no answer to the sealing key request yet")

// KMSKey reads the gatekeepers' answer to the last request through the
// light client and opens it: only the chain writes the answer, from a
// gatekeeper holding the master key, and only this enclave's ephemeral key
// opens it.
func (e *Enrollment) KMSKey(ctx context.Context, src chainsync.Source, worker registry.WorkerID) ([]byte, error) {
	e.mu.Lock()
	eph := e.eph
	e.mu.Unlock()
	if eph == nil {
		return nil, errors.New("enclave: no sealing key request made")
	}
	raw, _, err := e.State(ctx, src, registry.KMSReplyKey(worker))
	if err != nil {
		return nil, err
	}
	var rep registry.KMSReply
	if raw == nil || json.Unmarshal(raw, &rep) != nil || string(rep.Ephemeral) != string(eph.PublicKey().Bytes()) {
		return nil, ErrNoKMSAnswer
	}
	env, err := envelope.Decode(rep.Sealed)
	if err != nil {
		return nil, fmt.Errorf("enclave: kms answer: %w", err)
	}
	key, err := envelope.Open(eph, envelope.PurposeKMSSealingKey, env)
	if err != nil {
		return nil, fmt.Errorf("enclave: kms answer does not open: %w", err)
	}
	if len(key) != tee.SealingKeySize {
		return nil, fmt.Errorf("enclave: kms answer holds %d bytes, want %d", len(key), tee.SealingKeySize)
	}
	return key, nil
}

// SealIdentity seals this enrollment's identity in the store in dir under
// the sealing key, so the enclave opened next over dir has it.
func (e *Enrollment) SealIdentity(dir string, key []byte) error {
	store, err := openBound(e.provider, key, dir, e.genesisHash)
	if err != nil {
		return err
	}
	if _, err := store.Get(EntryIdentity); !errors.Is(err, sealed.ErrNotFound) {
		return fmt.Errorf("enclave: %s already holds an identity (%v)", dir, err)
	}
	return sealIdentity(store, e.rec)
}
