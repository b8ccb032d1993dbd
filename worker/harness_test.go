package worker_test

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/devnet/devnettest"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/keys"
)

// startDevnet runs a devnet with 100ms blocks, under opts.Home or else a
// fresh temporary home (d.Home), and stops it when the test ends; it sets
// opts' BlockTime and Logger. With logs set the devnet logs JSON at debug level into it, so
// a test can search the logs for secrets; otherwise the logs are dropped.
func startDevnet(t *testing.T, opts devnet.Options, logs *lockedBuffer) (*devnet.Devnet, *client.Client) {
	t.Helper()
	if opts.BlockTime == 0 {
		opts.BlockTime = 100 * time.Millisecond
	}
	opts.Logger = nil
	if logs != nil {
		opts.Logger = debugLogger(logs)
	}
	return devnettest.Start(t, opts)
}

// debugLogger logs JSON at debug level into logs.
func debugLogger(logs *lockedBuffer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// newCluster waits for every worker of d to register, then has alice
// create one cluster and add workers 1.. to it; it returns the cluster's id.
func newCluster(t *testing.T, d *devnet.Devnet, c *client.Client) [32]byte {
	t.Helper()
	return devnettest.NewCluster(t, d, c, d.Workers[1:])
}

// clusterRecord is the chain's record of cluster id, or the zero record
// while the query fails (callers poll it).
func clusterRecord(c *client.Client, id [32]byte) clusters.Cluster {
	var cl clusters.Cluster
	c.Query(context.Background(), "/clusters/cluster/"+hex.EncodeToString(id[:]), &cl)
	return cl
}

// keyState is the chain's master-key state, or the zero state while the
// query fails (callers poll it).
func keyState(c *client.Client) keys.State {
	var st keys.State
	c.Query(context.Background(), "/keys/state", &st)
	return st
}

// uploadExample bundles the script in file and uploads it as key; it
// returns the code's hash.
func uploadExample(t *testing.T, c *client.Client, key ed25519.PrivateKey, file string) [32]byte {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return devnettest.Upload(t, c, key, filepath.Base(file), string(src))
}
