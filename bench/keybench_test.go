package bench

import (
	"context"
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/devnet/devnettest"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/pha"
)

// keyBench is the setting of the key benchmarks (rotation, dispatch): a
// one-validator devnet with 100 ms blocks and quiet logs, and a client on it.
type keyBench struct {
	b *testing.B
	d *devnet.Devnet
	c *client.Client
}

// startKeyBench starts the devnet o describes (its home, block time and
// logger are the benchmarks' own) and stops it when the benchmark ends.
func startKeyBench(b *testing.B, o devnet.Options) *keyBench {
	o.Home, o.BlockTime, o.Logger = "", 100*time.Millisecond, nil
	d, c := devnettest.Start(b, o)
	return &keyBench{b: b, d: d, c: c}
}

// keyState is the chain's key state; a failed query is the zero state,
// which the polls below wait past.
func (k *keyBench) keyState(ctx context.Context) keys.State {
	var st keys.State
	k.c.Query(ctx, "/keys/state", &st)
	return st
}

// poll waits up to limit for cond, checking every 20 ms, and fails the
// benchmark if it never holds.
func (k *keyBench) poll(what string, limit time.Duration, cond func() bool) {
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			k.b.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// instantiateMany has alice instantiate n contracts of the code hash in
// cluster, tx.MaxMsgs to a transaction, the i-th with args(i); it returns
// the height of the last transaction.
func (k *keyBench) instantiateMany(ctx context.Context, alice ed25519.PrivateKey, hash, cluster [32]byte, n int, args func(i int) []byte) int64 {
	var last int64
	for start := 0; start < n; start += tx.MaxMsgs {
		var msgs []tx.Msg
		for i := start; i < min(start+tx.MaxMsgs, n); i++ {
			msgs = append(msgs, &contracts.MsgInstantiate{Code: hash, Cluster: cluster, Args: args(i)})
		}
		res, err := k.c.Send(ctx, alice, pha.Amount{}, "", msgs...)
		if err != nil {
			k.b.Fatal(err)
		}
		last = res.Height
	}
	return last
}

// contractsReady is a poll condition: the n contracts of cluster all have
// their keys for epoch and their constructor's result. When it holds it
// leaves the contracts in *list, if list is not nil.
func (k *keyBench) contractsReady(ctx context.Context, cluster [32]byte, n int, epoch uint64, list *[]contracts.Contract) func() bool {
	return func() bool {
		var got []contracts.Contract
		if _, err := k.c.Query(ctx, contracts.ClusterContractsPath(cluster), &got); err != nil || len(got) != n {
			return false
		}
		for _, ct := range got {
			if ct.KeyEpoch != epoch || len(ct.SignKey) == 0 || ct.Results < 1 {
				return false
			}
		}
		if list != nil {
			*list = got
		}
		return true
	}
}
