package pruntime

import (
	"context"
	"fmt"

	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/pruntime/chainsync"
)

// Usage receipts go into a sealed journal the moment a call is served and
// stay there until they are in the sealed outbox, so a worker that crashes
// in between posts them after its restart: callers are billed for what they
// used. A receipt the chain already settled (the crash came after the
// outbox had it) is skipped there by its id, so none is billed twice.

// journalReceipts is the sealed journal's name.
const journalReceipts = "agent-receipts"

// loadReceipts opens the receipt journal and queues what a previous run
// served but did not post.
func (e *Enclave) loadReceipts() error {
	j, recs, err := e.store.Journal(journalReceipts)
	if err != nil {
		return fmt.Errorf("enclave: receipt journal: %w", err)
	}
	for i, rec := range recs {
		rs, err := agents.DecodeReceipts(rec)
		if err != nil {
			return fmt.Errorf("enclave: receipt journal record %d: %w", i, err)
		}
		e.receipts = append(e.receipts, rs...)
	}
	e.journal = j
	return nil
}

// queueReceipt journals a usage receipt and keeps it until AgentStep posts
// it. A journal failure keeps the receipt in memory only and is reported
// by the next AgentStep.
func (e *Enclave) queueReceipt(r agents.Receipt) {
	e.receiptsMu.Lock()
	defer e.receiptsMu.Unlock()
	if err := e.journalReceipt(r); err != nil && e.journalErr == nil {
		e.journalErr = err
	}
	e.receipts = append(e.receipts, r)
}

// journalReceipt appends one receipt to the journal, as a batch of one.
// Callers hold e.receiptsMu.
func (e *Enclave) journalReceipt(r agents.Receipt) error {
	return e.journal.Append(agents.EncodeReceipts([]agents.Receipt{r}))
}

// PendingReceipts is how many usage receipts wait to be posted.
func (e *Enclave) PendingReceipts() int {
	e.receiptsMu.Lock()
	defer e.receiptsMu.Unlock()
	return len(e.receipts)
}

// AgentStep posts the queued usage receipts in batches, then keeps in the
// journal only the receipts queued while it posted.
func (e *Enclave) AgentStep(ctx context.Context, src chainsync.Source) error {
	e.receiptsMu.Lock()
	rs, jerr := e.receipts, e.journalErr
	e.receipts, e.journalErr = nil, nil
	e.receiptsMu.Unlock()
	if jerr != nil {
		jerr = fmt.Errorf("enclave: journal a usage receipt (kept in memory only): %w", jerr)
	}
	if len(rs) == 0 {
		return jerr
	}
	for start := 0; start < len(rs); start += agents.MaxReceipts {
		batch := rs[start:min(start+agents.MaxReceipts, len(rs))]
		if _, err := e.Post(ctx, src, agents.TopicReceipts, agents.EncodeReceipts(batch)); err != nil {
			e.receiptsMu.Lock()
			e.receipts = append(rs[start:], e.receipts...)
			e.receiptsMu.Unlock()
			return err
		}
	}
	e.receiptsMu.Lock()
	defer e.receiptsMu.Unlock()
	if err := e.journal.Reset(); err != nil {
		return fmt.Errorf("enclave: receipt journal: %w", err)
	}
	for _, r := range e.receipts {
		if err := e.journalReceipt(r); err != nil {
			return fmt.Errorf("enclave: receipt journal: %w", err)
		}
	}
	return jerr
}
