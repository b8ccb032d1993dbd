package worker_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/pruntime"
	"github.com/phalanetwork/phala/worker"
)

// TestClusterKeyDispatchAndRemoval: the gatekeeper derives a cluster's key
// and dispatches it to each member; removing a member starts a new epoch
// that the removed worker never receives, while the others keep both
// epochs.
func TestClusterKeyDispatchAndRemoval(t *testing.T) {
	home := filepath.Join(t.TempDir(), "devnet")
	d, err := devnet.Start(context.Background(), devnet.Options{Home: home, BlockTime: 100 * time.Millisecond, Workers: 3, Gatekeepers: 1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Stop()
	ctx := context.Background()
	c, _ := client.New(d.RPCURL)
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
	for _, w := range d.Workers[1:] {
		if _, err := c.Send(ctx, alice, pha.Amount{}, "", &clusters.MsgMember{Cluster: id, Worker: w.ID()}); err != nil {
			t.Fatal(err)
		}
	}
	cluster := func() clusters.Cluster {
		var cl clusters.Cluster
		c.Query(ctx, "/clusters/cluster/"+hex.EncodeToString(id[:]), &cl)
		return cl
	}
	eventually(t, "both members to hold epoch 0", func() (bool, error) {
		cl := cluster()
		return len(cl.SignKey) == 32 && len(cl.Holders) == 2, nil
	})
	removed := d.Workers[2]
	if _, err := c.Send(ctx, alice, pha.Amount{}, "", &clusters.MsgMember{Remove: true, Cluster: id, Worker: removed.ID()}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the remaining member to hold epoch 1", func() (bool, error) {
		cl := cluster()
		return cl.Epoch == 1 && len(cl.SignKey) == 32 && len(cl.Holders) == 1, nil
	})
	d.Stop()

	held := func(name string) map[uint64]bool {
		simKey, _ := worker.LoadOrCreateSimAttestationKey(filepath.Join(home, "config", "sim_attestation_key"))
		raw := unsealEntry(t, simKey, filepath.Join(home, "workers", name), pruntime.EntryClusterKeys)
		var recs []struct {
			Epoch uint64 `json:"epoch"`
		}
		json.Unmarshal(raw, &recs)
		out := map[uint64]bool{}
		for _, r := range recs {
			out[r.Epoch] = true
		}
		return out
	}
	if got := held("worker1"); !got[0] || !got[1] {
		t.Fatalf("remaining member holds epochs %v, want 0 and 1", got)
	}
	if got := held("worker2"); !got[0] || got[1] {
		t.Fatalf("removed member holds epochs %v, want 0 only", got)
	}
}
