package e2e

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/keyring"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/sandbox"
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
	if testing.Short() {
		t.Skip("skipped with -short")
	}
	h := newHarness(t)
	tw := startTwoWorkers(t, h)
	dn, home, url, gw, kr := tw.dn, tw.home, tw.url, tw.gw, tw.kr
	w1, w2, id1, id2, startWorker := tw.w1, tw.w2, tw.id1, tw.id2, tw.startWorker
	cl := []clusters.Cluster{tw.cluster}

	var up struct {
		CodeHash string `json:"code_hash"`
	}
	json.Unmarshal([]byte(h.mustRun(append([]string{"contract", "upload", filepath.Join(repoRoot, "examples", "contracts", "token", "token.ts"), "--from", "alice", "--output", "json"}, kr...)...)), &up)
	var inst struct {
		Contract string `json:"contract"`
	}
	cid := fmt.Sprintf("%x", []byte(cl[0].ID))
	json.Unmarshal([]byte(h.mustRun(append([]string{"contract", "instantiate", up.CodeHash, "--cluster", cid, "--args", `{"supply":1000}`, "--from", "alice", "--output", "json"}, kr...)...)), &inst)
	info := func() contracts.Contract {
		var c contracts.Contract
		h.mustRunJSON(&c, "contract", "info", inst.Contract, "--node", url, "--output", "json")
		return c
	}
	waitFor(t, 60*time.Second, "the token's keys and constructor", func() (bool, error) {
		c := info()
		return len(c.ECDHKey) == 32 && c.Results == 1, nil
	}, dn, w1, w2)
	calls := startAgentLoad(t, h, home, url, gw, [32]byte(cl[0].ID), dn, w1, w2)

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
			r := h.run(append([]string{"contract", "exec", inst.Contract, `{"transfer":{"to":"` + dave + `","amount":1}}`, "--from", "alice", "--wait", "0"}, kr...)...)
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
	}, dn, w1, w2)
	// Kill the replica that serves the agent (the gateway sends all of an
	// agent's calls to one member while it is up), so its receipts not yet
	// posted are at stake.
	type replica struct {
		p              **proc
		name, id, oper string
	}
	victim := replica{&w1, "w1", id1, "bob"}
	if calls.servedBy() == id2 {
		victim = replica{&w2, "w2", id2, "carol"}
	} else if calls.servedBy() != id1 {
		t.Fatalf("the agent's calls were answered by %s, neither replica", calls.servedBy())
	}
	(*victim.p).kill()
	t.Logf("killed %s (%s), the agent's worker, in the middle of the load", victim.name, victim.id[:16])
	*victim.p = startWorker(victim.name+"-restarted", victim.name, victim.oper)
	if got := (*victim.p).waitLine(reWorkerID, 30*time.Second)[1]; got != victim.id {
		t.Fatalf("%s came back as %s, was %s", victim.name, got, victim.id)
	}
	// The worker logs (to stderr) before it prints its id.
	log, _ := os.ReadFile((*victim.p).stderrPath)
	if m := regexp.MustCompile(`usage receipts kept across the restart.* receipts=(\d+)`).FindSubmatch(log); m != nil {
		t.Logf("%s kept %s usage receipts across the kill", victim.name, m[1])
	}
	wg.Wait()
	calls.stop(t)
	if len(sendErrs) > 0 {
		t.Fatalf("%d commands were not accepted: %s", len(sendErrs), strings.Join(sendErrs, "; "))
	}
	waitFor(t, 90*time.Second, "every command's result", func() (bool, error) {
		c := info()
		return c.Inputs == 1+each && c.Results == c.Inputs, nil
	}, dn, w1, w2)
	// Both replicas, the killed one included, report the same root for
	// the last input.
	last := strconv.Itoa(each)
	waitFor(t, 60*time.Second, "both replicas' roots for the last input", func() (bool, error) {
		var rep contracts.RootReport
		c := newClient(t, url)
		if _, err := c.Query(t.Context(), "/contracts/roots/"+inst.Contract+"/"+last, &rep); err != nil {
			return false, nil
		}
		return len(rep.Votes) == 2 && len(rep.Majority) == 32 && len(rep.Diverged) == 0, nil
	}, dn, w1, w2)
	// Nothing lost: alice's balance, read from a replica that has run
	// every input, is the supply less what she sent.
	if out := strings.TrimSpace(h.mustRun(append([]string{"contract", "query", inst.Contract, `{}`, "--from", "alice"}, kr...)...)); out != strconv.Itoa(1000-each) {
		t.Fatalf("alice's token balance %s, want %d", out, 1000-each)
	}
	calls.checkBilled(t, dn, w1, w2)
}

// twoWorkers is a devnet whose gatekeeper is its own and whose one
// cluster has two members, each a separate `phala worker` process.
type twoWorkers struct {
	dn            *proc
	home, url, gw string
	kr            []string
	w1, w2        *proc
	id1, id2      string
	cluster       clusters.Cluster
	// listen is each worker\'s address ("w1", "w2").
	listen map[string]string
	// startWorker starts (or restarts, on its home and listen address)
	// worker dir ("w1" or "w2") with an operator account.
	startWorker func(name, dir, operator string) *proc
}

// startTwoWorkers starts the devnet, the two workers (operators bob and
// carol) and the cluster, and waits until both members hold its key.
func startTwoWorkers(t *testing.T, h *harness) *twoWorkers {
	t.Helper()
	return startTwoWorkersWith(t, h, nil, nil)
}

// startTwoWorkersWith is startTwoWorkers with more devnet flags, and more
// flags for each worker (by its dir) once the devnet's home is known.
func startTwoWorkersWith(t *testing.T, h *harness, devnetArgs []string, workerArgs func(home, dir string) []string) *twoWorkers {
	t.Helper()
	tw := &twoWorkers{}
	tw.dn, tw.home, tw.url = h.startDevnet(append([]string{"--block-time", "200ms",
		"--workers", "1", "--gatekeepers", "1", "--cluster=false"}, devnetArgs...)...)
	dn, home, url := tw.dn, tw.home, tw.url
	waitHeight(t, newClient(t, url), 2, 30*time.Second, dn)
	tw.kr = cliFlags(home, url)
	tw.gw = dn.waitLine(reBannerGateway, 30*time.Second)[1]
	// Fixed listen ports keep the endpoints the gateway routes to across
	// a restart.
	listen := map[string]string{"w1": fmt.Sprintf("127.0.0.1:%d", freePort(t)), "w2": fmt.Sprintf("127.0.0.1:%d", freePort(t))}
	tw.listen = listen
	extra := func(home, dir string) []string { return nil }
	if workerArgs != nil {
		extra = workerArgs
	}
	tw.startWorker = func(name, dir, operator string) *proc {
		wh := filepath.Join(filepath.Dir(home), dir)
		return h.start(name, append([]string{"worker", "--home", wh, "--node", url, "--tee", "sim", "--operator", operator, "--listen", listen[dir],
			"--keyring-dir", home, "--keyring-backend", "test", "--sim-attestation-key", filepath.Join(home, "config", "sim_attestation_key")}, extra(home, dir)...)...)
	}
	tw.w1, tw.w2 = tw.startWorker("w1", "w1", "bob"), tw.startWorker("w2", "w2", "carol")
	tw.id1 = tw.w1.waitLine(reWorkerID, 30*time.Second)[1]
	tw.id2 = tw.w2.waitLine(reWorkerID, 30*time.Second)[1]
	waitFor(t, 30*time.Second, "both workers registered", func() (bool, error) {
		var ws []registry.Worker
		r := h.run("query", "workers", "--node", url, "--output", "json")
		return r.code == 0 && json.Unmarshal([]byte(r.stdout), &ws) == nil && len(ws) == 3, nil
	}, dn, tw.w1, tw.w2)
	h.mustRun(append([]string{"cluster", "create", "--from", "alice"}, tw.kr...)...)
	var cl []clusters.Cluster
	h.mustRunJSON(&cl, "query", "clusters", "--node", url, "--output", "json")
	cid := fmt.Sprintf("%x", []byte(cl[0].ID))
	for _, id := range []string{tw.id1, tw.id2} {
		h.mustRun(append([]string{"cluster", "add", cid, id, "--from", "alice"}, tw.kr...)...)
	}
	waitFor(t, 60*time.Second, "both members to hold the cluster key", func() (bool, error) {
		h.mustRunJSON(&cl, "query", "clusters", "--node", url, "--output", "json")
		return len(cl[0].Holders) == 2, nil
	}, dn, tw.w1, tw.w2)
	tw.cluster = cl[0]
	return tw
}

// callPrice is the loaded agent's price: 0.01 PHA.
var callPrice = pha.Units(10_000_000_000)

// agentLoad is paid agent calls through the gateway from two loops.
type agentLoad struct {
	c     *client.Client
	agent [32]byte
	halt  chan struct{}
	wg    sync.WaitGroup
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
// escrow and starts calling it until stop.
func startAgentLoad(t *testing.T, h *harness, home, url, gw string, cluster [32]byte, procs ...*proc) *agentLoad {
	t.Helper()
	c := newClient(t, url)
	kr, err := keyring.Open(home, keyring.BackendTest, nil)
	if err != nil {
		t.Fatal(err)
	}
	alice, _ := kr.PrivKey("alice")
	carol, _ := kr.PrivKey("carol")
	code, err := sandbox.Bundle(map[string]string{"a.js": `export default async function main(req) { return { status: 200, body: "ok " + req.body } }`}, "a.js")
	if err != nil {
		t.Fatal(err)
	}
	hash, _, err := c.UploadCode(t.Context(), alice, code)
	if err != nil {
		t.Fatal(err)
	}
	l := &agentLoad{c: c, halt: make(chan struct{})}
	if l.agent, _, err = c.DeployAgent(t.Context(), alice, hash, cluster, agents.Policy{Kind: agents.PolicyPublic}, callPrice); err != nil {
		t.Fatal(err)
	}
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
	for i := range 2 {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for n := 0; ; n++ {
				select {
				case <-l.halt:
					return
				default:
				}
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
			}
		}()
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
	close(l.halt)
	l.wg.Wait()
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
