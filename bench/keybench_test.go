package bench

import (
	"context"
	"testing"
	"time"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/devnet/devnettest"
	"github.com/phalanetwork/phala/modules/keys"
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
