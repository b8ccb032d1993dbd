package worker

import "time"

// idleRound bounds how long the worker goes without a round when the
// verified height does not advance (a stalled chain), so duties that do
// not wait for blocks (the benchmark, receipts queued by calls, snapshot
// fetches) still run.
const idleRound = 5 * time.Second

// rounds decides when a poll runs a round of the roles' chain reads. What a
// round does depends on the verified chain state, except for work the
// enclave queues between blocks (usage receipts), which the chain takes in
// a block anyway; and where a round stops early without failing (the
// enclave's view not new enough, a transaction not yet in the verified
// state) only a new block changes that. So a round is due on a new
// verified block, after a round that failed (retries keep the poll's
// pace), and after idleRound without one; the polls between blocks cost
// one height check, not the round's proven reads.
type rounds struct {
	// height is the verified height of the last round; zero when none ran
	// or the last one failed.
	height int64
	at     time.Time
}

// due reports whether a poll at verified height h runs a round.
func (r *rounds) due(h int64, now time.Time) bool {
	return r.height == 0 || h != r.height || now.Sub(r.at) >= idleRound
}

// done records a round at verified height h that did not fail.
func (r *rounds) done(h int64, now time.Time) { r.height, r.at = h, now }
