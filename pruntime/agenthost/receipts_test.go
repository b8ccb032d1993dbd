package agenthost

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"sync"
	"testing"

	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/sealed"
)

// postedReceipts stands for the sealed outbox: it keeps the receipt
// batches Step posts.
type postedReceipts struct {
	mu sync.Mutex
	rs []agents.Receipt
}

func (p *postedReceipts) Post(_ context.Context, _ chainsync.Source, _ string, payload []byte) (mq.SignedMessage, error) {
	rs, err := agents.DecodeReceipts(payload)
	if err != nil {
		return mq.SignedMessage{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rs = append(p.rs, rs...)
	return mq.SignedMessage{}, nil
}

func (p *postedReceipts) HasPending(string, []byte) bool { return false }

// TestReceiptsSurviveConcurrentStep: calls journal their receipts side by
// side (in groups) while Step posts and rewrites the journal; whenever the
// process dies, every receipt is either posted or in the journal, never
// both and never neither, so a restart bills each call exactly once.
func TestReceiptsSurviveConcurrentStep(t *testing.T) {
	dir := t.TempDir()
	st, err := sealed.Open(dir, bytes.Repeat([]byte{7}, 32), "test-store")
	if err != nil {
		t.Fatal(err)
	}
	out := &postedReceipts{}
	host, err := New(nil, out, st, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	const calls = 400
	receipt := func(i int) agents.Receipt {
		var id [32]byte
		binary.BigEndian.PutUint32(id[:], uint32(i))
		return agents.Receipt{Request: id, Backing: agents.BackingAPIKey, APIKey: sha256.Sum256([]byte("key")), Issued: 1}
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	stepped := make(chan struct{})
	go func() {
		defer close(stepped)
		for {
			if err := host.Step(context.Background(), nil); err != nil {
				t.Error(err)
			}
			select {
			case <-stop:
				return
			default:
			}
		}
	}()
	for i := range calls {
		wg.Go(func() { host.queueReceipt(receipt(i)) })
	}
	wg.Wait()
	close(stop)
	<-stepped
	// The restart: what the journal holds is queued again.
	again, err := New(nil, out, st, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[[32]byte]int{}
	for _, r := range append(out.rs, again.receipts...) {
		seen[r.Request]++
	}
	for i := range calls {
		if n := seen[receipt(i).Request]; n != 1 {
			t.Fatalf("receipt %d posted or kept %d times across the restart, want once (%d posted, %d in the journal)", i, n, len(out.rs), len(again.receipts))
		}
	}
}
