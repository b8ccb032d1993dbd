package pruntime

import (
	"context"

	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/core"
)

// SignedCheckpoint is a verified header signed by gatekeeper enclaves,
// from which a new enclave starts on a chain whose early blocks are pruned.
type SignedCheckpoint = core.SignedCheckpoint

// Checkpoint is, on a gatekeeper, a signed checkpoint at height h (0: its
// latest verified header) for a joining worker.
func (e *Enclave) Checkpoint(ctx context.Context, src chainsync.Source, h int64) (SignedCheckpoint, error) {
	return e.gatekeeper.Checkpoint(ctx, src, h)
}

// JoinFromCheckpoint starts the light client from a checkpoint the
// gatekeepers signed (core.Core.JoinFromCheckpoint).
func (e *Enclave) JoinFromCheckpoint(cp SignedCheckpoint) error {
	return e.core.JoinFromCheckpoint(cp)
}
