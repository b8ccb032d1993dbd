package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestAgentCLI is the agent developer's path through the binary: init a
// TypeScript project, run its tests locally, deploy it to the default
// devnet, set a secret, call it through the gateway (plain and sealed),
// verify the signed answer offline, read the owner's log.
// reBannerCluster is the devnet banner's cluster line.
var reBannerCluster = regexp.MustCompile(`^\s*cluster:\s+([0-9a-f]{64})\s`)

func TestAgentCLI(t *testing.T) {
	model := testModel(t)
	h := newHarness(t)
	dn, home, url := h.startDevnet("--block-time", "200ms", "--llm-model", model)
	gw := dn.waitLine(reBannerGateway, 60*time.Second)[1]
	common := append(cliFlags(home, url), "--gateway", gw)
	run := func(args ...string) string { return h.mustRun(append(args, common...)...) }

	proj := filepath.Join(t.TempDir(), "hello")
	h.mustRun("agent", "init", proj)
	if out := h.mustRun("agent", "dev", filepath.Join(proj, "agent.ts"), "--test"); !strings.Contains(out, "ok   greets") || !strings.Contains(out, "ok   counts") || !strings.Contains(out, "ok   tells a story (llm mocked)") {
		t.Fatalf("agent dev --test:\n%s", out)
	}

	cl := h.waitCluster(url, dn)
	// The devnet's client.json gives deploy its cluster, node, gateway and
	// keyring: only --home is needed, and the lines deploy prints work as
	// printed.
	deployed := h.mustRun("agent", "deploy", filepath.Join(proj, "agent.ts"), "--policy", "public", "--price", "0.5PHA", "--from", "alice", "--home", home)
	var dep struct{ Agent string }
	var printed [][]string
	for _, line := range strings.Split(deployed, "\n") {
		if f := strings.Fields(line); len(f) > 2 && f[0] == "agent" && f[2] == "deployed" {
			dep.Agent = f[1]
		}
		if _, cmd, ok := strings.Cut(line, " phala "); ok && (strings.HasPrefix(line, "fund calls:") || strings.HasPrefix(line, "call it:")) {
			printed = append(printed, strings.Fields(cmd))
		}
	}
	if banner := dn.waitLine(reBannerCluster, 60*time.Second)[1]; banner != fmt.Sprintf("%x", []byte(cl.ID)) {
		t.Fatalf("the banner's cluster %s is not the chain's %x", banner, []byte(cl.ID))
	}
	if len(dep.Agent) != 64 || len(printed) != 2 {
		t.Fatalf("deploy printed:\n%s", deployed)
	}
	h.waitAgentKeys(common, dep.Agent, dn)
	secretFile := filepath.Join(t.TempDir(), "key.txt")
	os.WriteFile(secretFile, []byte("sk-cli-canary-93b2\n"), 0o600)
	run("agent", "secrets", "set", dep.Agent, "API_KEY=@"+secretFile, "--from", "alice")
	run("agent", "deposit", "5PHA", "--from", "bob")

	answer := filepath.Join(t.TempDir(), "answer.json")
	var out string
	waitFor(t, 30*time.Second, "a paid call through the gateway", func() (bool, error) {
		r := h.run(append([]string{"agent", "call", dep.Agent, "/story?name=Tim", "--from", "bob", "--seal=false", "--save", answer}, common...)...)
		out = r.stdout
		return r.code == 0, nil
	}, dn)
	if !strings.Contains(out, `"hello":"Tim"`) || !strings.Contains(out, `"hasKey":true`) || !strings.Contains(out, `"story":"`) {
		t.Fatalf("call: %s", out)
	}
	if v := h.mustRun("verify", answer, "--attest", gw, "--node", url); !strings.Contains(v, "signature   ok") || !strings.Contains(v, "fresh       ok") {
		t.Fatalf("verify:\n%s", v)
	}
	// Once the worker has posted its usage receipt, verify says the call
	// was billed.
	waitFor(t, 30*time.Second, "verify to report the call billed", func() (bool, error) {
		return strings.Contains(h.mustRun("verify", answer, "--node", url), "billed      yes"), nil
	}, dn)
	// A tampered answer does not verify.
	var saved map[string]any
	raw, _ := os.ReadFile(answer)
	json.Unmarshal(raw, &saved)
	saved["status"] = 201
	raw, _ = json.Marshal(saved)
	os.WriteFile(answer, raw, 0o600)
	if r := h.run("verify", answer, "--node", url); r.code == 0 || !strings.Contains(r.stderr, "response does not match the signed answer") {
		t.Fatalf("tampered answer: %s", r)
	}
	if out := run("agent", "call", dep.Agent, "/?name=Sealed", "--seal", "--from", "bob"); !strings.Contains(out, `"hello":"Sealed"`) {
		t.Fatalf("sealed call: %s", out)
	}
	// The gateway's operator reads what passes through it: `agent call
	// --seal` carries its path, query and body sealed.
	const prompt = "prompt-canary-c41d"
	var seen bytes.Buffer
	var seenMu sync.Mutex
	spy := startTamperingProxy(t, gw, func(req []byte, _ int, _ http.Header, body []byte) []byte {
		seenMu.Lock()
		defer seenMu.Unlock()
		seen.Write(req)
		seen.Write(body)
		return body
	})
	spied := append(cliFlags(home, url), "--gateway", spy)
	if r := h.run(append([]string{"agent", "call", dep.Agent, "/?name=" + prompt, "--seal", "-d", prompt, "--from", "bob"}, spied...)...); r.code != 0 || !strings.Contains(r.stdout, `"hello":"`+prompt+`"`) {
		t.Fatalf("a call through the spying gateway: %s", r)
	}
	seenMu.Lock()
	if bytes.Contains(seen.Bytes(), []byte(prompt)) {
		t.Fatalf("the gateway saw the call's prompt in the clear")
	}
	seenMu.Unlock()
	h.mustRun(printed[0]...) // fund calls: phala agent deposit ...
	waitFor(t, 30*time.Second, "the printed call line to work", func() (bool, error) {
		r := h.run(printed[1]...)
		return r.code == 0 && strings.Contains(r.stdout, `"hello":"world"`), nil
	}, dn)
	if logs := run("agent", "logs", dep.Agent, "--from", "alice"); !strings.Contains(logs, "greeting Tim") {
		t.Fatalf("logs:\n%s", logs)
	}
	if r := h.run(append([]string{"agent", "logs", dep.Agent, "--from", "bob"}, common...)...); r.code == 0 || !strings.Contains(r.stderr, "only the owner") {
		t.Fatalf("bob read alice's log: %s", r)
	}
	run("agent", "pause", dep.Agent, "--from", "alice")
	waitFor(t, 30*time.Second, "the pause to take effect", func() (bool, error) {
		r := h.run(append([]string{"agent", "call", dep.Agent, "/", "--from", "bob"}, common...)...)
		return r.code != 0 && strings.Contains(r.stderr, "paused"), nil
	}, dn)
	info := run("agent", "info", dep.Agent)
	if !strings.Contains(info, "paused     true") || !strings.Contains(info, "secrets    true") || strings.Contains(info, "sk-cli-canary") {
		t.Fatalf("info:\n%s", info)
	}
}
