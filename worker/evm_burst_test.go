package worker_test

import (
	"context"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
)

// TestEVMBridgeBurst: requests sent at once are all answered, each
// exactly once, with the members sending answers without waiting for each
// to be mined.
func TestEVMBridgeBurst(t *testing.T) {
	e := newEVMEnv(t, "testdata/agents/oracle.ts", nil)
	ctx := context.Background()
	e.answered("the warm-up answer", e.ask("ETH/USD"))
	requester := evmOpts(t, e.d, "requester")
	nonce, err := e.ec.PendingNonceAt(ctx, requester.From)
	if err != nil {
		t.Fatal(err)
	}
	next, _ := e.oracle.NextRequestId(nil)
	const n = 12
	for i := range n {
		o := *requester
		o.Value, o.Nonce, o.GasLimit = big.NewInt(1000), new(big.Int).SetUint64(nonce+uint64(i)), 800_000 // an ask uses 590k on the dev chain
		if _, err := e.oracle.Ask(&o, []string{"ETH/USD", "BTC/USD"}[i%2], 300); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	var ids []*big.Int
	for i := range n {
		id := new(big.Int).Add(next, big.NewInt(int64(i)))
		ids = append(ids, id)
		e.answered(fmt.Sprintf("answer %s", id), id)
	}
	t.Logf("%d requests answered in %s", n, time.Since(start))
	it, err := e.oracle.FilterAgentAnswer(&bind.FilterOpts{}, ids, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	seen := map[string]int{}
	for it.Next() {
		seen[it.Event.Id.String()]++
	}
	for _, id := range ids {
		if seen[id.String()] != 1 {
			t.Errorf("request %s: %d answers landed, want 1", id, seen[id.String()])
		}
	}
}
