package worker_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

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
	d, c := startDevnet(t, devnet.Options{Workers: 3, Gatekeepers: 1}, nil)
	home := d.Home
	ctx := context.Background()
	alice, _ := d.Keyring.PrivKey("alice")
	id := newCluster(t, d, c)
	cluster := func() clusters.Cluster { return clusterRecord(c, id) }
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
		raw := unsealEntry(t, simKey, devnetGenesis(t, home), filepath.Join(home, "workers", name), pruntime.EntryClusterKeys)
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
