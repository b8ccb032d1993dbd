package e2e

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/devnet/devnettest"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/pha"
)

// billingNet is a two-member cluster running a public paid agent, with
// carol (who has no escrow yet) as the caller.
type billingNet struct {
	*clusterWorkers
	c       *client.Client
	chainID string
	agent   [32]byte
	carol   ed25519.PrivateKey
	// ep and id are each worker's endpoint and id by name ("w1", "w2").
	ep, id map[string]string
}

func startBillingNet(t *testing.T) (*harness, *billingNet) {
	h := newHarness(t)
	cw := startClusterWorkers(t, h, 2)
	n := &billingNet{clusterWorkers: cw, c: newClient(t, cw.url),
		ep: map[string]string{"w1": "http://" + cw.listen[0], "w2": "http://" + cw.listen[1]}, id: map[string]string{"w1": cw.ids[0], "w2": cw.ids[1]}}
	keys := devKeys(t, cw.home, "alice", "carol")
	alice := keys[0]
	n.carol = keys[1]
	var err error
	if n.chainID, err = n.c.ChainID(t.Context()); err != nil {
		t.Fatal(err)
	}
	n.agent = devnettest.DeployAgent(t, n.c, alice, okAgent, [32]byte(cw.cluster.ID), callPrice)
	waitFor(t, 60*time.Second, "the agent's keys", func() (bool, error) {
		a, err := n.c.Agent(t.Context(), n.agent)
		return len(a.ECDHKey) == 32, err
	}, cw.procs()...)
	return h, n
}

// signed is carol's request with body, signed for worker (a name).
func (n *billingNet) signed(t *testing.T, base, worker, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/agents/"+hex.EncodeToString(n.agent[:])+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	w, _ := hex.DecodeString(n.id[worker])
	agentio.SignRequest(req, n.chainID, n.agent, [32]byte(w), []byte(body), n.carol, time.Now())
	return req
}

// send sends a copy of req (its headers, body) to base and returns the
// status and the answer's body.
func send(t *testing.T, req *http.Request, base, body string) (int, string) {
	t.Helper()
	r, _ := http.NewRequest(req.Method, base+req.URL.RequestURI(), strings.NewReader(body))
	r.Header = req.Header.Clone()
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// costOf is what calls of the agent cost carol's escrow.
func costOf(calls int) pha.Amount {
	each, _ := callPrice.Add(agents.DefaultParams().CallFee)
	c, _ := each.MulDiv(pha.Units(uint64(calls)), pha.Units(1))
	return c
}

// TestRedTeamReplayToSecondWorker: carol's signed request is served once by
// the worker it names. The same bytes sent again to that worker, to the
// other member of the cluster directly (bypassing the gateway), through
// the gateway, and to the first worker after it was killed and restarted
// are each refused with the check that failed, and the owner is paid for
// one call.
func TestRedTeamReplayToSecondWorker(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short")
	}
	h, n := startBillingNet(t)
	if _, err := n.c.Send(t.Context(), n.carol, pha.Amount{}, "", &agents.MsgDeposit{Amount: pha.Whole(10)}); err != nil {
		t.Fatal(err)
	}
	var req *http.Request
	var body string
	waitFor(t, 60*time.Second, "carol's first call on w1", func() (bool, error) {
		// A refused request is not served, but its id is spent: sign anew.
		body = fmt.Sprintf("once-%d", time.Now().UnixNano())
		req = n.signed(t, n.ep["w1"], "w1", body)
		status, out := send(t, req, n.ep["w1"], body)
		if status == http.StatusPaymentRequired {
			return false, nil
		}
		if status != http.StatusOK {
			return false, fmt.Errorf("first call: %d %s", status, out)
		}
		return true, nil
	}, n.procs()...)

	for _, tc := range []struct {
		name, base string
		status     int
		want       string
	}{
		{"again to the same worker", n.ep["w1"], http.StatusConflict, "already served"},
		{"to the other member of the cluster", n.ep["w2"], http.StatusMisdirectedRequest, "signed for another worker"},
		{"through the gateway", n.gw, http.StatusConflict, "already served"},
	} {
		if status, out := send(t, req, tc.base, body); status != tc.status || !strings.Contains(out, tc.want) {
			t.Fatalf("%s: %d %s, want %d naming %q", tc.name, status, out, tc.status, tc.want)
		}
	}
	// The host kills the worker to make it forget what it served.
	n.workers[0].kill()
	n.restart(t, h, 0)
	waitFor(t, 60*time.Second, "the restarted w1 to answer", func() (bool, error) {
		status, out := send(t, req, n.ep["w1"], body)
		if status == 0 || status == http.StatusServiceUnavailable {
			return false, nil
		}
		if status != http.StatusConflict || !strings.Contains(out, "already served") {
			return false, fmt.Errorf("after a restart: %d %s, want 409 already served", status, out)
		}
		return true, nil
	}, n.procs()...)
	waitFor(t, 60*time.Second, "the one call settled", func() (bool, error) {
		a, err := n.c.Agent(t.Context(), n.agent)
		return err == nil && a.Calls >= 1, err
	}, n.procs()...)
	waitHeight(t, n.c, mustHeight(t, n.c)+5, 30*time.Second, n.dn)
	if a, _ := n.c.Agent(t.Context(), n.agent); a.Calls != 1 || a.Fees != callPrice {
		t.Fatalf("the owner was paid for %d calls (%s), want 1", a.Calls, a.Fees.PHA())
	}
	_ = h
}

// TestRedTeamParallelOverdraw: carol's escrow covers 10 calls; 32 calls at
// once, through the gateway and then directly to both members of the
// cluster, are served at most 10 times each round, and the owner is paid
// for exactly the calls served.
func TestRedTeamParallelOverdraw(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short")
	}
	_, n := startBillingNet(t)
	served, paid := 0, 0
	for round, bases := range [][]string{{n.gw}, {n.ep["w1"], n.ep["w2"]}} {
		if _, err := n.c.Send(t.Context(), n.carol, pha.Amount{}, "", &agents.MsgDeposit{Amount: costOf(10)}); err != nil {
			t.Fatal(err)
		}
		// Wait until both members see the deposit, so the burst is not
		// refused for a view a block behind.
		waitHeight(t, n.c, mustHeight(t, n.c)+3, 30*time.Second, n.dn)
		ok, refused := n.burst(t, 32, bases)
		if ok > 10 {
			t.Fatalf("round %d: %d of 32 calls served on an escrow that covers 10", round, ok)
		}
		if ok == 0 {
			t.Fatalf("round %d: no call served (refusals: %v)", round, refused)
		}
		served += ok
		t.Logf("round %d: %d served, refused: %v", round, ok, refused)
		waitFor(t, 60*time.Second, "the served calls settled", func() (bool, error) {
			a, err := n.c.Agent(t.Context(), n.agent)
			paid = int(a.Calls)
			return err == nil && paid >= served, err
		}, n.procs()...)
	}
	waitHeight(t, n.c, mustHeight(t, n.c)+5, 30*time.Second, n.dn)
	a, _ := n.c.Agent(t.Context(), n.agent)
	if want, _ := callPrice.MulDiv(pha.Units(uint64(served)), pha.Units(1)); int(a.Calls) != served || a.Fees != want {
		t.Fatalf("the owner was paid for %d calls (%s); %d were served", a.Calls, a.Fees.PHA(), served)
	}
}

// burst sends calls signed requests at once, spread over bases (the
// gateway, or workers w1 and w2 in that order), and counts the answers.
func (n *billingNet) burst(t *testing.T, calls int, bases []string) (int, map[int]int) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, refused := 0, map[int]int{}
	for i := range calls {
		base, worker := bases[i%len(bases)], []string{"w1", "w2"}[i%2]
		if len(bases) == 1 {
			// Through the gateway: sign for the worker it lists first.
			ts, err := client.AgentTargets(context.Background(), base, n.agent)
			if err != nil || len(ts) == 0 {
				t.Fatalf("targets: %v", err)
			}
			worker = map[string]string{n.id["w1"]: "w1", n.id["w2"]: "w2"}[ts[0].Worker]
		}
		body := fmt.Sprintf("burst-%d-%d", i, time.Now().UnixNano())
		req := n.signed(t, base, worker, body)
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, out := send(t, req, base, body)
			mu.Lock()
			defer mu.Unlock()
			if status == http.StatusOK && strings.HasPrefix(out, "ok ") {
				ok++
			} else {
				refused[status]++
			}
		}()
	}
	wg.Wait()
	return ok, refused
}
