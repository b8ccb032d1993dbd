package core

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"path/filepath"

	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/pruntime/sealed"
	"github.com/phalanetwork/phala/tee"
)

// The enclave is bound to one chain: the genesis hash (which covers the
// validator set) is what its TEE attests as its configuration, and its
// sealed store is sealed under a key derived from the sealing key and the
// genesis hash. Given another genesis, the enclave can neither open the
// store nor register with an attestation of the chain it was bound to.
var (
	// ErrWrongGenesis: the enclave was given a genesis other than the one
	// its TEE attests or its sealed store belongs to.
	ErrWrongGenesis = errors.New("wrong genesis")
	// ErrUnboundStore: the directory holds sealed files but no chain
	// marker: an older format, or a store sealed by another TEE.
	ErrUnboundStore = errors.New("sealed store is not bound to a chain")
)

const (
	// storeKeyLabel is the HKDF info of the store key, derived from the
	// provider's sealing key with the genesis hash as salt.
	storeKeyLabel = "phala/pruntime/store-key/v2"
	// bindingLabel (through DeriveLabel) derives the keys of the marker
	// store: sealed under the provider's key alone, it records which
	// chain the store belongs to, so a wrong genesis is named as such.
	bindingLabel = "phala/pruntime/chain-binding"
	// entryChain is the marker's one entry: the genesis hash.
	entryChain = "chain"
)

// GenesisHash is the genesis hash of a genesis document, as the app
// records it in InitChain.
func GenesisHash(doc *cmttypes.GenesisDoc) [32]byte {
	return module.GenesisHash(module.GenesisOfDoc(doc))
}

// checkAttestedGenesis refuses to start an enclave whose TEE attests
// another configuration than genesis: its attestation would name the chain
// it was launched for, not the one it is given.
func checkAttestedGenesis(p tee.Provider, genesis [32]byte) error {
	var rd [tee.ReportDataSize]byte
	copy(rd[:], "phala/pruntime/self-check")
	ev, err := p.Quote(rd)
	if err != nil {
		return fmt.Errorf("enclave: read attested configuration: %w", err)
	}
	c, err := tee.EvidenceClaims(p.Kind(), ev)
	if err != nil {
		return fmt.Errorf("enclave: read attested configuration: %w", err)
	}
	if c.Config != genesis {
		return fmt.Errorf("enclave: %w: the %s TEE attests genesis %x, the enclave was given genesis %x", ErrWrongGenesis, p.Kind(), c.Config, genesis)
	}
	return nil
}

// OpenStore opens the sealed store in dir for the chain whose genesis
// hash is genesis: under a key derived from p's sealing key and genesis.
// A store that belongs to another chain, or predates the binding, is
// refused with an error that says so; an empty one is bound to genesis.
func OpenStore(p tee.Provider, dir string, genesis [32]byte) (*sealed.Store, error) {
	sk, err := p.SealingKey()
	if err != nil {
		return nil, fmt.Errorf("enclave: sealing key: %w", err)
	}
	return openBound(p, sk, dir, genesis)
}

// openBound is OpenStore with the sealing key sk given.
func openBound(p tee.Provider, sk []byte, dir string, genesis [32]byte) (*sealed.Store, error) {
	marker, err := sealed.Open(dir, sk, p.DeriveLabel(bindingLabel))
	if err != nil {
		return nil, fmt.Errorf("enclave: %w", err)
	}
	if err := checkBinding(marker, dir, genesis); err != nil {
		return nil, err
	}
	key, err := hkdf.Key(sha256.New, sk, genesis[:], storeKeyLabel, tee.SealingKeySize)
	if err != nil {
		return nil, fmt.Errorf("enclave: derive store key: %w", err)
	}
	store, err := sealed.Open(dir, key, p.DeriveLabel(SealedStoreLabel))
	if err != nil {
		return nil, fmt.Errorf("enclave: %w", err)
	}
	return store, nil
}

// checkBinding compares the store's chain marker with genesis, writing it
// into a store that has no sealed file yet.
func checkBinding(marker *sealed.Store, dir string, genesis [32]byte) error {
	raw, err := marker.Get(entryChain)
	switch {
	case err == nil && bytes.Equal(raw, genesis[:]):
		return nil
	case err == nil:
		return fmt.Errorf("enclave: %w: sealed store belongs to another chain (genesis %x); this enclave was given genesis %x", ErrWrongGenesis, raw, genesis)
	case errors.Is(err, sealed.ErrNotFound):
		files, _ := filepath.Glob(filepath.Join(dir, "*"+sealed.Suffix))
		if len(files) > 0 {
			return fmt.Errorf("enclave: %w: %s holds %d sealed files but no chain marker: sealed by an older version (the format changed when stores were bound to their chain) or by another TEE; start this worker from a new home", ErrUnboundStore, dir, len(files))
		}
		if err := marker.Put(entryChain, genesis[:]); err != nil {
			return fmt.Errorf("enclave: bind sealed store to genesis %x: %w", genesis, err)
		}
		return nil
	default:
		return fmt.Errorf("enclave: read the sealed store's chain marker: %w", err)
	}
}
