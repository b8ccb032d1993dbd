package core_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/phalanetwork/phala/pruntime/core"
	"github.com/phalanetwork/phala/tee"
)

// serialQuoter is the real sim provider behind quoting hardware as it
// behaves: one quote at a time (the host's one quoting enclave), each
// taking d.
type serialQuoter struct {
	tee.Provider
	d      time.Duration
	mu     sync.Mutex
	quotes atomic.Int64
}

func (s *serialQuoter) Quote(rd [tee.ReportDataSize]byte) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	time.Sleep(s.d)
	s.quotes.Add(1)
	return s.Provider.Quote(rd)
}

// TestPublicQuotesCannotStarveTheEnclave: an anonymous caller floods the
// public attestation routes (GET /attestation, /v1/attestation/report:
// free, with a nonce of its choosing, so nothing can be cached). The
// enclave's own quotes (registration, sealing key requests, the checkpoint
// signer) go to the same hardware and must not wait behind the flood:
// at most core.PublicQuoteSlots public quotes are in the TEE at once, and
// a caller who finds them taken for as long as it may wait gets ErrBusy.
func TestPublicQuotesCannotStarveTheEnclave(t *testing.T) {
	const quoteTime = 50 * time.Millisecond
	doc := genesisDoc(t)
	hw := &serialQuoter{Provider: simFor(t, 1, doc), d: quoteTime}
	c, err := core.Open(hw, filepath.Join(t.TempDir(), "sealed"), doc)
	if err != nil {
		t.Fatal(err)
	}

	const flooders = 32
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var busy, served atomic.Int64
	for i := range flooders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				qctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
				var err error
				if i%2 == 0 {
					_, err = c.Attest(qctx, []byte{byte(i)})
				} else {
					_, err = c.AttestSigning(qctx, "ed25519", [32]byte{byte(i)})
				}
				cancel()
				switch {
				case err == nil:
					served.Add(1)
				case errors.Is(err, core.ErrBusy):
					busy.Add(1)
				case ctx.Err() == nil:
					t.Errorf("public quote: %v", err)
				}
			}
		}()
	}
	defer func() { stop(); wg.Wait() }()
	for start := hw.quotes.Load(); hw.quotes.Load() < start+4; {
		time.Sleep(quoteTime)
	}

	// The enclave's own quote, as registration makes it: straight to the
	// provider.
	began := time.Now()
	if _, err := hw.Quote([tee.ReportDataSize]byte{1}); err != nil {
		t.Fatal(err)
	}
	waited := time.Since(began)
	stop()
	wg.Wait()
	// Its own quote and the public ones ahead of it, with room for a
	// loaded machine's scheduling; the flood alone queued 32 quotes.
	if max := time.Duration(core.PublicQuoteSlots+1)*quoteTime + 200*time.Millisecond; waited > max {
		t.Fatalf("the enclave's own quote waited %v behind %d callers' quotes (%d served, %d busy); want at most %v (%d public slots of %v)",
			waited, flooders, served.Load(), busy.Load(), max, core.PublicQuoteSlots, quoteTime)
	}
	if busy.Load() == 0 {
		t.Fatalf("no caller was refused with ErrBusy: %d served", served.Load())
	}
	t.Logf("own quote in %v beside %d flooders: %d public quotes served, %d refused busy", waited, flooders, served.Load(), busy.Load())
}
