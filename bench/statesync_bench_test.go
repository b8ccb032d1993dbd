package bench

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/devnet/devnettest"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/worker"
)

// lateJoinContracts is how many contract states BenchmarkLateJoinerCatchUp
// transfers; PHALA_BENCH_LATE_CONTRACTS overrides it (for a quick run).
func lateJoinContracts(b *testing.B) int {
	if s := os.Getenv("PHALA_BENCH_LATE_CONTRACTS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			b.Fatalf("PHALA_BENCH_LATE_CONTRACTS=%q: want a positive number", s)
		}
		return n
	}
	return 1000
}

// BenchmarkLateJoinerCatchUp measures how long a worker added to a cluster
// after a master-key rotation takes to catch up with the cluster's
// contracts: each one's inputs were sealed under an epoch it never held,
// so it gets every state as a sealed snapshot from the member, checks it
// against the majority root on chain and then serves it. Timed: from the
// block that adds it to the moment it answers a query on every contract
// with the member's value. One-validator devnet, 100 ms blocks, one
// gatekeeper, one member.
func BenchmarkLateJoinerCatchUp(b *testing.B) {
	n := lateJoinContracts(b)
	k := startKeyBench(b, devnet.Options{Workers: 3, Gatekeepers: 1})
	ctx, c, poll := context.Background(), k.c, k.poll
	alice, _ := k.d.Keyring.PrivKey("alice")
	auth, _ := k.d.Keyring.PrivKey(devnet.AuthorityAccount)
	member, late := k.d.Workers[1], k.d.Workers[2]
	cl := devnettest.NewCluster(b, k.d, c, []*worker.Worker{member})
	clusterAt := func(epoch uint64, holders int) func() bool {
		return func() bool {
			var got clusters.Cluster
			c.Query(ctx, "/clusters/cluster/"+hex.EncodeToString(cl[:]), &got)
			return got.Epoch == epoch && len(got.Holders) == holders
		}
	}
	poll("the member to hold the cluster key", 60*time.Second, clusterAt(0, 1))
	code := []byte(`export function init(ctx, args) { ctx.state.set("n", args.n) } export function handle(ctx) { const n = ctx.state.get("n") + 1; ctx.state.set("n", n); return n } export function query(ctx) { return ctx.state.get("n") }`)
	hash, _, err := c.UploadCode(ctx, alice, code)
	if err != nil {
		b.Fatal(err)
	}
	k.instantiateMany(ctx, alice, hash, cl, n, func(i int) []byte { return fmt.Appendf(nil, `{"n":%d}`, i) })
	var ids []contracts.Contract
	ready := func(epoch uint64) func() bool { return k.contractsReady(ctx, cl, n, epoch, &ids) }
	poll("keys and constructors of every contract", 600*time.Second, ready(0))
	// A rotation: the constructors were sealed under epoch 0, which the
	// late joiner never holds, so it cannot replay them.
	if _, err := c.Send(ctx, auth, pha.Amount{}, "", &keys.MsgRotate{}); err != nil {
		b.Fatal(err)
	}
	poll("cluster epoch 1", 120*time.Second, clusterAt(1, 1))
	poll("every contract's keys for epoch 1", 600*time.Second, ready(1))
	// Every contract's root after its constructor must have its majority
	// (of one) before a snapshot can be checked against it.
	poll("every contract's root majority", 600*time.Second, func() bool {
		for _, ct := range ids {
			rep, err := c.ContractRoots(ctx, [32]byte(ct.ID), ct.Inputs-1)
			if err != nil || len(rep.Majority) == 0 {
				return false
			}
		}
		return true
	})
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		if _, err := c.Send(ctx, alice, pha.Amount{}, "", &clusters.MsgMember{Cluster: cl, Worker: late.ID()}); err != nil {
			b.Fatal(err)
		}
		for i, ct := range ids {
			want := strconv.Itoa(i)
			var got string
			poll(fmt.Sprintf("the late joiner to serve contract %d", i), 600*time.Second, func() bool {
				qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
				defer cancel()
				r, err := c.QueryContract(qctx, alice, [32]byte(ct.ID), []byte(`{}`), [32]byte(late.ID()))
				if err == nil && r.Error == "" {
					got = string(r.Value)
				}
				return got == want
			})
		}
		took := time.Since(start)
		b.ReportMetric(took.Seconds(), "s-to-catch-up")
		b.ReportMetric(took.Seconds()*1000/float64(n), "ms/contract")
		b.Logf("late joiner served all %d contract states %.1f s after it was added (%.1f ms per contract)", n, took.Seconds(), took.Seconds()*1000/float64(n))
	}
}
