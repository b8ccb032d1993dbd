package gateway_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/sandbox"
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
	d, err := devnet.Start(ctx, devnet.Options{Home: t.TempDir(), BlockTime: 100 * time.Millisecond, Workers: 2, Gatekeepers: -1, GatewayAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Stop() })
	for _, w := range d.Workers {
		<-w.Registered()
	}
	c, err := client.New(d.RPCURL)
	if err != nil {
		t.Fatal(err)
	}
	alice, err := d.Keyring.PrivKey("alice")
	if err != nil {
		t.Fatal(err)
	}
	outsider, member := d.Workers[0], d.Workers[1]
	if _, err := c.Send(ctx, alice, pha.Amount{}, "", &clusters.MsgCreate{}); err != nil {
		t.Fatal(err)
	}
	var list []clusters.Cluster
	if _, err := c.Query(ctx, "/clusters/list", &list); err != nil || len(list) != 1 {
		t.Fatalf("clusters %v %v", list, err)
	}
	cluster := [32]byte(list[0].ID)
	if _, err := c.Send(ctx, alice, pha.Amount{}, "", &clusters.MsgMember{Cluster: cluster, Worker: member.ID()}); err != nil {
		t.Fatal(err)
	}
	code, err := sandbox.Bundle(map[string]string{"a.js": `export default async function main(req) { return { status: 200, body: "ok" } }`}, "a.js")
	if err != nil {
		t.Fatal(err)
	}
	hash, _, err := c.UploadCode(ctx, alice, code)
	if err != nil {
		t.Fatal(err)
	}
	agent, _, err := c.DeployAgent(ctx, alice, hash, cluster, agents.Policy{Kind: agents.PolicyPublic}, pha.Amount{})
	if err != nil {
		t.Fatal(err)
	}

	// Wait until the gateway has probed both workers healthy, so that a
	// route to "any worker" would reach the outsider too.
	deadline := time.Now().Add(30 * time.Second)
	for gatewayGauge(t, d.Gateway.URL(), "phala_gateway_healthy_workers") < 2 {
		if time.Now().After(deadline) {
			t.Fatal("the gateway never saw both workers healthy")
		}
		time.Sleep(50 * time.Millisecond)
	}
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
}

// gatewayGauge reads one unlabelled gauge from the gateway's metrics.
func gatewayGauge(t *testing.T, base, name string) float64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`(?m)^` + name + ` (\S+)$`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("the gateway's metrics lack %s", name)
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}

// agentCalls sums a worker's phala_worker_agent_calls_total for one agent.
func agentCalls(t *testing.T, endpoint string, agent [32]byte) int {
	t.Helper()
	resp, err := http.Get(endpoint + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(fmt.Sprintf(`(?m)^phala_worker_agent_calls_total\{agent="%s",status="\d+"\} (\d+)$`, hex.EncodeToString(agent[:])))
	n := 0
	for _, m := range re.FindAllStringSubmatch(string(body), -1) {
		v, _ := strconv.Atoi(m[1])
		n += v
	}
	return n
}
