package worker_test

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/crypto/envelope"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/egress"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/pruntime"
	"github.com/phalanetwork/phala/sandbox"
)

// TestAgentsEndToEnd: two agents on a devnet cluster, one in TypeScript
// using a secret, fetch, its KV store, its log and agents.call to the other,
// written in the shape of Phala's agent template. Calls are authenticated,
// policed and paid; the answer is signed by the worker; the secret stays in
// the enclaves.
func TestAgentsEndToEnd(t *testing.T) {
	const canary = "sk-agent-canary-51c0ffee"
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+canary {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		w.Write([]byte("private data"))
	}))
	t.Cleanup(server.Close)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("should not be reached")) }))
	t.Cleanup(other.Close)

	logs := &lockedBuffer{}
	d, c := startDevnet(t, devnet.Options{Workers: 2, Gatekeepers: 1, Cluster: true, GatewayAddr: "127.0.0.1:0",
		Agents: pruntime.AgentRuntime{Egress: egress.Policy{AllowHosts: []string{strings.TrimPrefix(server.URL, "http://")}}, Limits: sandbox.Limits{Time: 10 * time.Second * raceSlowdown}}}, logs)
	home := d.Home
	ctx := context.Background()
	alice, _ := d.Keyring.PrivKey("alice")
	bob, _ := d.Keyring.PrivKey("bob")
	carol, _ := d.Keyring.PrivKey("carol")
	cl := waitDevnetCluster(t, c)
	member := d.Workers[1]

	deploy := func(file string, policy agents.Policy, price pha.Amount) [32]byte {
		t.Helper()
		return deployAgentFile(t, c, alice, [32]byte(cl.ID), file, policy, price)
	}
	helper := deploy("testdata/agents/template.js", agents.Policy{Kind: agents.PolicyPublic}, pha.Amount{})
	main := deploy("testdata/agents/main.ts", agents.Policy{Kind: agents.PolicyAllowList, Allow: []address.Address{addrOf(bob)}}, pha.Whole(1))
	if _, err := c.SetAgentSecrets(ctx, alice, main, map[string]string{"API_KEY": canary}); err != nil {
		t.Fatal(err)
	}
	endpoint := member.Endpoint()
	args, _ := json.Marshal(map[string]string{"server": server.URL, "loopback": other.URL, "helper": hex.EncodeToString(helper[:])})

	// A caller the policy refuses, then an allowed one with no escrow.
	if _, err := c.CallAgent(ctx, carol, endpoint, main, "POST", "/run", args); err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("carol: %v", err)
	}
	if _, err := c.CallAgent(ctx, bob, endpoint, main, "POST", "/run", args); err == nil || !strings.Contains(err.Error(), "402") {
		t.Fatalf("bob without escrow: %v", err)
	}
	// Callers with nothing in escrow, among them keys made for the
	// purpose, which cost nothing: each is refused without the worker
	// asking the chain to hold escrow that is not there (a transaction
	// and a hold record per key, for free, and the call waiting a block
	// with its admission slot taken).
	freeloaders := []ed25519.PrivateKey{bob}
	for range 4 {
		_, k, _ := ed25519.GenerateKey(rand.Reader)
		freeloaders = append(freeloaders, k)
	}
	for _, k := range freeloaders {
		if _, err := c.CallAgent(ctx, k, endpoint, helper, "POST", "/", nil); err == nil || !strings.Contains(err.Error(), "402") {
			t.Fatalf("a caller with no escrow: %v", err)
		}
	}
	for _, k := range freeloaders {
		var h agents.Hold
		if _, err := c.Query(ctx, agents.HoldPath(addrOf(k), [32]byte(member.ID())), &h); err == nil || !strings.Contains(err.Error(), "holds none") {
			t.Fatalf("after a refused call the chain holds %+v for a caller with no escrow (%v)", h, err)
		}
	}
	if _, err := c.Send(ctx, bob, pha.Amount{}, "", &agents.MsgDeposit{Amount: pha.Whole(10)}); err != nil {
		t.Fatal(err)
	}
	var r *client.AgentResponse
	var err error
	eventually(t, "bob's call once the escrow is visible", func() (bool, error) {
		r, err = c.CallAgent(ctx, bob, endpoint, main, "POST", "/run?q=1", args)
		if err != nil && strings.Contains(err.Error(), "402") {
			return false, nil
		}
		return true, err
	})
	var out struct {
		Fetched, Loopback, Metadata, Path string
		Helper                            map[string]string
		Count                             int
		Q                                 []string
	}
	if err := json.Unmarshal(r.Body, &out); err != nil {
		t.Fatalf("answer %s: %v", r.Body, err)
	}
	if r.Status != 200 || out.Fetched != "private data" || out.Count != 1 || out.Path != "/run" || len(out.Q) != 1 ||
		out.Helper["echo"] != "hello" || out.Helper["path"] != "/echo" || out.Helper["method"] != "POST" {
		t.Fatalf("answer %d %s", r.Status, r.Body)
	}
	if !strings.Contains(out.Loopback, "loopback") || !strings.Contains(out.Metadata, "169.254.169.254") {
		t.Fatalf("egress not refused: loopback %q, metadata %q", out.Loopback, out.Metadata)
	}
	// The answer is signed by a registered worker over this request.
	w, err := c.VerifyWorker(ctx, r.Answer)
	if err != nil || w.ID != member.ID() {
		t.Fatalf("signer %v: %v", w.ID, err)
	}
	if err := r.Answer.Check(agentio.Expect{Status: r.Status, Header: r.Header, Body: append(r.Body, ' ')}); !errors.Is(err, agentio.ErrAnswerResponse) {
		t.Fatalf("a changed body: %v, want %v", err, agentio.ErrAnswerResponse)
	}

	// Through the gateway, in the clear and sealed end to end: the sealed
	// call's method, path and body travel as ciphertext to the enclave and
	// back.
	gw := d.Gateway.URL()
	eventually(t, "a call through the gateway", func() (bool, error) {
		r, err := c.CallAgent(ctx, bob, gw, helper, "PUT", "/plain?x=1", []byte("clear"))
		return err == nil && strings.Contains(string(r.Body), `"echo":"clear"`), nil
	})
	sr, err := c.CallAgentSealed(ctx, bob, gw, helper, "PATCH", "/hidden?y=2", []byte("sealed-body-7d1e"))
	if err != nil || sr.Status != 200 || !strings.Contains(string(sr.Body), `"echo":"sealed-body-7d1e"`) || !strings.Contains(string(sr.Body), `"path":"/hidden"`) ||
		!strings.Contains(string(sr.Body), `"method":"PATCH"`) {
		t.Fatalf("sealed call: %+v %v", sr, err)
	}
	if _, err := c.VerifyWorker(ctx, sr.Answer); err != nil {
		t.Fatal(err)
	}
	// Unauthenticated calls stop at the gateway.
	resp0, err := http.Post(gw+"/agents/"+hex.EncodeToString(helper[:])+"/", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp0.Body.Close()
	if resp0.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unsigned call through the gateway: %s", resp0.Status)
	}

	// Hostile handlers get their own errors and the worker serves on; the
	// worker's metrics count calls and limit hits, and carry no secret.
	hostile := deploy("testdata/agents/hostile.js", agents.Policy{Kind: agents.PolicyPublic}, pha.Amount{})
	for path, want := range map[string]string{"/memory": "memory", "/recurse": "stack overflow", "/output": "output", "/throw": "handler refused"} {
		_, err := c.CallAgent(ctx, bob, endpoint, hostile, "GET", path, nil)
		if err == nil || !strings.Contains(err.Error(), "500") || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want a 500 naming %q", path, err, want)
		}
	}
	if r, err := c.CallAgent(ctx, bob, endpoint, hostile, "GET", "/", nil); err != nil || string(r.Body) != "fine" {
		t.Fatalf("after hostile calls: %v", err)
	}
	scrape := func() []byte {
		t.Helper()
		resp, err := http.Get(endpoint + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return b
	}
	metrics := scrape()
	for _, want := range []string{
		`phala_worker_agent_calls_total{agent="` + hex.EncodeToString(hostile[:]) + `",status="500"} 4`,
		`phala_worker_sandbox_limit_hits_total{limit="memory"} 1`,
		`phala_worker_sandbox_limit_hits_total{limit="stack"} 1`,
		`phala_worker_sandbox_limit_hits_total{limit="output"} 1`,
		"\nphala_worker_receipts_pending ",
	} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	assertNoSecrets(t, "metrics", metrics, map[string][]byte{"agent secret": []byte(canary)})

	// Anyone may name any agent id: a label per id named would grow the
	// worker's series (and its memory) without bound for the price of an
	// unauthenticated request. Ids that no call was served for share one
	// series; an id spelled in capitals is counted as the agent's own.
	junk := []string{strings.ToUpper(hex.EncodeToString(hostile[:]))}
	for range 30 {
		var id [32]byte
		rand.Read(id[:])
		junk = append(junk, hex.EncodeToString(id[:]))
	}
	for _, id := range junk {
		resp, err := http.Post(endpoint+"/agents/"+id+"/x", "text/plain", strings.NewReader("x"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	metrics = scrape()
	for _, id := range junk {
		if strings.Contains(string(metrics), id) {
			t.Fatalf("the worker keeps a series for the agent id %s, which no call was served for", id)
		}
	}
	if want := `phala_worker_agent_calls_total{agent="-",status="401"} ` + fmt.Sprint(len(junk)-1); !strings.Contains(string(metrics), want) {
		t.Errorf("metrics lack %s", want)
	}

	// A signed request sent twice is served once.
	req, _ := http.NewRequest("POST", endpoint+"/agents/"+hex.EncodeToString(main[:])+"/run", bytes.NewReader(args))
	agentio.SignRequest(req, "phala-devnet", main, [32]byte(member.ID()), args, bob, time.Now())
	for i, want := range []int{200, http.StatusConflict} {
		again := req.Clone(ctx)
		again.Body = io.NopCloser(bytes.NewReader(args))
		resp, err := http.DefaultClient.Do(again)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("send %d: %s, want %d", i, resp.Status, want)
		}
	}

	// The calls are settled on chain from bob's escrow: 1 PHA a call to
	// alice, the owner, plus the network part.
	eventually(t, "the receipts to settle", func() (bool, error) {
		a, err := c.Agent(ctx, main)
		return a.Calls == 2 && a.Fees == pha.Whole(2), err
	})
	var esc agents.EscrowView
	c.Query(ctx, "/agents/escrow/"+addrOf(bob).String(), &esc)
	if !esc.Balance.LT(pha.Whole(8)) {
		t.Fatalf("bob's escrow %s after two paid calls", esc.Balance.PHA())
	}

	// The owner reads the agent's log, sealed to a reply key.
	reply, _ := ecdh.X25519().GenerateKey(rand.Reader)
	lreq, _ := http.NewRequest("GET", endpoint+"/agents/"+hex.EncodeToString(main[:])+"/_logs", nil)
	lreq.Header.Set(agentio.HeaderReplyKey, hex.EncodeToString(reply.PublicKey().Bytes()))
	agentio.SignRequest(lreq, "phala-devnet", main, [32]byte{}, nil, alice, time.Now())
	resp, err := http.DefaultClient.Do(lreq)
	if err != nil {
		t.Fatal(err)
	}
	sealedLog, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	env, err := envelope.Decode(sealedLog)
	if err != nil {
		t.Fatalf("log %s: %v", sealedLog, err)
	}
	plain, err := envelope.Open(reply, envelope.PurposeAgentLog, env)
	if err != nil || !strings.Contains(string(plain), "served call 1 with key "+canary) {
		t.Fatalf("log: %s %v", plain, err)
	}
	// A master-key rotation moves the cluster, and so the agent's key, to a
	// new epoch: a member re-seals the secrets to the new key and calls go on.
	auth, _ := d.Keyring.PrivKey(devnet.AuthorityAccount)
	if _, err := c.Send(ctx, auth, pha.Amount{}, "", &keys.MsgRotate{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the secrets re-sealed to the agent's new key", func() (bool, error) {
		a, err := c.Agent(ctx, main)
		return a.KeyEpoch == 1 && a.SecretsEpoch == 1, err
	})
	eventually(t, "a call with the re-sealed secrets", func() (bool, error) {
		r, err := c.CallAgent(ctx, bob, endpoint, main, "POST", "/run", args)
		if err != nil {
			return false, nil // the member may still be taking in the new key
		}
		return strings.Contains(string(r.Body), `"fetched":"private data"`), nil
	})

	d.Stop()
	secrets := map[string][]byte{"agent secret": []byte(canary), "sealed request body": []byte("sealed-body-7d1e")}
	assertNoSecretsUnder(t, home, secrets)
	assertNoSecrets(t, "logs", logs.Bytes(), secrets)
}

func addrOf(k ed25519.PrivateKey) address.Address {
	return address.FromPubKey(k.Public().(ed25519.PublicKey))
}

// waitDevnetCluster waits until the devnet's one cluster has its member
// holding its key, and returns it.
func waitDevnetCluster(t *testing.T, c *client.Client) clusters.Cluster {
	t.Helper()
	var cl clusters.Cluster
	eventually(t, "the devnet cluster's member to hold its key", func() (bool, error) {
		var list []clusters.Cluster
		_, err := c.Query(context.Background(), "/clusters/list", &list)
		if len(list) == 1 {
			cl = list[0]
		}
		return len(list) == 1 && len(cl.Holders) == 1, err
	})
	return cl
}

// deployAgentFile uploads and deploys the agent in file to cluster as
// key's, and waits for its keys.
func deployAgentFile(t *testing.T, c *client.Client, key ed25519.PrivateKey, cluster [32]byte, file string, policy agents.Policy, price pha.Amount) [32]byte {
	t.Helper()
	id, _, err := c.DeployAgent(context.Background(), key, uploadExample(t, c, key, file), cluster, policy, price)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the agent's keys", func() (bool, error) {
		a, err := c.Agent(context.Background(), id)
		return len(a.ECDHKey) == 32, err
	})
	return id
}
