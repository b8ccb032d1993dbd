package chainsync

import (
	"context"
	"errors"
	"testing"

	"github.com/cometbft/cometbft/types"
)

// TestCheckpointResume: a Sync resumed from a checkpoint at height 6
// verifies 7.. against it (across validator-set changes), never from
// genesis; a checkpoint below its verified height is refused as stale; a
// source behind the checkpoint is refused as stale; another chain's
// header, and a chain that does not extend the checkpoint, are refused.
func TestCheckpointResume(t *testing.T) {
	ctx := context.Background()
	c := newSynthChain(t, "synth", 1, 12, changingSets)
	src := &memSource{blocks: c.blocks}
	first, err := New(c.genesis)
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Advance(ctx, src, 6); err != nil {
		t.Fatal(err)
	}
	raw, err := EncodeCheckpoint(first.Latest())
	if err != nil {
		t.Fatal(err)
	}
	cp, err := DecodeCheckpoint(raw)
	if err != nil {
		t.Fatal(err)
	}

	// The restart: heights 1..6 are not even available from the source.
	resumed, _ := New(c.genesis)
	if err := resumed.Resume(cp); err != nil {
		t.Fatal(err)
	}
	late := &memSource{blocks: map[int64]*types.LightBlock{}}
	for h, lb := range c.blocks {
		if h > 6 {
			late.blocks[h] = lb
		}
	}
	if err := resumed.Advance(ctx, late, 12); err != nil || resumed.Height() != 12 {
		t.Fatalf("advance from the checkpoint: height %d, %v", resumed.Height(), err)
	}

	if err := resumed.Resume(cp); !errors.Is(err, ErrStaleCheckpoint) {
		t.Errorf("resume at 6 after verifying 12: %v, want ErrStaleCheckpoint", err)
	}
	if err := resumed.CheckSourceHeight(8); !errors.Is(err, ErrStaleCheckpoint) {
		t.Errorf("source at 8 behind the checkpoint at 12: %v, want ErrStaleCheckpoint", err)
	}
	if err := resumed.CheckSourceHeight(12); err != nil {
		t.Errorf("source at the checkpoint: %v", err)
	}

	other := newSynthChain(t, "other", 1, 8, changingSets)
	fresh, _ := New(c.genesis)
	if err := fresh.Resume(other.blocks[6].SignedHeader); !errors.Is(err, ErrBadCheckpoint) {
		t.Errorf("another chain's header as checkpoint: %v, want ErrBadCheckpoint", err)
	}
	// Same chain id, other validators: the host's chain does not extend
	// the checkpoint.
	fork := newSynthChain(t, "synth", 1, 12, changingSets)
	forked, _ := New(c.genesis)
	if err := forked.Resume(cp); err != nil {
		t.Fatal(err)
	}
	if err := forked.Advance(ctx, &memSource{blocks: fork.blocks}, 8); !errors.Is(err, ErrForgedHeader) && !errors.Is(err, ErrWrongValidators) {
		t.Errorf("a fork after the checkpoint: %v, want a forged header or wrong validators", err)
	}
	if _, err := DecodeCheckpoint([]byte("not a header")); !errors.Is(err, ErrBadCheckpoint) {
		t.Errorf("garbage checkpoint: %v", err)
	}
}
