package agenthost

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
func (host *Host) loadReceipts() error {
	j, recs, err := host.store.Journal(journalReceipts)
	if err != nil {
		return fmt.Errorf("enclave: receipt journal: %w", err)
	}
	for i, rec := range recs {
		rs, err := agents.DecodeReceipts(rec)
		if err != nil {
			return fmt.Errorf("enclave: receipt journal record %d: %w", i, err)
		}
		host.receipts = append(host.receipts, rs...)
	}
	host.journal = j
	return nil
}

// queueReceipt journals a usage receipt and keeps it until Step posts
// it. A journal failure keeps the receipt in memory only and is reported
// by the next Step. The journal write holds only journalMu shared, so the
// receipts of concurrent calls go into one write.
func (host *Host) queueReceipt(r agents.Receipt) {
	host.journalMu.RLock()
	defer host.journalMu.RUnlock()
	err := host.journalReceipt(r)
	host.receiptsMu.Lock()
	defer host.receiptsMu.Unlock()
	if err != nil && host.journalErr == nil {
		host.journalErr = err
	}
	host.receipts = append(host.receipts, r)
}

// journalReceipt appends one receipt to the journal, as a batch of one.
// Callers hold host.journalMu.
func (host *Host) journalReceipt(r agents.Receipt) error {
	return host.journal.Append(agents.EncodeReceipts([]agents.Receipt{r}))
}

// PendingReceipts is how many usage receipts wait to be posted.
func (host *Host) PendingReceipts() int {
	host.receiptsMu.Lock()
	defer host.receiptsMu.Unlock()
	return len(host.receipts)
}

// Step posts the queued usage receipts in batches, then keeps in the
// journal only the receipts queued while it posted.
func (host *Host) Step(ctx context.Context, src chainsync.Source) error {
	host.receiptsMu.Lock()
	rs, jerr := host.receipts, host.journalErr
	host.receipts, host.journalErr = nil, nil
	host.receiptsMu.Unlock()
	if jerr != nil {
		jerr = fmt.Errorf("enclave: journal a usage receipt (kept in memory only): %w", jerr)
	}
	if len(rs) == 0 {
		return jerr
	}
	for start := 0; start < len(rs); start += agents.MaxReceipts {
		batch := rs[start:min(start+agents.MaxReceipts, len(rs))]
		if _, err := host.out.Post(ctx, src, agents.TopicReceipts, agents.EncodeReceipts(batch)); err != nil {
			host.receiptsMu.Lock()
			host.receipts = append(rs[start:], host.receipts...)
			host.receiptsMu.Unlock()
			return err
		}
	}
	// No call is between its journal write and its queueing while Step
	// holds journalMu, so the rewrite below keeps exactly the receipts
	// not posted.
	host.journalMu.Lock()
	defer host.journalMu.Unlock()
	host.receiptsMu.Lock()
	defer host.receiptsMu.Unlock()
	if err := host.journal.Reset(); err != nil {
		return fmt.Errorf("enclave: receipt journal: %w", err)
	}
	// Calls wait for journalMu meanwhile: one record per chain batch.
	for start := 0; start < len(host.receipts); start += agents.MaxReceipts {
		batch := host.receipts[start:min(start+agents.MaxReceipts, len(host.receipts))]
		if err := host.journal.Append(agents.EncodeReceipts(batch)); err != nil {
			return fmt.Errorf("enclave: receipt journal: %w", err)
		}
	}
	return jerr
}
