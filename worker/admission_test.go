package worker_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/pruntime"
	"github.com/phalanetwork/phala/sandbox"
)

// hogRun is what testdata/agents/hog.js answers.
type hogRun struct {
	Start, End int64
	N          int
	Refused    []string
}

// TestRedTeamConcurrentCallsMemory: a caller sends twelve calls at once to
// an agent whose handler holds 8 MiB for 300 ms. Each call may grow its
// VM to the memory limit (64 MiB), so without a bound a few hundred
// concurrent calls, or one call fanning out through agents.call, can
// exhaust the worker's memory. With the worker's agent memory budget at
// three calls' worth, at most three run at a time and the others wait
// their turn and answer; a hop that finds no room is refused by name
// instead of waiting (its parent holds memory the hop would wait for).
func TestRedTeamConcurrentCallsMemory(t *testing.T) {
	const budget = 3
	d, c := startDevnet(t, devnet.Options{Workers: 1, Gatekeepers: 1, Cluster: true,
		Agents: pruntime.AgentRuntime{MemoryBudget: budget * 64 << 20, Limits: sandbox.Limits{Time: 10 * time.Second * raceSlowdown, Memory: 64 << 20}}}, nil)
	ctx := context.Background()
	alice, _ := d.Keyring.PrivKey("alice")
	bob, _ := d.Keyring.PrivKey("bob")
	cl := waitDevnetCluster(t, c)
	hog := deployAgentFile(t, c, alice, [32]byte(cl.ID), "testdata/agents/hog.js", agents.Policy{Kind: agents.PolicyPublic}, pha.Amount{})
	if _, err := c.Send(ctx, bob, pha.Amount{}, "", &agents.MsgDeposit{Amount: pha.Whole(100)}); err != nil {
		t.Fatal(err)
	}
	endpoint := d.Workers[0].Endpoint()
	call := func(body string) (hogRun, error) {
		r, err := c.CallAgent(ctx, bob, endpoint, hog, "POST", "/", []byte(body))
		if err != nil {
			return hogRun{}, err
		}
		var run hogRun
		if err := json.Unmarshal(r.Body, &run); err != nil {
			t.Fatalf("answer %d %s: %v", r.Status, r.Body, err)
		}
		return run, nil
	}
	eventually(t, "a call once the escrow is visible", func() (bool, error) {
		_, err := call("")
		if err != nil && strings.Contains(err.Error(), "402") {
			return false, nil
		}
		return err == nil, err
	})

	runs := make([]hogRun, 12)
	errs := make([]error, len(runs))
	var wg sync.WaitGroup
	for i := range runs {
		// Bodies differ: two signed requests alike to the byte are one
		// request replayed.
		wg.Go(func() { runs[i], errs[i] = call(`{"i": ` + strconv.Itoa(i) + `}`) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("call %d of %d sent at once: %v", i, len(runs), err)
		}
	}
	if most := mostAtOnce(runs); most > budget {
		t.Fatalf("%d calls ran at once, each able to hold 64 MiB; the budget is %d calls' worth", most, budget)
	}

	// One call fanning out to itself: it and two hops fit, the other hops
	// are refused by name.
	selfID := hex.EncodeToString(hog[:])
	run, err := call(`{"self": "` + selfID + `", "fan": 6}`)
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Refused) < 6-(budget-1) || !strings.Contains(run.Refused[0], "memory budget") {
		t.Fatalf("hops refused: %q; want at least %d, naming the memory budget", run.Refused, 6-(budget-1))
	}
}

// mostAtOnce is the largest number of runs whose [Start, End] overlap.
func mostAtOnce(runs []hogRun) int {
	type edge struct {
		at    int64
		delta int
	}
	var edges []edge
	for _, r := range runs {
		edges = append(edges, edge{r.Start, 1}, edge{r.End, -1})
	}
	// An end before a start at the same millisecond: runs that merely
	// touch did not overlap.
	slices.SortFunc(edges, func(a, b edge) int {
		if a.at != b.at {
			return int(a.at - b.at)
		}
		return a.delta - b.delta
	})
	most, now := 0, 0
	for _, e := range edges {
		now += e.delta
		most = max(most, now)
	}
	return most
}
