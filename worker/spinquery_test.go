package worker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phalanetwork/phala/contractio"
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

// TestRedTeamSpinningQueriesCannotStarveOthers: a contract's author, who
// pays nothing for queries, floods a worker with queries of its own
// contract that spin until out of gas, four times as many at once as the
// worker runs queries. They took every query slot and queued ahead of
// everyone: another contract's plain query waited behind several whole
// spins (12 spins, 3.9 s, here). Now one contract holds at most half of
// the slots and a freed slot goes to the contract running the fewest, so
// the other contract's queries wait for no spin to end: what is left is
// their share of the CPU the two spinning queries use (under two spins'
// time on two cores).
func TestRedTeamSpinningQueriesCannotStarveOthers(t *testing.T) {
	e := newContractEnvWith(t, 2, 1)
	hostile := e.deploy(t, "testdata/spinquery.js", `null`)
	honest := e.deploy(t, "testdata/spinquery.js", `null`)
	start := time.Now()
	if _, errText := e.query(t, e.bob, hostile, `"spin"`); !strings.Contains(errText, "gas") {
		t.Fatalf("spinning query ended with %q, want out of gas", errText)
	}
	spin := time.Since(start)
	t.Logf("one spinning query alone: %v", spin.Round(time.Millisecond))

	// The flood skips the client's proven reads: one signed query, posted
	// again and again straight to the contract's worker, as an attacker
	// would.
	member := e.d.Workers[1]
	rec, err := e.c.Worker(context.Background(), member.ID())
	if err != nil {
		t.Fatal(err)
	}
	chainID, err := e.c.ChainID(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	pq, err := contractio.NewQuery(chainID, [32]byte(rec.ID), rec.ECDHKey, e.bob, nil, hostile, json.RawMessage(`"spin"`), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var flood sync.WaitGroup
	for range 16 {
		flood.Add(1)
		go func() {
			defer flood.Done()
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, member.Endpoint()+"/contracts/query", bytes.NewReader(pq.Body))
				if resp, err := http.DefaultClient.Do(req); err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		}()
	}
	defer func() { cancel(); flood.Wait() }()
	time.Sleep(spin / 2) // let the flood take the slots and queue
	for i := range 3 {
		start := time.Now()
		v, errText := e.query(t, e.alice, honest, `"n"`)
		d := time.Since(start)
		t.Logf("query %d of the other contract beside the flood: %v", i, d.Round(time.Millisecond))
		if v != "0" || errText != "" || d > 2*spin {
			t.Fatalf("query %d of another contract beside the flood: %q %q in %v, want 0 in less than two spins (%v each)", i, v, errText, d.Round(time.Millisecond), spin.Round(time.Millisecond))
		}
	}
}
