package core

import (
	"context"
	"errors"
	"fmt"

	"github.com/phalanetwork/phala/tee"
)

// ErrBusy marks a refusal for load, not for what was asked: the same
// request may succeed shortly (the worker answers 503 with Retry-After).
// Every role refuses for load with it: the agent memory budget, the
// contract query slots, the quote slots below.
var ErrBusy = errors.New("worker busy")

// PublicQuoteSlots is how many quotes made for callers outside the enclave
// (Attest, AttestSigning: a client checking who signs its answers) may be
// in the TEE at once. Quoting hardware is slow and takes one request at a
// time (a TDX quote goes through the host's one quoting enclave,
// milliseconds each), and the enclave's own quotes (registration, sealing
// key requests, the checkpoint signer) queue there behind whatever the
// public routes sent: so a caller who asks for quotes without end delays
// those by at most this many quotes, and waits or is refused with ErrBusy.
const PublicQuoteSlots = 2

// newQuoteSlots makes the semaphore of PublicQuoteSlots.
func newQuoteSlots() chan struct{} { return make(chan struct{}, PublicQuoteSlots) }

// publicQuote quotes rd for a caller outside the enclave once a public
// quote slot is free, waiting at most until ctx ends (then ErrBusy).
func (c *Core) publicQuote(ctx context.Context, rd [tee.ReportDataSize]byte) ([]byte, error) {
	select {
	case c.quotes <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %d attestation quotes for callers in the TEE while this one waited: %v", ErrBusy, PublicQuoteSlots, context.Cause(ctx))
	}
	defer func() { <-c.quotes }()
	return c.provider.Quote(rd)
}
