package gateway_test

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/devnet/devnettest"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/worker"
)

// TestAgentCallsStayInTheCluster: while an agent's cluster has members but
// no key holders (here: no gatekeeper ever hands out the cluster key; in
// life, the blocks after a rotation or a removal), the gateway sends the
// agent's calls to the cluster's members only, never to other workers.
func TestAgentCallsStayInTheCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a devnet")
	}
	ctx := context.Background()
	d, c, alice := startDevnet(t, devnet.Options{Workers: 2, Gatekeepers: -1})
	outsider, member := d.Workers[0], d.Workers[1]
	cluster := devnettest.NewCluster(t, d, c, []*worker.Worker{member})
	agent := devnettest.DeployAgent(t, c, alice, `export default async function main(req) { return { status: 200, body: "ok" } }`, cluster, pha.Amount{})

	// Wait until the gateway has probed both workers healthy, so that a
	// route to "any worker" would reach the outsider too.
	waitUntil(t, "the gateway to see both workers healthy", func() bool {
		return gatewayGauge(t, d.Gateway.URL(), "phala_gateway_healthy_workers") == 2
	})
	// No worker holds the cluster key, so no call can succeed; what
	// matters is who is asked.
	for i := range 12 {
		_, err := c.CallAgent(ctx, alice, d.Gateway.URL(), agent, "POST", "/", []byte(strconv.Itoa(i)))
		if err == nil {
			t.Fatal("an agent answered without its cluster's key")
		}
	}
	if n := agentCalls(t, outsider.Endpoint(), agent); n != 0 {
		t.Fatalf("the gateway sent %d of the agent's calls to a worker outside its cluster", n)
	}
	if n := agentCalls(t, member.Endpoint(), agent); n == 0 {
		t.Fatal("the cluster's member was never asked")
	}
	// The agent's workers, as clients sign for them, are its cluster's;
	// a request signed for the outsider is refused, not forwarded.
	ts, err := client.AgentTargets(ctx, d.Gateway.URL(), agent)
	if id := member.ID(); err != nil || len(ts) != 1 || ts[0].Worker != hex.EncodeToString(id[:]) {
		t.Fatalf("the agent's workers: %+v %v", ts, err)
	}
	chainID, _ := c.ChainID(ctx)
	req, _ := http.NewRequest(http.MethodPost, d.Gateway.URL()+"/agents/"+hex.EncodeToString(agent[:])+"/", nil)
	agentio.SignRequest(req, chainID, agent, [32]byte(outsider.ID()), nil, alice, time.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusMisdirectedRequest || !regexp.MustCompile(`X-Phala-Target names worker [0-9a-f]+, which does not serve this`).Match(body) {
		t.Fatalf("a request signed for a worker outside the cluster: %s %s", resp.Status, body)
	}
	if n := agentCalls(t, outsider.Endpoint(), agent); n != 0 {
		t.Fatalf("the gateway forwarded a call signed for the outsider to it (%d)", n)
	}
}

// TestAgentCallsStickToOneMember: with two members holding the cluster
// key, every call of an agent goes to the same one, and a counter the
// agent keeps in its kv counts up by one per call; when that member stops,
// the other takes every call, but a kv write, which needs a majority of
// the two (docs/agents.md, "Agent state: consistency"), is refused with
// 503 rather than counted on a state that may be stale.
func TestAgentCallsStickToOneMember(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a devnet")
	}
	ctx := context.Background()
	d, c, alice := startDevnet(t, devnet.Options{Workers: 3, Gatekeepers: 1, Cluster: true})
	var list []clusters.Cluster
	waitUntil(t, "both members to hold the cluster key", func() bool {
		_, err := c.Query(ctx, "/clusters/list", &list)
		return err == nil && len(list) == 1 && len(list[0].Holders) == 2
	})
	waitUntil(t, "the gateway to see all three workers healthy", func() bool {
		return gatewayGauge(t, d.Gateway.URL(), "phala_gateway_healthy_workers") == 3
	})
	agent := devnettest.DeployAgent(t, c, alice, `export default async function main(req) {
  if (req.method === "GET") return { status: 200, body: "up" };
  const n = (kv.get("n") ?? 0) + 1; kv.set("n", n); return { status: 200, body: String(n) } }`, [32]byte(list[0].ID), pha.Amount{})
	if _, err := c.Send(ctx, alice, pha.Amount{}, "", &agents.MsgDeposit{Amount: pha.Whole(10)}); err != nil {
		t.Fatal(err)
	}
	call := func() (string, [32]byte) {
		t.Helper()
		r, err := c.CallAgent(ctx, alice, d.Gateway.URL(), agent, "POST", "/", nil)
		if err != nil {
			t.Fatal(err)
		}
		return string(r.Body), r.Answer.Worker
	}
	var first [32]byte
	waitUntil(t, "the agent to answer", func() bool {
		_, err := c.CallAgent(ctx, alice, d.Gateway.URL(), agent, "POST", "/", nil)
		return err == nil
	})
	// The warm-up call counted 1 on the worker that answered it.
	for i := 2; i <= 8; i++ {
		body, w := call()
		if i == 2 {
			first = w
		}
		if w != first || body != strconv.Itoa(i) {
			t.Fatalf("call %d: %q from worker %x; the agent's calls go to %x", i, body, w[:8], first[:8])
		}
	}
	for _, w := range d.Workers {
		if w.ID() == first {
			if err := w.Stop(); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The other member takes over for every call; alone it is not a
	// majority, so it writes nothing.
	var second [32]byte
	waitUntil(t, "the other member to answer", func() bool {
		r, err := c.CallAgent(ctx, alice, d.Gateway.URL(), agent, "GET", "/", nil)
		if err != nil {
			return false
		}
		second = r.Answer.Worker
		return true
	})
	if second == first {
		t.Fatal("a stopped worker answered")
	}
	for range 4 {
		r, err := c.CallAgent(ctx, alice, d.Gateway.URL(), agent, "GET", "/", nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.Answer.Worker != second {
			t.Fatalf("after the failover a call went to %x, not %x", r.Answer.Worker[:8], second[:8])
		}
	}
	// Asked directly (through the gateway the client would go on to the
	// stopped member and report its 502).
	var survivor string
	for _, w := range d.Workers {
		if w.ID() == second {
			survivor = w.Endpoint()
		}
	}
	_, werr := c.CallAgent(ctx, alice, survivor, agent, "POST", "/", nil)
	if werr == nil || !strings.Contains(werr.Error(), "503") || !strings.Contains(werr.Error(), "majority") {
		t.Fatalf("a kv write on one member of two: %v, want 503 naming the majority", werr)
	}
}

// waitUntil polls cond until it holds, for at most 30 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// metrics fetches the Prometheus text a server at base exposes.
func metrics(t *testing.T, base string) []byte {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// gatewayGauge reads one unlabelled gauge from the gateway's metrics.
func gatewayGauge(t *testing.T, base, name string) float64 {
	t.Helper()
	body := metrics(t, base)
	m := regexp.MustCompile(`(?m)^` + name + ` (\S+)$`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("the gateway's metrics lack %s", name)
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}

// agentCalls sums a worker's phala_worker_agent_calls_total for one agent,
// with the calls the worker counts under agent "-" (those for agents it
// has served no call for: the only agent of the tests that use this).
func agentCalls(t *testing.T, endpoint string, agent [32]byte) int {
	t.Helper()
	return agentCallsAnswered(t, endpoint, agent, `\d+`) + agentCallsLabeled(t, endpoint, "-", `\d+`)
}

// agentCallsAnswered sums a worker's phala_worker_agent_calls_total for
// one agent and the statuses the pattern status matches.
func agentCallsAnswered(t *testing.T, endpoint string, agent [32]byte, status string) int {
	t.Helper()
	return agentCallsLabeled(t, endpoint, hex.EncodeToString(agent[:]), status)
}

// agentCallsLabeled sums a worker's phala_worker_agent_calls_total for the
// agent label and the statuses the pattern status matches.
func agentCallsLabeled(t *testing.T, endpoint, label, status string) int {
	t.Helper()
	body := metrics(t, endpoint)
	re := regexp.MustCompile(fmt.Sprintf(`(?m)^phala_worker_agent_calls_total\{agent="%s",status="%s"\} (\d+)$`, regexp.QuoteMeta(label), status))
	n := 0
	for _, m := range re.FindAllStringSubmatch(string(body), -1) {
		v, _ := strconv.Atoi(m[1])
		n += v
	}
	return n
}

// startDevnet runs a devnet with 100ms blocks and a gateway under a
// temporary home, stopped when the test ends; it returns the devnet, a
// client of its node and alice's key.
func startDevnet(t *testing.T, opts devnet.Options) (*devnet.Devnet, *client.Client, ed25519.PrivateKey) {
	t.Helper()
	opts.BlockTime, opts.GatewayAddr = 100*time.Millisecond, "127.0.0.1:0"
	d, c := devnettest.Start(t, opts)
	return d, c, devnettest.Key(t, d, "alice")
}
