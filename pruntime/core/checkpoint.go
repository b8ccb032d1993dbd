package core

import (
	"errors"
	"fmt"

	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/sealed"
)

// EntryCheckpoint holds the light client's checkpoint: the latest header
// it verified (with its commit), so a restart resumes there instead of
// verifying the chain again from genesis.
const EntryCheckpoint = "light-checkpoint"

// resumeCheckpoint starts the light client from the sealed checkpoint, if
// there is one, and returns its height (0 if none).
func resumeCheckpoint(store *sealed.Store, sync *chainsync.Sync) (int64, error) {
	raw, err := store.Get(EntryCheckpoint)
	if errors.Is(err, sealed.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("enclave: unseal light-client checkpoint: %w", err)
	}
	sh, err := chainsync.DecodeCheckpoint(raw)
	if err != nil {
		return 0, fmt.Errorf("enclave: sealed light-client checkpoint: %w", err)
	}
	if err := sync.Resume(sh); err != nil {
		return 0, fmt.Errorf("enclave: sealed light-client checkpoint: %w", err)
	}
	return sh.Height, nil
}

// CheckpointEvery is how many blocks past the sealed checkpoint the light
// client verifies before Sync seals a new one. Each seal is an fsync and a
// rename, and a worker syncs every block, so sealing each one was most of
// an idle worker's disk writes; a restart after a crash verifies at most
// this many headers again (milliseconds), and the gap stays well inside the
// blocks a pruning node keeps (app.MinRetainBlocks, 100), so a worker that
// restarts soon still resumes from its own checkpoint. A graceful stop
// seals the latest header (SealCheckpoint).
const CheckpointEvery = 32

// SealCheckpoint seals the light client's latest verified header now, as a
// worker stopping gracefully does, so its restart resumes exactly there.
func (c *Core) SealCheckpoint() error {
	c.syncMu.Lock()
	defer c.syncMu.Unlock()
	return c.saveCheckpoint(true)
}

// saveCheckpoint seals the light client's latest verified header if it is
// newer than the sealed one and, unless force, the first this core seals
// or at least CheckpointEvery blocks past the sealed one; it never writes
// an older one. The caller holds c.syncMu, which alone moves the light
// client and c.checkpoint, so the header sealed is the light client's
// latest and the fsync keeps no other role waiting.
func (c *Core) saveCheckpoint(force bool) error {
	sh := c.sync.Latest()
	// An enrollment core (a TDX enclave before the KMS gave it its
	// sealing key) has no store to seal into yet.
	if c.store == nil || sh == nil || sh.Height == c.checkpoint {
		return nil
	}
	if c.joined != nil || c.joinErr != nil {
		return nil // a signed checkpoint whose signers are not confirmed (trustcp.go)
	}
	if sh.Height < c.checkpoint {
		return fmt.Errorf("enclave: %w: light client at %d, sealed checkpoint at %d", chainsync.ErrStaleCheckpoint, sh.Height, c.checkpoint)
	}
	if !force && c.checkpoint != 0 && sh.Height-c.checkpoint < CheckpointEvery {
		return nil
	}
	raw, err := chainsync.EncodeCheckpoint(sh)
	if err != nil {
		return fmt.Errorf("enclave: %w", err)
	}
	if err := c.store.Put(EntryCheckpoint, raw); err != nil {
		return fmt.Errorf("enclave: seal light-client checkpoint: %w", err)
	}
	c.checkpoint = sh.Height
	return nil
}
