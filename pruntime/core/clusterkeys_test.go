package core

import (
	"testing"

	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/pruntime/sealed"
)

// TestClusterKeysUnsealedOnce: every agent call asks whether the worker
// holds its cluster's key; the answer comes from memory, not from
// unsealing the store (open, read, decrypt, decode) each time, and it
// follows the keys sealed since, which a new core on the same store reads
// back.
func TestClusterKeysUnsealedOnce(t *testing.T) {
	dir := t.TempDir()
	st, err := sealed.Open(dir, make([]byte, 32), "test")
	if err != nil {
		t.Fatal(err)
	}
	c := &Core{store: st}
	cluster := [32]byte{1}
	rec := func(epoch uint64) ClusterKeyRecord {
		return ClusterKeyRecord{Cluster: keys.Hex(cluster[:]), Epoch: epoch, Secret: make([]byte, 32)}
	}
	if held, err := c.sealClusterKey(rec(0)); err != nil || held {
		t.Fatalf("seal epoch 0: held %v, %v", held, err)
	}
	if ok, err := c.HoldsClusterKey(cluster, 0); err != nil || !ok {
		t.Fatalf("epoch 0 just sealed: holds %v, %v", ok, err)
	}
	if ok, _ := c.HoldsClusterKey(cluster, 1); ok {
		t.Fatal("holds epoch 1, never sealed")
	}
	if a := testing.AllocsPerRun(100, func() { c.HoldsClusterKey(cluster, 0) }); a > 2 {
		t.Fatalf("HoldsClusterKey allocates %.0f times per check: it unseals the store each time", a)
	}
	if held, err := c.sealClusterKey(rec(1)); err != nil || held {
		t.Fatalf("seal epoch 1: held %v, %v", held, err)
	}
	if held, err := c.sealClusterKey(rec(0)); err != nil || !held {
		t.Fatalf("seal epoch 0 again: held %v, %v", held, err)
	}
	for _, cc := range []*Core{c, {store: st}} {
		for epoch := range uint64(2) {
			if ok, err := cc.HoldsClusterKey(cluster, epoch); err != nil || !ok {
				t.Fatalf("epoch %d after the second seal: holds %v, %v", epoch, ok, err)
			}
		}
		if ks, err := cc.ClusterKeys(); err != nil || len(ks) != 2 {
			t.Fatalf("cluster keys: %v, %v", ks, err)
		}
	}
}
