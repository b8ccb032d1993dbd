package core_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/core"
)

// slowSource is a node's RPC that answers light blocks up to open at once
// and those above only once release is closed, as a node under load or far
// away does; asked is closed when the first of those is asked for.
type slowSource struct {
	blockSource
	open    int64
	asked   chan struct{}
	once    sync.Once
	release chan struct{}
}

func newSlowSource(blocks map[int64]*cmttypes.LightBlock, open int64) *slowSource {
	return &slowSource{blockSource: blockSource{blocks: blocks, from: 1}, open: open,
		asked: make(chan struct{}), release: make(chan struct{})}
}

func (s *slowSource) LightBlock(ctx context.Context, h int64) (*cmttypes.LightBlock, error) {
	if h > s.open {
		s.once.Do(func() { close(s.asked) })
		select {
		case <-s.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return s.blockSource.LightBlock(ctx, h)
}

// returnsSoon fails the test if f does not return within a few seconds.
func returnsSoon(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Errorf("%s waited for the Sync blocked on the node", what)
	}
}

// TestSyncKeepsNoRoleWaiting: while a Sync waits for the node to send a
// header, the other roles' calls into the core return: the outbox (post,
// pending, freshness) and the synced height do not wait for the light
// client's fetch. The Sync then finishes and seals its checkpoint.
func TestSyncKeepsNoRoleWaiting(t *testing.T) {
	ctx := context.Background()
	c := newCPChain(t, "phala-devnet")
	p := simTEE(t, 1, core.GenesisHash(c.doc), devKey, core.SimCode)
	dir := t.TempDir()
	en, err := core.Open(p, dir, c.doc)
	if err != nil {
		t.Fatal(err)
	}
	src := newSlowSource(c.blocks, 4)
	type result struct {
		h   int64
		err error
	}
	synced := make(chan result, 1)
	go func() {
		h, err := en.Sync(ctx, src, nil)
		synced <- result{h, err}
	}()
	<-src.asked
	defer func() {
		select {
		case <-src.release:
		default:
			close(src.release) // let a call that waited return, for a clean end
		}
	}()

	returnsSoon(t, "SyncedHeight", func() {
		if h := en.SyncedHeight(); h > 4 {
			t.Errorf("synced height %d while header 5 is not served", h)
		}
	})
	out := en.Poster("test/topic")
	returnsSoon(t, "HasPending", func() { out.HasPending("test/topic", nil) })
	returnsSoon(t, "PendingCount", func() { en.PendingCount() })
	// This chain has no state: the outbox's read of the chain's sequence
	// is refused by the node, and each call says so.
	returnsSoon(t, "Post", func() {
		if _, err := out.Post(ctx, src, "test/topic", []byte("x")); !errors.Is(err, chainsync.ErrWithheld) && !errors.Is(err, chainsync.ErrBehind) {
			t.Errorf("post: %v, want the sequence read refused (withheld or behind)", err)
		}
	})
	returnsSoon(t, "Pending", func() {
		if _, err := en.Pending(ctx, src); err == nil {
			t.Error("pending with no chain state: no error")
		}
	})
	returnsSoon(t, "CheckFresh", func() {
		if err := en.CheckFresh(ctx, src); err == nil {
			t.Error("freshness with no chain state: no error")
		}
	})
	select {
	case r := <-synced:
		t.Fatalf("Sync returned (%d, %v) before the node sent header 5", r.h, r.err)
	default:
	}

	close(src.release)
	r := <-synced
	if r.err != nil || r.h != 8 {
		t.Fatalf("sync: height %d, %v; want 8", r.h, r.err)
	}
	again, err := core.Open(p, dir, c.doc)
	if err != nil {
		t.Fatal(err)
	}
	if h := again.SyncedHeight(); h != 8 {
		t.Errorf("restart resumed at %d, want the sealed checkpoint at 8", h)
	}
}

// TestOutboxWaitsForConfirmedCheckpoint: an enclave that joined from a
// signed checkpoint signs nothing until it has checked the signers
// against the chain: the outbox refuses as behind before it reads the
// chain past the checkpoint, and still after a Sync that could not check
// them.
func TestOutboxWaitsForConfirmedCheckpoint(t *testing.T) {
	ctx := context.Background()
	c := newCPChain(t, "phala-devnet")
	cp := signedBy(c.signer(t, 1, devKey, core.SimCode), c.signer(t, 2, devKey, core.SimCode))
	en, err := core.Open(simTEE(t, 7, core.GenesisHash(c.doc), devKey, core.SimCode), t.TempDir(), c.doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := en.JoinFromCheckpoint(cp); err != nil {
		t.Fatal(err)
	}
	src := blockSource{blocks: c.blocks, from: 5}
	out := en.Poster("test/topic")
	for _, step := range []string{"joined", "synced, signers unchecked"} {
		if step != "joined" {
			if _, err := en.Sync(ctx, src, nil); !errors.Is(err, chainsync.ErrWithheld) {
				t.Fatalf("sync: %v, want the signers' records withheld", err)
			}
		}
		_, err := out.Post(ctx, src, "test/topic", []byte("x"))
		if !errors.Is(err, chainsync.ErrBehind) || !strings.Contains(err.Error(), "signed checkpoint") {
			t.Errorf("%s: post: %v, want ErrBehind until the signed checkpoint is confirmed", step, err)
		}
		if err := en.CheckFresh(ctx, src); !errors.Is(err, chainsync.ErrBehind) {
			t.Errorf("%s: freshness: %v, want ErrBehind", step, err)
		}
	}
}
