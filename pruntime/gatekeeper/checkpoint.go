package gatekeeper

import (
	"context"
	"errors"
	"fmt"

	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/core"
)

// ErrNotGatekeeper: a duty only a gatekeeper does was asked of a worker
// the chain does not list as one.
var ErrNotGatekeeper = errors.New("not a gatekeeper")

// Checkpoint signs, for a new worker joining a chain whose early blocks
// are pruned, a header this enclave's light client verified: the one at
// height h, or the latest when h is 0 (docs/workers.md, "Joining a pruned
// chain"). Only a worker the verified chain lists as a gatekeeper signs;
// the new enclave checks that again once it has verified the chain.
func (g *Gatekeeper) Checkpoint(ctx context.Context, src chainsync.Source, h int64) (core.SignedCheckpoint, error) {
	raw, _, err := g.core.State(ctx, src, keys.GatekeeperKey(g.me()))
	if err != nil {
		return core.SignedCheckpoint{}, fmt.Errorf("enclave: checkpoint: %w", err)
	}
	if raw == nil {
		return core.SignedCheckpoint{}, fmt.Errorf("enclave: checkpoint: %w: worker %x", ErrNotGatekeeper, g.me())
	}
	return g.core.SignCheckpoint(h)
}
