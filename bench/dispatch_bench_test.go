package bench

import (
	"context"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"path/filepath"
	"testing"
	"time"

	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/pruntime"
	"github.com/phalanetwork/phala/tee"
	"github.com/phalanetwork/phala/tee/sim"
	"github.com/phalanetwork/phala/worker"
)

// dispatchMembers is the cluster size of BenchmarkClusterKeyDispatch.
const dispatchMembers = 100

// BenchmarkClusterKeyDispatch measures how long a gatekeeper takes to
// dispatch a cluster key to 100 members: from the block that adds the last
// member to the block by which the chain has published the cluster's keys
// and relayed an encrypted key to every member. The members are registered
// sim workers whose enclaves do not run (their confirmations are not part
// of the dispatch). One-validator devnet, 100 ms blocks, one gatekeeper.
func BenchmarkClusterKeyDispatch(b *testing.B) {
	k := startKeyBench(b, devnet.Options{Workers: 1, Gatekeepers: 1})
	ctx, c := context.Background(), k.c
	alice, _ := k.d.Keyring.PrivKey("alice")
	poll := func(what string, cond func() bool) { k.poll(what, 120*time.Second, cond) }
	poll("generation 0", func() bool { return k.keyState(ctx).Generation != nil })
	members := registerSimWorkers(b, ctx, c, k.d.Home, alice, dispatchMembers)

	var blocks, ms float64
	for i := 0; i < b.N; i++ {
		if _, err := c.Send(ctx, alice, pha.Amount{}, "", &clusters.MsgCreate{}); err != nil {
			b.Fatal(err)
		}
		var list []clusters.Cluster
		c.Query(ctx, "/clusters/list", &list)
		id := [32]byte(list[len(list)-1].ID)
		var added int64
		for start := 0; start < len(members); start += 50 {
			var msgs []tx.Msg
			for _, m := range members[start:min(start+50, len(members))] {
				msgs = append(msgs, &clusters.MsgMember{Cluster: id, Worker: m})
			}
			res, err := c.Send(ctx, alice, pha.Amount{}, "", msgs...)
			if err != nil {
				b.Fatal(err)
			}
			added = res.Height
		}
		t0 := time.Now()
		want := uint64(i + 2) // the registration notice, then one dispatch per cluster
		poll("dispatch to every member", func() bool {
			for _, m := range members {
				var seq mq.SequenceResponse
				if _, err := c.Query(ctx, "/mq/sequence/worker/"+hex.EncodeToString(m[:]), &seq); err != nil || seq.Egress < want {
					return false
				}
			}
			return true
		})
		ms += float64(time.Since(t0).Milliseconds())
		st, _ := c.RPC.Status(ctx)
		blocks += float64(st.SyncInfo.LatestBlockHeight - added)
	}
	b.ReportMetric(blocks/float64(b.N), "blocks")
	b.ReportMetric(ms/float64(b.N), "ms")
	b.Logf("cluster-key dispatch to %d members: %.1f blocks, %.0f ms (100 ms blocks)", dispatchMembers, blocks/float64(b.N), ms/float64(b.N))
}

// registerSimWorkers registers n sim workers operated by op, in batches,
// and returns their ids.
func registerSimWorkers(b *testing.B, ctx context.Context, c *client.Client, home string, op ed25519.PrivateKey, n int) [][32]byte {
	simKey, err := worker.LoadOrCreateSimAttestationKey(filepath.Join(home, "config", "sim_attestation_key"))
	if err != nil {
		b.Fatal(err)
	}
	p, err := sim.New(sim.Config{AttestationKey: simKey, SealingSeed: make([]byte, sim.SealingSeedSize), Code: pruntime.SimCode})
	if err != nil {
		b.Fatal(err)
	}
	gen, err := cmttypes.GenesisDocFromFile(filepath.Join(home, "config", "genesis.json"))
	if err != nil {
		b.Fatal(err)
	}
	var ids [][32]byte
	for start := 0; start < n; start += 32 {
		st, err := c.RPC.Status(ctx)
		if err != nil {
			b.Fatal(err)
		}
		h := st.SyncInfo.LatestBlockHeight - 1
		blk, err := c.RPC.Block(ctx, &h)
		if err != nil {
			b.Fatal(err)
		}
		var msgs []tx.Msg
		for i := start; i < min(start+32, n); i++ {
			_, idKey, _ := ed25519.GenerateKey(rand.Reader)
			ek, _ := ecdh.X25519().GenerateKey(rand.Reader)
			info := registry.WorkerInfo{
				Version: registry.WorkerInfoVersion, IdentityKey: idKey.Public().(ed25519.PublicKey), ECDHKey: ek.PublicKey().Bytes(),
				ChainID: gen.ChainID, GenesisHash: module.GenesisHash(module.GenesisOfDoc(gen)),
				Operator: address.FromPubKey(op.Public().(ed25519.PublicKey)), BenchmarkScore: 1,
				AttestedHeight: h, AttestedBlockHash: blk.BlockID.Hash,
			}
			att, err := tee.Attest(p, info.ReportData())
			if err != nil {
				b.Fatal(err)
			}
			msgs = append(msgs, &registry.MsgRegisterWorker{Info: info, Attestation: att})
			ids = append(ids, [32]byte(info.IdentityKey))
		}
		if _, err := c.Send(ctx, op, pha.Amount{}, "", msgs...); err != nil {
			b.Fatal(err)
		}
	}
	return ids
}
