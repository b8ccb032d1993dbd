package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/tee"
)

// TestRealTEEWorkers runs `phala worker --tee sev-snp --tee-fake` and
// `--tee tdx --tee-fake` (the real providers over go-configfs-tsm and
// go-sev-guest fakes) against a devnet whose genesis trusts the fakes'
// roots. Both attest and register; the SEV-SNP worker is the gatekeeper,
// the TDX worker gets its sealing key from its KMS; both join a cluster,
// receive its key, run the token contract (a sealed command, a query) and
// serve agent calls through the gateway (the TDX worker alone while the
// other is down). After SIGKILL each comes back
// with the same identity and keys without registering again, and the
// contract's state still answers: SEV-SNP
// through the fake secure processor's derived key, TDX through the KMS
// (docs/workers.md, "What survives a restart").
func TestRealTEEWorkers(t *testing.T) {
	h := newHarness(t)
	n := h.startFakeTEENet()
	dn, home, url, gw := n.dn, n.home, n.url, n.gw
	sev, sevID, sevRec, sevArgs := n.sev, n.sevID, n.sevRec, n.sevArgs
	tdxW, tdxID, tdxRec, tdxArgs := n.tdx, n.tdxID, n.tdxRec, n.tdxArgs
	common := append(cliFlags(home, url), "--gateway", gw)
	run := func(args ...string) string { return h.mustRun(append(args, common...)...) }

	// The SEV-SNP and TDX workers form a cluster and hold its key.
	clusterID := fmt.Sprintf("%x", []byte(h.formCluster(cliFlags(home, url), url, []string{sevID, tdxID}, dn, sev, tdxW).ID))

	proj := filepath.Join(t.TempDir(), "hello")
	h.mustRun("agent", "init", proj)
	// This test is about the restarted workers' identities and keys, and
	// its cluster has two members: with one down, a kv write cannot reach
	// a majority (docs/agents.md, "Agent state: consistency"), so the agent
	// it deploys keeps no state.
	src := filepath.Join(proj, "agent.ts")
	code, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	stateless := strings.Replace(string(code), `const greetings = (kv.get<number>("greetings") ?? 0) + 1;
  kv.set("greetings", greetings);`, "const greetings = 1;", 1)
	if stateless == string(code) {
		t.Fatal("agent init's template no longer has the kv lines this test removes")
	}
	if err := os.WriteFile(src, []byte(stateless), 0o644); err != nil {
		t.Fatal(err)
	}
	agent := h.deployAgent(common, filepath.Join(proj, "agent.ts"), clusterID, nil, dn, sev)
	run("agent", "deposit", "5PHA", "--from", "alice")
	call := func(name string, procs ...*proc) {
		t.Helper()
		var out string
		waitFor(t, 30*time.Second, "an agent call served by a real-TEE worker", func() (bool, error) {
			r := h.run(append([]string{"agent", "call", agent, "/?name=" + name, "--seal", "--from", "alice"}, common...)...)
			out = r.stdout + r.stderr
			return r.code == 0, nil
		}, append(procs, dn)...)
		if !strings.Contains(out, `"hello":"`+name+`"`) {
			t.Fatalf("call: %s", out)
		}
	}
	for _, name := range []string{"One", "Two", "Three", "Four"} {
		call(name, sev, tdxW)
	}
	token := h.runToken(home, url, clusterID, dn, sev, tdxW)
	query := func(procs ...*proc) {
		t.Helper()
		waitFor(t, 30*time.Second, "the contract's sealed state through a query", func() (bool, error) {
			r := h.run(append([]string{"contract", "query", token, `{}`, "--from", "bob"}, cliFlags(home, url)...)...)
			return r.code == 0 && strings.TrimSpace(r.stdout) == "20", nil
		}, append(procs, dn)...)
	}
	query(sev, tdxW)

	// A restart unseals the same identity, master key and cluster key
	// (docs/workers.md): it serves again without registering anew.
	// With the SEV-SNP worker down, the TDX worker alone serves the call.
	sev.signal(syscall.SIGKILL)
	sev.waitExit(10 * time.Second)
	call("TdxOnly", tdxW)
	sev2 := h.restart(sev, "sev-worker-restarted", sevArgs, sevID)
	call("Again", sev2, tdxW)
	h.checkNotReregistered(url, sevRec)
	// The TDX worker gets the same key from the KMS (same measurement, same
	// chain), so it unseals the same identity and cluster key.
	tdx2 := h.restart(tdxW, "tdx-worker-restarted", tdxArgs, tdxID)
	call("TdxAgain", sev2, tdx2)
	query(sev2, tdx2)
	h.checkNotReregistered(url, tdxRec)
	waitFor(t, 30*time.Second, "the restarted TDX worker to serve with its cluster key", func() (bool, error) {
		r := h.run("query", "clusters", "--node", url, "--output", "json")
		var all []clusters.Cluster
		return r.code == 0 && json.Unmarshal([]byte(r.stdout), &all) == nil && len(all) == 1 && len(all[0].Holders) == 2, nil
	}, dn, tdx2)
	for _, p := range []*proc{tdx2, sev2} {
		p.interrupt()
		if code := p.waitExit(15 * time.Second); code != 0 {
			t.Fatalf("worker exited %d on SIGINT", code)
		}
	}
}

// fakeTEENet is a devnet trusting the fake TEE hardware, with an SEV-SNP
// worker over it as the gatekeeper and a TDX worker that got its sealing
// key from that gatekeeper's KMS.
type fakeTEENet struct {
	dn               *proc
	home, url, gw    string
	sev, tdx         *proc
	sevID, tdxID     string
	sevRec, tdxRec   registry.Worker
	sevArgs, tdxArgs []string
}

// startFakeTEENet starts a fakeTEENet: bob operates the SEV-SNP worker,
// carol the TDX worker.
func (h *harness) startFakeTEENet() *fakeTEENet {
	t := h.t
	t.Helper()
	n := &fakeTEENet{}
	n.dn, n.home, n.url = h.startDevnet("--workers", "0", "--tee-test-roots", "--block-time", "200ms")
	n.gw = n.dn.waitLine(reBannerGateway, 60*time.Second)[1]
	n.sevArgs = fakeWorkerArgs(t, tee.KindSEVSNP, "bob", n.home, n.url)
	n.sev = h.start("sev-worker", n.sevArgs...)
	n.sevID = n.sev.waitLine(reWorkerID, 30*time.Second)[1]
	n.sevRec = h.waitWorker(n.url, n.sevID, tee.KindSEVSNP, n.dn, n.sev)

	// The SEV-SNP worker is the first gatekeeper: it makes the master key
	// inside its enclave.
	h.mustRun(append([]string{"gov", "add-gatekeeper", n.sevID, "--from", "authority"}, cliFlags(n.home, n.url)...)...)
	waitFor(t, 30*time.Second, "the SEV-SNP gatekeeper to hold the master key", func() (bool, error) {
		st, err := h.keyState(n.url)
		return err == nil && st.Generation != nil, nil
	}, n.dn, n.sev)

	// The TDX worker has no hardware sealing key: on first start it
	// registers, then gets its key from the SEV-SNP gatekeeper's KMS and
	// seals its identity under it before it says who it is.
	n.tdxArgs = fakeWorkerArgs(t, tee.KindTDX, "carol", n.home, n.url)
	n.tdx = h.start("tdx-worker", n.tdxArgs...)
	n.tdxID = n.tdx.waitLine(reWorkerID, 90*time.Second)[1]
	n.tdxRec = h.waitWorker(n.url, n.tdxID, tee.KindTDX, n.dn, n.sev, n.tdx)
	return n
}

// runToken uploads and instantiates the example token contract on cluster,
// has alice send bob 20 in a sealed command, and returns its id.
func (h *harness) runToken(home, url, cluster string, procs ...*proc) string {
	t := h.t
	t.Helper()
	run := func(args ...string) string { return h.mustRun(append(args, cliFlags(home, url)...)...) }
	contract := h.deployToken(home, url, cluster, 500, procs...)
	bob := h.keyAddresses(home)["bob"]
	if out := run("contract", "exec", contract, `{"transfer":{"to":"`+bob+`","amount":20}}`, "--from", "alice"); !strings.Contains(out, `output: {"balance":480}`) {
		t.Fatalf("exec output:\n%s", out)
	}
	return contract
}

// fakeWorkerArgs are the arguments of `phala worker` over fake hardware of
// kind, with its own home, paid by operator.
func fakeWorkerArgs(t *testing.T, kind tee.Kind, operator, home, url string) []string {
	return []string{"worker", "--home", filepath.Join(t.TempDir(), string(kind)), "--node", url, "--tee", string(kind), "--tee-fake",
		"--operator", operator, "--keyring-dir", home, "--keyring-backend", "test"}
}

// waitWorker waits until worker id is registered with an endpoint, as a
// worker of kind, and returns its record.
func (h *harness) waitWorker(url, id string, kind tee.Kind, procs ...*proc) registry.Worker {
	h.t.Helper()
	var rec registry.Worker
	waitFor(h.t, 30*time.Second, "the "+string(kind)+" worker to register", func() (bool, error) {
		var ws []registry.Worker
		r := h.run("query", "workers", "--node", url, "--output", "json")
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &ws) != nil {
			return false, nil
		}
		for _, x := range ws {
			if x.ID.String() == id && x.Endpoint != "" {
				rec = x
				return true, nil
			}
		}
		return false, nil
	}, procs...)
	if rec.TEE != kind {
		h.t.Fatalf("worker registered as %q, want %s: %+v", rec.TEE, kind, rec)
	}
	return rec
}

// restart SIGKILLs p and starts it again under name, checking that it
// comes back with identity id.
func (h *harness) restart(p *proc, name string, args []string, id string) *proc {
	h.t.Helper()
	p.signal(syscall.SIGKILL)
	p.waitExit(10 * time.Second)
	p2 := h.start(name, args...)
	if got := p2.waitLine(reWorkerID, 60*time.Second)[1]; got != id {
		h.t.Fatalf("%s: identity changed across a restart: %s -> %s", name, id, got)
	}
	return p2
}

// checkNotReregistered checks that the worker of first still has the
// record it registered with.
func (h *harness) checkNotReregistered(url string, first registry.Worker) {
	h.t.Helper()
	var ws []registry.Worker
	h.mustRunJSON(&ws, "query", "workers", "--node", url, "--output", "json")
	for _, x := range ws {
		if x.ID == first.ID && x.RegisteredHeight != first.RegisteredHeight {
			h.t.Fatalf("re-registered after the restart: %+v, first %+v", x, first)
		}
	}
}
