package core

import (
	"context"
	"errors"
	"fmt"

	"github.com/phalanetwork/phala/pruntime/chainsync"
)

// ErrRolledBack is the refusal of sealed state older than what the chain
// recorded this enclave committed to: the host restored old sealed files.
// The enclave runs from nothing it reads in such a store.
var ErrRolledBack = errors.New("rolled-back sealed state")

// checkOutboxFresh refuses a sealed outbox the chain has overtaken. Every
// message the chain took from this worker was signed here and sealed in the
// outbox before it left, so the chain's next sequence is never above the
// outbox's; if it is, these files are older than the enclave's own past,
// and signing from them would put a second message under a used sequence.
func (c *Core) checkOutboxFresh(chainNext uint64) error {
	if chainNext > c.out.Next {
		return fmt.Errorf("%w: the sealed outbox is at sequence %d, the chain has consumed %d messages from this worker",
			ErrRolledBack, c.out.Next, chainNext)
	}
	return nil
}

// CheckFresh compares the sealed outbox with the chain, read through the
// light client with proofs, and refuses a rolled-back store (ErrRolledBack).
// Posting and Pending check the same before they touch the outbox; this
// lets the host half hear of a rollback on every round, before any role
// runs.
func (c *Core) CheckFresh(ctx context.Context, src chainsync.Source) error {
	s := c.readChainSeq(ctx, src)
	c.mu.Lock()
	defer c.mu.Unlock()
	_, err := c.chainNext(s)
	return err
}
