package app_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanetwork/phala/chain/app"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/pha"
)

// TestStateSync: a node restores another's state from its snapshot, through
// the ABCI state sync calls, reaches the same AppHash and height without
// replaying a block, and then finalizes the next blocks in step with it.
// A chunk that does not match the snapshot's metadata is refetched from
// another sender, and a snapshot that does not rebuild the verified
// AppHash is aborted with nothing left in the store.
func TestStateSync(t *testing.T) {
	ctx := context.Background()
	src := newApp(t)
	if err := src.SetSnapshotInterval(10); err != nil {
		t.Fatal(err)
	}
	var hashes = map[int64][]byte{}
	for h := int64(1); h <= 25; h++ {
		hashes[h] = finalize(t, src, h, transfer(alice, uint64(h-1), carol.Addr, pha.Whole(1))).AppHash
	}
	list, err := src.ListSnapshots(ctx, &abci.RequestListSnapshots{})
	if err != nil || len(list.Snapshots) != 1 || list.Snapshots[0].Height != 20 {
		t.Fatalf("snapshots: %+v %v", list, err)
	}
	snap := list.Snapshots[0]
	chunk := func(i uint32) []byte {
		res, err := src.LoadSnapshotChunk(ctx, &abci.RequestLoadSnapshotChunk{Height: snap.Height, Format: snap.Format, Chunk: i})
		if err != nil || len(res.Chunk) == 0 {
			t.Fatalf("chunk %d: %v", i, err)
		}
		return res.Chunk
	}
	fresh := func() *app.App {
		a, err := app.New(state.OpenMemory(), slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}

	// The verified AppHash at the snapshot's height is the header's of
	// height+1: the one the state after block 20 committed to.
	bad := fresh()
	offer(t, bad, snap, hashes[19])
	res := applyAll(t, bad, snap, chunk)
	if res != abci.ResponseApplySnapshotChunk_ABORT {
		t.Fatalf("a snapshot that does not rebuild the verified AppHash: %v", res)
	}
	if info, _ := bad.Info(ctx, &abci.RequestInfo{}); info.LastBlockHeight != 0 {
		t.Fatalf("a refused snapshot left state at height %d", info.LastBlockHeight)
	}

	dst := fresh()
	offer(t, dst, snap, hashes[20])
	tampered := append([]byte(nil), chunk(0)...)
	tampered[len(tampered)/2] ^= 1
	r, err := dst.ApplySnapshotChunk(ctx, &abci.RequestApplySnapshotChunk{Index: 0, Chunk: tampered, Sender: "evil"})
	if err != nil || r.Result != abci.ResponseApplySnapshotChunk_RETRY || len(r.RejectSenders) != 1 || r.RejectSenders[0] != "evil" {
		t.Fatalf("tampered chunk: %+v %v", r, err)
	}
	if res := applyAll(t, dst, snap, chunk); res != abci.ResponseApplySnapshotChunk_ACCEPT {
		t.Fatalf("restore: %v", res)
	}
	info, _ := dst.Info(ctx, &abci.RequestInfo{})
	if info.LastBlockHeight != 20 || string(info.LastBlockAppHash) != string(hashes[20]) {
		t.Fatalf("restored at %d %X, want 20 %X", info.LastBlockHeight, info.LastBlockAppHash, hashes[20])
	}
	// The source moved on to 25; the restored node replays 21.. and
	// agrees at every height, then both go on.
	for h := int64(21); h <= 30; h++ {
		tx := transfer(alice, uint64(h-1), carol.Addr, pha.Whole(1))
		got := finalize(t, dst, h, tx).AppHash
		want := hashes[h]
		if h > 25 {
			want = finalize(t, src, h, tx).AppHash
		}
		if string(got) != string(want) {
			t.Fatalf("height %d: restored node %X, source %X", h, got, want)
		}
	}
}

func offer(t *testing.T, a *app.App, snap *abci.Snapshot, appHash []byte) {
	t.Helper()
	res, err := a.OfferSnapshot(context.Background(), &abci.RequestOfferSnapshot{Snapshot: snap, AppHash: appHash})
	if err != nil || res.Result != abci.ResponseOfferSnapshot_ACCEPT {
		t.Fatalf("offer: %+v %v", res, err)
	}
}

// applyAll applies every chunk in order and returns the last result.
func applyAll(t *testing.T, a *app.App, snap *abci.Snapshot, chunk func(uint32) []byte) abci.ResponseApplySnapshotChunk_Result {
	t.Helper()
	var last abci.ResponseApplySnapshotChunk_Result
	for i := range snap.Chunks {
		res, err := a.ApplySnapshotChunk(context.Background(), &abci.RequestApplySnapshotChunk{Index: i, Chunk: chunk(i), Sender: "peer"})
		if err != nil {
			t.Fatal(err)
		}
		last = res.Result
	}
	return last
}

// TestRetainHeight: with --retain-blocks N each Commit asks CometBFT to
// keep only the last N blocks (RetainHeight = height-N+1), and nothing
// before N blocks exist; fewer than the minimum is refused.
func TestRetainHeight(t *testing.T) {
	a := newApp(t)
	if err := a.SetRetainBlocks(app.MinRetainBlocks - 1); err == nil {
		t.Fatalf("retained %d blocks, fewer than the minimum %d", app.MinRetainBlocks-1, app.MinRetainBlocks)
	}
	if err := a.SetRetainBlocks(app.MinRetainBlocks); err != nil {
		t.Fatal(err)
	}
	for h := int64(1); h <= app.MinRetainBlocks+5; h++ {
		if _, err := a.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Height: h, Hash: []byte("block hash of 32 bytes, a test..")}); err != nil {
			t.Fatal(err)
		}
		res, err := a.Commit(context.Background(), &abci.RequestCommit{})
		if err != nil {
			t.Fatal(err)
		}
		want := int64(0)
		if h > app.MinRetainBlocks {
			want = h - app.MinRetainBlocks + 1
		}
		if res.RetainHeight != want {
			t.Fatalf("height %d: retain height %d, want %d", h, res.RetainHeight, want)
		}
	}
}
