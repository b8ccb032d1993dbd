package agenthost

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/phalanetwork/phala/modules/agents"
)

// TestRedTeamNoMajorityNotBilled: a hop whose kv write no majority
// acknowledged fails with 503 (its state did not commit) and queues no
// usage receipt, so the caller pays nothing for it; the same hop once the
// member reaches the others commits and is billed once.
func TestRedTeamNoMajorityNotBilled(t *testing.T) {
	net := newTestCluster(t)
	a := net.hosts[memberA]
	writeHop := func() error {
		cc := &callCtx{hops: new(atomic.Uint32)}
		txn, own := cc.openTxn(a, context.Background(), nil, testAgent)
		v := "1"
		return a.finishHop(agents.Params{}, cc, testAgent, 3, txn, own, txn.set("n", &v))
	}
	net.partition(memberA, true)
	if err := writeHop(); !errors.Is(err, ErrStateUnavailable) || !errors.Is(err, ErrNoQuorum) {
		t.Fatalf("a write without a majority: %v, want 503 for no majority", err)
	}
	if n := a.PendingReceipts(); n != 0 {
		t.Fatalf("a call whose state did not commit queued %d receipts (billed for a 503)", n)
	}
	net.partition(memberA, false)
	if err := writeHop(); err != nil {
		t.Fatalf("a write with a majority: %v", err)
	}
	if n := a.PendingReceipts(); n != 1 {
		t.Fatalf("a committed call queued %d receipts, want 1", n)
	}
}
