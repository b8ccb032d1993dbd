// Package devnettest starts in-process devnets for tests and does, through
// the Go SDK, the set-up steps many tests share: a cluster of the devnet's
// workers, an agent deployed from JavaScript source.
package devnettest

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/pruntime"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/sealed"
	"github.com/phalanetwork/phala/sandbox"
	"github.com/phalanetwork/phala/worker"
)

// Start runs a devnet in this process under opts.Home, or else a fresh
// temporary home, with its logs dropped unless opts.Logger is set, and
// stops it when the test ends; it returns the devnet and a client of its
// node.
func Start(t testing.TB, opts devnet.Options) (*devnet.Devnet, *client.Client) {
	t.Helper()
	if opts.Home == "" {
		opts.Home = filepath.Join(t.TempDir(), "devnet")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	// Not t.Context(): it ends before the cleanups run, and the devnet
	// must run until its own Stop.
	d, err := devnet.Start(context.Background(), opts)
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

// Key is the private key of the devnet keyring's account name.
func Key(t testing.TB, d *devnet.Devnet, name string) ed25519.PrivateKey {
	t.Helper()
	key, err := d.Keyring.PrivKey(name)
	if err != nil {
		t.Fatalf("the devnet keyring has no %s: %v", name, err)
	}
	return key
}

// NewCluster waits for every worker of d to register, then has alice
// create one cluster and add members to it; it returns the cluster's id.
func NewCluster(t testing.TB, d *devnet.Devnet, c *client.Client, members []*worker.Worker) [32]byte {
	t.Helper()
	ctx := context.Background()
	alice := Key(t, d, "alice")
	for _, w := range d.Workers {
		<-w.Registered()
	}
	if _, err := c.Send(ctx, alice, pha.Amount{}, "", &clusters.MsgCreate{}); err != nil {
		t.Fatal(err)
	}
	list, err := c.Clusters(ctx)
	if err != nil || len(list) != 1 {
		t.Fatalf("clusters: %v %+v", err, list)
	}
	id := [32]byte(list[0].ID)
	for _, w := range members {
		if _, err := c.Send(ctx, alice, pha.Amount{}, "", &clusters.MsgMember{Cluster: id, Worker: w.ID()}); err != nil {
			t.Fatal(err)
		}
	}
	return id
}

// Upload bundles source, a script named name (its extension says whether
// it is JavaScript or TypeScript), and uploads it as key; it returns the
// code's hash.
func Upload(t testing.TB, c *client.Client, key ed25519.PrivateKey, name, source string) [32]byte {
	t.Helper()
	code, err := sandbox.Bundle(map[string]string{name: source}, name)
	if err != nil {
		t.Fatal(err)
	}
	hash, _, err := c.UploadCode(context.Background(), key, code)
	if err != nil {
		t.Fatal(err)
	}
	return hash
}

// DeployAgent uploads the JavaScript source as owner and deploys it as a
// public agent in cluster at price; it returns the agent's id.
func DeployAgent(t testing.TB, c *client.Client, owner ed25519.PrivateKey, source string, cluster [32]byte, price pha.Amount) [32]byte {
	t.Helper()
	hash := Upload(t, c, owner, "a.js", source)
	agent, _, err := c.DeployAgent(context.Background(), owner, hash, cluster, agents.Policy{Kind: agents.PolicyPublic}, price)
	if err != nil {
		t.Fatal(err)
	}
	return agent
}

// WaitHeight polls src every 20 ms until it reports height h, for at most
// limit (no blind sleeps); its error says the height it last saw.
func WaitHeight(ctx context.Context, src chainsync.Source, h int64, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		top, err := src.LatestHeight(ctx)
		if err == nil && top >= h {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("node not at height %d (at %d, %v): %w", h, top, err, ctx.Err())
		case <-tick.C:
		}
	}
}

// Eventually polls cond every 50 ms until it holds, for at most limit,
// and fails the test naming what it waited for and cond's last error.
func Eventually(t testing.TB, what string, limit time.Duration, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(limit)
	var last error
	for time.Now().Before(deadline) {
		ok, err := cond()
		if ok {
			return
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s (last error: %v)", what, last)
}

// SealedStore opens the sealed store of the sim-TEE worker at workerHome,
// as an auditor holding the sim seed could.
func SealedStore(t testing.TB, simKey ed25519.PrivateKey, genesis [32]byte, workerHome string) *sealed.Store {
	t.Helper()
	p, err := worker.NewSimProvider(simKey, workerHome, genesis)
	if err != nil {
		t.Fatal(err)
	}
	st, err := pruntime.OpenSealedStore(p, filepath.Join(workerHome, "sealed"), genesis)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// OpenEnclave opens an enclave over workerHome with the sim TEE under
// simKey, as a worker's host half does, for the chain of genesis gen.
func OpenEnclave(t testing.TB, simKey ed25519.PrivateKey, gen *cmttypes.GenesisDoc, workerHome string) *pruntime.Enclave {
	t.Helper()
	p, err := worker.NewSimProvider(simKey, workerHome, pruntime.GenesisHash(gen))
	if err != nil {
		t.Fatal(err)
	}
	enc, err := pruntime.Open(p, filepath.Join(workerHome, "sealed"), gen, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	return enc
}
