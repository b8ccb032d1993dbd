package worker

import (
	"errors"
	"time"
)

// errNotYet ends a round that stopped early without failing: the next poll
// runs a whole round again.
var errNotYet = errors.New("worker: round not complete yet")

// idleRound bounds how long the worker goes without a round when the
// verified height does not advance (a stalled chain), so its duties that
// do not wait for blocks (the benchmark, snapshot fetches) still run.
const idleRound = 5 * time.Second

// rounds decides when a poll runs a round of the roles' chain reads. Every
// duty of a round acts on verified chain state or on work the enclave
// queued, so a round is due only when one of those may have changed: a new
// verified block, an earlier round that failed or stopped early (retries
// keep their pace), receipts or outbox messages waiting to be posted, or
// idleRound since the last round. A poll that finds none of these does no
// chain reads: the polls between blocks cost one height check.
type rounds struct {
	// height is the verified height of the last complete round; zero when
	// none completed or the last one failed.
	height int64
	at     time.Time
}

// due reports whether a poll at verified height h runs a round; pending
// counts the receipts and outbox messages the enclave has queued.
func (r *rounds) due(h int64, now time.Time, pending int) bool {
	return r.height == 0 || h != r.height || pending > 0 || now.Sub(r.at) >= idleRound
}

// done records a complete round at verified height h; any other outcome
// leaves the next poll due.
func (r *rounds) done(h int64, now time.Time) { r.height, r.at = h, now }
