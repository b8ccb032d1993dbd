package e2e

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/devnet/devnettest"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/pha"
)

// TestReplicaKilledUnderLoad: two worker processes replicate a token
// contract and serve a paid agent while commands and agent calls keep
// coming; the one serving the agent is SIGKILLed in the middle and
// restarted on its home. No
// committed command is lost (every input gets its result, the balances add
// up), the restarted worker comes back with the same identity and its
// sealed state, both replicas report the same state root at the end, and
// every answered agent call is billed exactly once: the killed worker's
// unposted usage receipts come back from its sealed journal.
func TestReplicaKilledUnderLoad(t *testing.T) {
	h := newLongHarness(t, "runs a devnet and two worker processes")
	cw := startClusterWorkers(t, h, 2)
	home, url, gw, kr := cw.home, cw.url, cw.gw, cw.kr
	token := h.deployToken(home, url, fmt.Sprintf("%x", []byte(cw.cluster.ID)), 1000, cw.procs()...)
	info := func() contracts.Contract {
		var c contracts.Contract
		h.mustRunJSON(&c, "contract", "info", token, "--node", url, "--output", "json")
		return c
	}
	calls := startAgentLoad(t, h, home, url, gw, [32]byte(cw.cluster.ID), 2, cw.procs()...)

	// Commands, without waiting for results, while a replica is killed and
	// restarted.
	dave := h.keyAddresses(home)["bob"]
	const each = 12
	var wg sync.WaitGroup
	var mu sync.Mutex
	var sendErrs []string
	send := func(n int) {
		defer wg.Done()
		for i := 0; i < n; i++ {
			r := h.run(append([]string{"contract", "exec", token, `{"transfer":{"to":"` + dave + `","amount":1}}`, "--from", "alice", "--wait", "0"}, kr...)...)
			if r.code != 0 {
				mu.Lock()
				sendErrs = append(sendErrs, r.stderr)
				mu.Unlock()
			}
		}
	}
	wg.Add(1)
	go send(each)
	waitFor(t, 60*time.Second, "some commands on chain and agent calls answered before the crash", func() (bool, error) {
		return info().Inputs >= 4 && calls.answered() >= 100, nil
	}, cw.procs()...)
	// Kill the replica that serves the agent (the gateway sends all of an
	// agent's calls to one member while it is up), so its receipts not yet
	// posted are at stake.
	i := cw.index(calls.servedBy())
	if i < 0 {
		t.Fatalf("the agent's calls were answered by %s, neither replica", calls.servedBy())
	}
	name := fmt.Sprintf("w%d", i+1)
	cw.workers[i].kill()
	t.Logf("killed %s (%s), the agent's worker, in the middle of the load", name, cw.ids[i][:16])
	restarted := cw.restart(t, h, i)
	// The worker logs (to stderr) before it prints its id.
	log, _ := os.ReadFile(restarted.stderrPath)
	if m := regexp.MustCompile(`usage receipts kept across the restart.* receipts=(\d+)`).FindSubmatch(log); m != nil {
		t.Logf("%s kept %s usage receipts across the kill", name, m[1])
	}
	wg.Wait()
	calls.stop(t)
	if len(sendErrs) > 0 {
		t.Fatalf("%d commands were not accepted: %s", len(sendErrs), strings.Join(sendErrs, "; "))
	}
	waitFor(t, 90*time.Second, "every command's result", func() (bool, error) {
		c := info()
		return c.Inputs == 1+each && c.Results == c.Inputs, nil
	}, cw.procs()...)
	// Both replicas, the killed one included, report the same root for
	// the last input.
	last := strconv.Itoa(each)
	waitFor(t, 60*time.Second, "both replicas' roots for the last input", func() (bool, error) {
		var rep contracts.RootReport
		c := newClient(t, url)
		if _, err := c.Query(t.Context(), "/contracts/roots/"+token+"/"+last, &rep); err != nil {
			return false, nil
		}
		return len(rep.Votes) == 2 && len(rep.Majority) == 32 && len(rep.Diverged) == 0, nil
	}, cw.procs()...)
	// Nothing lost: alice's balance, read from a replica that has run
	// every input, is the supply less what she sent.
	if out := strings.TrimSpace(h.mustRun(append([]string{"contract", "query", token, `{}`, "--from", "alice"}, kr...)...)); out != strconv.Itoa(1000-each) {
		t.Fatalf("alice's token balance %s, want %d", out, 1000-each)
	}
	calls.checkBilled(t, cw.procs()...)
}

// callPrice is the loaded agent's price: 0.01 PHA.
var callPrice = pha.Units(10_000_000_000)

// agentLoad is paid agent calls through the gateway from two loops.
type agentLoad struct {
	c     *client.Client
	agent [32]byte
	loops *loops
	mu    sync.Mutex
	ok    int
	// retried counts attempts the client signed again for another
	// worker after a 502 or 503 (client.AgentResponse.Retried).
	retried int
	failed  []string
	// last is the worker that signed the last answer.
	last [32]byte
}

// startAgentLoad deploys a public agent in the cluster, funds carol's
// escrow and starts calling it from callers loops until stop.
func startAgentLoad(t *testing.T, h *harness, home, url, gw string, cluster [32]byte, callers int, procs ...*proc) *agentLoad {
	t.Helper()
	c := newClient(t, url)
	keys := devKeys(t, home, "alice", "carol")
	alice, carol := keys[0], keys[1]
	l := &agentLoad{c: c, loops: newLoops()}
	l.agent = devnettest.DeployAgent(t, c, alice, okAgent, cluster, callPrice)
	if _, err := c.Send(t.Context(), carol, pha.Amount{}, "", &agents.MsgDeposit{Amount: pha.Whole(1_000)}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 60*time.Second, "the agent to answer", func() (bool, error) {
		_, err := c.CallAgent(t.Context(), carol, gw, l.agent, "POST", "/", []byte("warm"))
		if err == nil {
			l.ok++
		}
		return err == nil, nil
	}, procs...)
	for i := range callers {
		l.loops.run(func(n int) {
			r, err := c.CallAgent(context.Background(), carol, gw, l.agent, "POST", "/", []byte(fmt.Sprintf("%d-%d", i, n)))
			if err == nil && r.Status != 200 {
				err = fmt.Errorf("status %d: %s", r.Status, r.Body)
			}
			l.mu.Lock()
			if err != nil {
				l.failed = append(l.failed, err.Error())
			} else {
				l.ok++
				l.retried += r.Retried
				l.last = r.Answer.Worker
			}
			l.mu.Unlock()
		})
	}
	return l
}

func (l *agentLoad) answered() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ok
}

// servedBy is the worker id (hex) that signed the last answer.
func (l *agentLoad) servedBy() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return hex.EncodeToString(l.last[:])
}

func (l *agentLoad) stop(t *testing.T) {
	l.loops.stop()
	t.Logf("agent calls: %d answered, %d failed, %d attempts retried on another worker", l.ok, len(l.failed), l.retried)
}

// checkBilled waits until the chain has settled a receipt for every
// answered call. A call that failed at the client, or an attempt the
// client signed again for another worker after a 502, may still have been
// served (the answer was lost with the killed worker), so it may be billed
// too; nothing beyond that is.
func (l *agentLoad) checkBilled(t *testing.T, procs ...*proc) {
	t.Helper()
	var a agents.AgentView
	waitFor(t, 60*time.Second, "a receipt settled for every answered call", func() (bool, error) {
		var err error
		a, err = l.c.Agent(t.Context(), l.agent)
		return err == nil && a.Calls >= uint64(l.ok), err
	}, procs...)
	if a.Calls > uint64(l.ok+len(l.failed)+l.retried) {
		t.Fatalf("%d calls billed, but only %d answered, %d failed and %d retried on another worker", a.Calls, l.ok, len(l.failed), l.retried)
	}
	if want, _ := callPrice.MulDiv(pha.Units(a.Calls), pha.Units(1)); a.Fees != want {
		t.Fatalf("agent fees %s for %d calls at %s", a.Fees.PHA(), a.Calls, callPrice.PHA())
	}
	if len(l.failed) > 0 {
		t.Logf("failed calls (first): %s", l.failed[0])
	}
}
