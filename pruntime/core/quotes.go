package core

import (
	"context"

	"github.com/phalanetwork/phala/tee"
)

// PublicQuoteSlots is how many quotes made for callers outside the enclave
// (Attest, AttestSigning: a client checking who signs its answers) may be
// in the TEE at once. Quoting hardware is slow and takes one request at a
// time (a TDX quote goes through the host's one quoting enclave,
// milliseconds each), and the enclave's own quotes (registration, sealing
// key requests, the checkpoint signer) queue there behind whatever the
// public routes sent: so a caller who asks for quotes without end delays
// those by at most this many quotes, and waits or is refused with ErrBusy.
const PublicQuoteSlots = 2

// newQuoteSlots makes the slots of PublicQuoteSlots.
func newQuoteSlots() *Slots {
	return NewSlots(PublicQuoteSlots, PublicQuoteSlots, "attestation quotes for callers")
}

// publicQuote quotes rd for a caller outside the enclave once a public
// quote slot is free, waiting at most until ctx ends (then ErrBusy).
func (c *Core) publicQuote(ctx context.Context, rd [tee.ReportDataSize]byte) ([]byte, error) {
	release, err := c.quotes.Take(ctx, "")
	if err != nil {
		return nil, err
	}
	defer release()
	return c.provider.Quote(rd)
}
