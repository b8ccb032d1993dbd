package bench

import (
	"context"
	"encoding/hex"
	"testing"
	"time"

	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/pha"
)

// rotationContracts is how many contracts BenchmarkRotationWithContracts
// instantiates.
const rotationContracts = 1000

// BenchmarkRotationWithContracts measures a master-key rotation with three
// sim-TEE gatekeepers while a cluster runs 1,000 contracts: blocks from the
// block that starts the rotation to the generation switch (goal: at most
// 5, then the two-block resume), and then blocks until the cluster's new
// epoch key is dispatched and every contract's keys for it are published,
// so commands flow again. One-validator devnet, 100 ms blocks, one cluster
// member running every contract.
func BenchmarkRotationWithContracts(b *testing.B) {
	k := startKeyBench(b, devnet.Options{Workers: 4, Gatekeepers: 3, Cluster: true})
	ctx, c, poll := context.Background(), k.c, k.poll
	alice, _ := k.d.Keyring.PrivKey("alice")
	auth, _ := k.d.Keyring.PrivKey(devnet.AuthorityAccount)
	keyState := func() keys.State { return k.keyState(ctx) }
	var cl clusters.Cluster
	poll("the devnet cluster's key", 60*time.Second, func() bool {
		var list []clusters.Cluster
		c.Query(ctx, "/clusters/list", &list)
		if len(list) == 1 {
			cl = list[0]
		}
		st := keyState()
		return len(list) == 1 && len(cl.Holders) == 1 && len(st.CommittedAhead) == 3
	})
	code := []byte(`export function init(ctx) { ctx.state.set("n", 0) } export function handle(ctx) { const n = ctx.state.get("n") + 1; ctx.state.set("n", n); return n }`)
	hash, _, err := c.UploadCode(ctx, alice, code)
	if err != nil {
		b.Fatal(err)
	}
	created := k.instantiateMany(ctx, alice, hash, [32]byte(cl.ID), rotationContracts, func(int) []byte { return []byte("null") })
	clusterID := hex.EncodeToString(cl.ID)
	ready := func(epoch uint64) func() bool {
		return k.contractsReady(ctx, [32]byte(cl.ID), rotationContracts, epoch, nil)
	}
	poll("keys and constructors of every contract", 300*time.Second, ready(cl.Epoch))
	st, _ := c.RPC.Status(ctx)
	b.Logf("%d contracts instantiated, keyed and constructed in %d blocks", rotationContracts, st.SyncInfo.LatestBlockHeight-created)

	var switchBlocks, rekeyBlocks float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cur := keyState().Generation.Number
		var before clusters.Cluster
		c.Query(ctx, "/clusters/cluster/"+clusterID, &before)
		res, err := c.Send(ctx, auth, pha.Amount{}, "", &keys.MsgRotate{})
		if err != nil {
			b.Fatal(err)
		}
		var ks keys.State
		poll("the generation switch", 60*time.Second, func() bool {
			ks = keyState()
			return ks.Generation != nil && ks.Generation.Number == cur+1
		})
		switchBlocks += float64(ks.Generation.Height - res.Height)
		poll("every contract's keys for the new epoch", 300*time.Second, ready(before.Epoch+1))
		st, _ := c.RPC.Status(ctx)
		rekeyBlocks += float64(st.SyncInfo.LatestBlockHeight - ks.Generation.Height)
		b.StopTimer()
		poll("commitments for the next round", 60*time.Second, func() bool {
			st := keyState()
			return st.Running == nil && len(st.CommittedAhead) == 3
		})
		b.StartTimer()
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(switchBlocks/n, "blocks-to-switch")
	b.ReportMetric(rekeyBlocks/n, "blocks-switch-to-contract-keys")
	b.ReportMetric(5/(switchBlocks/n), "x-goal(5-blocks)")
	b.Logf("rotation with 3 gatekeepers and %d contracts: switch after %.1f blocks (goal <= 5, then %d to resume); all contract keys for the new epoch %.1f blocks after the switch",
		rotationContracts, switchBlocks/n, keys.ResumeDelay, rekeyBlocks/n)
}
