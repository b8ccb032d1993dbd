package e2e

import (
	"crypto/ed25519"
	"path/filepath"
	"testing"

	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/phalanetwork/phala/worker"
)

// homeGenesis reads the genesis document of the chain under home.
func homeGenesis(t *testing.T, home string) *cmttypes.GenesisDoc {
	t.Helper()
	gen, err := cmttypes.GenesisDocFromFile(filepath.Join(home, "config", "genesis.json"))
	if err != nil {
		t.Fatal(err)
	}
	return gen
}

// homeSimKey reads the sim TEE attestation key of the devnet under home.
func homeSimKey(t *testing.T, home string) ed25519.PrivateKey {
	t.Helper()
	key, err := worker.LoadOrCreateSimAttestationKey(filepath.Join(home, "config", "sim_attestation_key"))
	if err != nil {
		t.Fatal(err)
	}
	return key
}
