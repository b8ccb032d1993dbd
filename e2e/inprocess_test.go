package e2e

import (
	"crypto/ed25519"
	"log/slog"
	"path/filepath"
	"testing"

	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/worker"
)

// startInProcessDevnet runs a devnet in this process, under opts.Home or
// else a fresh temporary home, with its logs dropped unless opts.Logger
// is set; it stops the devnet when the test ends.
func startInProcessDevnet(t *testing.T, opts devnet.Options) (*devnet.Devnet, *client.Client) {
	t.Helper()
	if opts.Home == "" {
		opts.Home = filepath.Join(t.TempDir(), "devnet")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	d, err := devnet.Start(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Stop() })
	c, err := client.New(d.RPCURL)
	if err != nil {
		t.Fatal(err)
	}
	return d, c
}

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
