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
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/sandbox"
	"github.com/phalanetwork/phala/worker"
)

// startDevnet runs a devnet with 100ms blocks, under opts.Home or else a
// fresh temporary home (d.Home), and stops it when the test ends; it sets
// opts' BlockTime and Logger. With logs set the devnet logs JSON at debug level into it, so
// a test can search the logs for secrets; otherwise the logs are dropped.
func startDevnet(t *testing.T, opts devnet.Options, logs *lockedBuffer) (*devnet.Devnet, *client.Client) {
	t.Helper()
	if opts.Home == "" {
		opts.Home = filepath.Join(t.TempDir(), "devnet")
	}
	if opts.BlockTime == 0 {
		opts.BlockTime = 100 * time.Millisecond
	}
	opts.Logger = slog.New(slog.DiscardHandler)
	if logs != nil {
		opts.Logger = debugLogger(logs)
	}
	d, err := devnet.Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Stop() })
	c, _ := client.New(d.RPCURL)
	return d, c
}

// debugLogger logs JSON at debug level into logs.
func debugLogger(logs *lockedBuffer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// newCluster waits for every worker of d to register, then has alice
// create one cluster and add workers 1.. to it; it returns the cluster's id.
func newCluster(t *testing.T, d *devnet.Devnet, c *client.Client) [32]byte {
	t.Helper()
	return newClusterOf(t, d, c, d.Workers[1:])
}

// newClusterOf waits for every worker of d to register, then has alice
// create one cluster and add members to it; it returns the cluster's id.
func newClusterOf(t *testing.T, d *devnet.Devnet, c *client.Client, members []*worker.Worker) [32]byte {
	t.Helper()
	ctx := context.Background()
	alice, _ := d.Keyring.PrivKey("alice")
	for _, w := range d.Workers {
		<-w.Registered()
	}
	if _, err := c.Send(ctx, alice, pha.Amount{}, "", &clusters.MsgCreate{}); err != nil {
		t.Fatal(err)
	}
	var list []clusters.Cluster
	if _, err := c.Query(ctx, "/clusters/list", &list); err != nil || len(list) != 1 {
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
	code, err := sandbox.Bundle(map[string]string{filepath.Base(file): string(src)}, filepath.Base(file))
	if err != nil {
		t.Fatal(err)
	}
	hash, _, err := c.UploadCode(context.Background(), key, code)
	if err != nil {
		t.Fatal(err)
	}
	return hash
}
