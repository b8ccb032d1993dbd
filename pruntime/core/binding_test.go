package core_test

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cmted25519 "github.com/cometbft/cometbft/crypto/ed25519"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/phalanetwork/phala/pruntime/core"
	"github.com/phalanetwork/phala/pruntime/sealed"
	"github.com/phalanetwork/phala/tee/sim"
)

// genesisDoc is a one-validator genesis with a fresh validator key: two
// calls give two chains with the same chain id and app_state.
func genesisDoc(t *testing.T) *cmttypes.GenesisDoc {
	t.Helper()
	pk := cmted25519.GenPrivKey().PubKey()
	doc := &cmttypes.GenesisDoc{ChainID: "phala-devnet", GenesisTime: time.Unix(1, 0).UTC(), InitialHeight: 1,
		AppState:   json.RawMessage(`{"registry":{"allow_sim_tee":true}}`),
		Validators: []cmttypes.GenesisValidator{{PubKey: pk, Power: 10}}}
	if err := doc.ValidateAndComplete(); err != nil {
		t.Fatal(err)
	}
	return doc
}

// simFor is the sim TEE of one host (one sealing seed) launched for doc.
func simFor(t *testing.T, seed byte, doc *cmttypes.GenesisDoc) *sim.Provider {
	t.Helper()
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	s := make([]byte, sim.SealingSeedSize)
	s[0] = seed
	p, err := sim.New(sim.Config{AttestationKey: key, SealingSeed: s, Code: core.SimCode, Genesis: core.GenesisHash(doc)})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestOpenBindsToGenesis: an enclave restarted on another genesis (same
// chain id and app_state, other validators), with its TEE launched for
// that genesis, cannot open its sealed store, and the refusal names the
// chain the store belongs to; the real genesis still opens it, with the
// same identity. An enclave whose TEE attests another genesis than the
// one it is given does not start.
func TestOpenBindsToGenesis(t *testing.T) {
	real, evil := genesisDoc(t), genesisDoc(t)
	dir := filepath.Join(t.TempDir(), "sealed")
	c, err := core.Open(simFor(t, 1, real), dir, real)
	if err != nil {
		t.Fatal(err)
	}
	id := c.ID()

	_, err = core.Open(simFor(t, 1, evil), dir, evil)
	if !errors.Is(err, core.ErrWrongGenesis) || !strings.Contains(err.Error(), "sealed store belongs to another chain (genesis") {
		t.Fatalf("open on the attacker's genesis: %v", err)
	}
	// Even with the marker out of the way, the attacker's key opens nothing.
	p := simFor(t, 1, evil)
	sk, _ := p.SealingKey()
	old, _ := sealed.Open(dir, sk, p.DeriveLabel(core.SealedStoreLabel))
	if _, err := old.Get(core.EntryIdentity); err == nil {
		t.Fatal("the identity opens under the sealing key without the genesis")
	}

	_, err = core.Open(simFor(t, 1, real), dir, evil)
	if !errors.Is(err, core.ErrWrongGenesis) || !strings.Contains(err.Error(), "attests genesis") {
		t.Fatalf("TEE launched for the real genesis, given another: %v", err)
	}

	again, err := core.Open(simFor(t, 1, real), dir, real)
	if err != nil || again.ID() != id {
		t.Fatalf("reopen on the real genesis: %v (id %s, was %s)", err, again.ID(), id)
	}
}

// TestOpenRefusesUnboundStore: a store sealed by an older version (no
// chain marker) is refused with an error that says so, and is left as it
// was.
func TestOpenRefusesUnboundStore(t *testing.T) {
	doc := genesisDoc(t)
	p := simFor(t, 1, doc)
	dir := filepath.Join(t.TempDir(), "sealed")
	sk, _ := p.SealingKey()
	old, err := sealed.Open(dir, sk, p.DeriveLabel(core.SealedStoreLabel))
	if err != nil {
		t.Fatal(err)
	}
	if err := old.Put(core.EntryIdentity, []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	before, _ := filepath.Glob(filepath.Join(dir, "*"))
	_, err = core.Open(p, dir, doc)
	if !errors.Is(err, core.ErrUnboundStore) || !strings.Contains(err.Error(), "older version") {
		t.Fatalf("open an unbound store: %v", err)
	}
	if after, _ := filepath.Glob(filepath.Join(dir, "*")); len(after) != len(before) {
		t.Fatalf("the refused open left %d files, there were %d", len(after), len(before))
	}
}
