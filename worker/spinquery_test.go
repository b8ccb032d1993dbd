package worker_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestRedTeamQueryCannotHoldReplica: queries cost the caller nothing, and
// a query that never ends ran until the contract time limit (20 s)
// holding the replica's lock, so one free query every 20 s stopped every
// contract of the worker: commands were not applied and other queries not
// answered. Now a query runs on a copy of the state, outside the lock,
// under the query gas limit: while a spinning query runs, a command is
// applied and a plain query answers at once, and the spinning query ends
// out of gas, not at the time limit.
func TestRedTeamQueryCannotHoldReplica(t *testing.T) {
	e := newContractEnvWith(t, 2, 1)
	id := e.deploy(t, "testdata/spinquery.js", `null`)
	ctx := context.Background()
	spun := make(chan string, 1)
	start := time.Now()
	go func() {
		r, err := e.c.QueryContract(ctx, e.bob, id, json.RawMessage(`"spin"`), [32]byte{})
		if err != nil {
			spun <- err.Error()
			return
		}
		spun <- r.Error
	}()
	time.Sleep(200 * time.Millisecond) // let the spinning query start
	if r := e.exec(t, e.alice, id, `null`); !r.OK {
		t.Fatalf("command beside a spinning query: %+v", r)
	}
	if v, errText := e.query(t, e.alice, id, `"n"`); v != "1" || errText != "" {
		t.Fatalf("plain query beside a spinning query: %q %q", v, errText)
	}
	if d := time.Since(start); d > 10*time.Second*raceSlowdown {
		t.Fatalf("the command and the plain query took %v beside the spinning query", d)
	}
	if got := <-spun; !strings.Contains(got, "gas") {
		t.Fatalf("spinning query ended with %q, want out of gas", got)
	}
}
