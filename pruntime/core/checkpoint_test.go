package core_test

import (
	"context"
	"testing"

	"github.com/phalanetwork/phala/pruntime/core"
)

// upTo is a node whose latest block is latest, of the blocks it holds.
type upTo struct {
	blockSource
	latest int64
}

func (s *upTo) LatestHeight(context.Context) (int64, error) { return s.latest, nil }

// TestCheckpointSealedEveryIntervalAndOnRequest: a light client that
// follows the chain a block at a time seals its checkpoint on its first
// sync and then once every core.CheckpointEvery blocks, not on every
// block (each seal is an fsync and a rename); a catch-up of that many
// blocks seals at its end, and SealCheckpoint (a worker's graceful stop)
// seals the latest header, so a restart resumes exactly there. A restart
// reads what was sealed.
func TestCheckpointSealedEveryIntervalAndOnRequest(t *testing.T) {
	ctx := context.Background()
	c := newCPChain(t, "phala-devnet")
	every := int64(core.CheckpointEvery)
	c.blocks = c.extend(t, "", 3*every+4)
	p := simTEE(t, 1, core.GenesisHash(c.doc), devKey, core.SimCode)
	dir := t.TempDir()
	en, err := core.Open(p, dir, c.doc)
	if err != nil {
		t.Fatal(err)
	}
	src := &upTo{blockSource: blockSource{blocks: c.blocks, from: 1}}
	sealed := func() int64 {
		t.Helper()
		again, err := core.Open(p, dir, c.doc)
		if err != nil {
			t.Fatal(err)
		}
		return again.SyncedHeight()
	}
	syncTo := func(h int64) {
		t.Helper()
		src.latest = h
		if got, err := en.Sync(ctx, src, nil); err != nil || got != h {
			t.Fatalf("sync to %d: height %d, %v", h, got, err)
		}
	}
	syncTo(2)
	if h := sealed(); h != 2 {
		t.Fatalf("after the first sync the sealed checkpoint is at %d, want 2", h)
	}
	for h := int64(3); h < 2+every; h++ {
		syncTo(h)
		if s := sealed(); s != 2 {
			t.Fatalf("at height %d (fewer than %d blocks past the checkpoint) the sealed checkpoint moved to %d, want 2", h, every, s)
		}
	}
	syncTo(2 + every)
	if h := sealed(); h != 2+every {
		t.Fatalf("%d blocks past the checkpoint it is sealed at %d, want %d", every, h, 2+every)
	}
	syncTo(3 + every)
	if err := en.SealCheckpoint(); err != nil {
		t.Fatal(err)
	}
	if h := sealed(); h != 3+every {
		t.Fatalf("after SealCheckpoint the sealed checkpoint is at %d, want the latest header %d", h, 3+every)
	}
	syncTo(3*every + 4)
	if h := sealed(); h != 3*every+4 {
		t.Fatalf("after a catch-up of %d blocks the sealed checkpoint is at %d, want %d", 2*every+1, h, 3*every+4)
	}
}
