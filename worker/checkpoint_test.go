package worker_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/pruntime"
	"github.com/phalanetwork/phala/pruntime/chainsync"
)

// TestRestartResumesFromCheckpoint: on a devnet some hundreds of blocks
// high, an enclave's first start verifies every header from genesis; a
// restart over the same sealed store resumes at its sealed checkpoint
// (SyncedHeight before any sync is the height it had reached) and only
// verifies the blocks since. It logs both sync times.
func TestRestartResumesFromCheckpoint(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short: waits for a few hundred blocks")
	}
	ctx := context.Background()
	d, c := startDevnet(t, devnet.Options{RPCPort: 0, Workers: -1, BlockTime: 10 * time.Millisecond}, nil)
	const target = 300
	deadline := time.Now().Add(3 * time.Minute)
	for {
		st, err := c.RPC.Status(ctx)
		if err == nil && st.SyncInfo.LatestBlockHeight >= target {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %d blocks within 3 minutes (%v)", target, err)
		}
		time.Sleep(200 * time.Millisecond) // blocks come every 10 ms; no event to wait on from here
	}
	e := &env{d: d, client: c}
	home := filepath.Join(t.TempDir(), "enclave")
	gen, _, p := devnetTEE(t, d, home)
	src := chainsync.NewRPCSource(e.client.RPC)
	syncFrom := func() (from, to int64, took time.Duration) {
		t.Helper()
		en, err := pruntime.Open(p, filepath.Join(home, "sealed"), gen, time.Now)
		if err != nil {
			t.Fatal(err)
		}
		from = en.SyncedHeight()
		start := time.Now()
		to, err = en.Sync(ctx, src, nil)
		if err != nil {
			t.Fatal(err)
		}
		return from, to, time.Since(start)
	}
	from1, to1, first := syncFrom()
	from2, to2, restart := syncFrom()
	t.Logf("first start: verified %d..%d (%d headers) in %s; restart: resumed at %d, verified to %d (%d headers) in %s",
		from1+1, to1, to1-from1, first.Round(time.Millisecond), from2, to2, to2-from2, restart.Round(time.Millisecond))
	if from1 != gen.InitialHeight-1 && !(gen.InitialHeight == 0 && from1 == 0) {
		t.Fatalf("first start began at %d, want before the initial height", from1)
	}
	if to1 < target || from2 != to1 {
		t.Fatalf("restart resumed at %d, the first start had verified up to %d", from2, to1)
	}
}
