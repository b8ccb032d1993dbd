package e2e

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/modules/registry"
)

// reBannerExplorer finds the explorer in the devnet banner.
var reBannerExplorer = regexp.MustCompile(`^\s*explorer:\s+(http://127\.0\.0\.1:\d+/explorer/)\s*$`)

// chromiumPath is Debian's chromium, which playwright-core drives.
const chromiumPath = "/usr/bin/chromium"

// TestExplorerInBrowser opens the devnet's explorer in headless Chromium and
// follows a transfer, a worker registration and an agent that was called to
// their pages (e2e/js/explorer.mjs). Screenshots land in the test's temp
// directory and, when PHALA_TEST_ARTIFACTS is set, are copied to
// $PHALA_TEST_ARTIFACTS/TestExplorerInBrowser/.
func TestExplorerInBrowser(t *testing.T) {
	nodeBin := ensureJSDeps(t)
	ensureBrowser(t)
	start := time.Now()

	h := newHarness(t)
	dn, home, url := h.startDevnet("--block-time", "300ms")
	gw := dn.waitLine(reBannerGateway, 60*time.Second)[1]
	ex := dn.waitLine(reBannerExplorer, 5*time.Second)[1]
	if ex != gw+"/explorer/" {
		t.Fatalf("banner explorer %s, gateway %s", ex, gw)
	}
	common := cliFlags(home, url)
	run := func(args ...string) string { return h.mustRun(append(args, common...)...) }
	addrs := h.keyAddresses(home)

	// A transfer with a memo that would be markup if the page did not
	// escape it.
	var sent struct {
		Hash   string `json:"hash"`
		Height int64  `json:"height"`
	}
	if err := json.Unmarshal([]byte(run("tx", "transfer", "alice", addrs["bob"], "1.5PHA", "--memo", `<img src=x onerror="throw 1">`, "--yes", "--output", "json")), &sent); err != nil || len(sent.Hash) != 64 {
		t.Fatalf("transfer: %v %+v", err, sent)
	}

	// An agent, with a sealed secret, called once and paid for.
	cl := h.waitCluster(url, dn)
	proj := filepath.Join(t.TempDir(), "hello")
	h.mustRun("agent", "init", proj)
	agent := h.deployAgent(common, filepath.Join(proj, "agent.ts"), hex.EncodeToString(cl.ID), []string{"--price", "0.25PHA"}, dn)
	c := newClient(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	agentID := [32]byte(mustHex(t, agent))
	const canary = "sk-explorer-canary-7f3e"
	secretFile := filepath.Join(t.TempDir(), "key.txt")
	if err := os.WriteFile(secretFile, []byte(canary), 0o600); err != nil {
		t.Fatal(err)
	}
	run("agent", "secrets", "set", agent, "API_KEY=@"+secretFile, "--from", "alice")
	run("agent", "deposit", "5PHA", "--from", "bob")
	waitFor(t, 30*time.Second, "a paid call through the gateway", func() (bool, error) {
		r := h.run(append([]string{"agent", "call", agent, "/?name=explorer", "--from", "bob", "--gateway", gw}, common...)...)
		return r.code == 0 && strings.Contains(r.stdout, `"hello":"explorer"`), nil
	}, dn)
	waitFor(t, 30*time.Second, "the call's receipt to settle", func() (bool, error) {
		a, err := c.Agent(ctx, agentID)
		return a.Calls >= 1, err
	}, dn)
	a, err := c.Agent(ctx, agentID)
	if err != nil || len(a.Secrets) == 0 {
		t.Fatalf("agent %s: %v (secrets %d bytes)", agent, err, len(a.Secrets))
	}
	sealed := hex.EncodeToString(a.Secrets)

	var ws []registry.Worker
	h.mustRunJSON(&ws, "query", "workers", "--node", url)
	if len(ws) == 0 {
		t.Fatal("no worker registered")
	}
	worker := ws[0]

	// Every API answer, before the browser looks: no sealed bytes.
	forbidden := []string{canary, sealed[:64], sealed[len(sealed)-64:]}
	for _, p := range []string{"status", "blocks", "txs?limit=100", "tx/" + sent.Hash, "account/" + addrs["alice"], "account/" + addrs["bob"],
		"workers", "worker/" + worker.ID.String(), "keys", "clusters", "cluster/" + hex.EncodeToString(cl.ID), "contracts", "agents",
		"agent/" + agent, "contract/" + agent, "supply"} {
		code, body := httpGet(t, ex+"api/"+p)
		if code != http.StatusOK {
			t.Fatalf("explorer api/%s: %d\n%s", p, code, body)
		}
		for _, f := range forbidden {
			if strings.Contains(strings.ToLower(body), strings.ToLower(f)) {
				t.Fatalf("explorer api/%s shows sealed data %q", p, f[:16])
			}
		}
	}

	shots := filepath.Join(t.TempDir(), "screenshots")
	exp, _ := json.Marshal(map[string]any{
		"chainId":  "phala-devnet",
		"transfer": map[string]any{"hash": sent.Hash, "height": sent.Height, "from": addrs["alice"], "to": addrs["bob"], "amount": "1.5"},
		"worker":   worker.ID.String(), "workerMeasurement": hex.EncodeToString(worker.Measurement),
		"agent":     map[string]any{"id": agent, "owner": addrs["alice"], "price": "0.25 PHA", "minCalls": 1},
		"forbidden": forbidden,
	})
	script := filepath.Join(repoRoot, "e2e", "js", "explorer.mjs")
	browserStart := time.Now()
	cmd := exec.CommandContext(ctx, nodeBin, script, ex, shots, string(exp))
	cmd.Dir = filepath.Dir(script)
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromiumPath)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	browserTime := time.Since(browserStart)
	saveArtifacts(t, shots)
	if err != nil {
		t.Fatalf("node explorer.mjs: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	var rep struct {
		OK          bool     `json:"ok"`
		Screenshots []string `json:"screenshots"`
		Steps       []struct {
			Name string `json:"name"`
			MS   int64  `json:"ms"`
		} `json:"steps"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil || !rep.OK || len(rep.Screenshots) < 10 {
		t.Fatalf("explorer.mjs report (%v):\n%s", err, stdout.String())
	}
	for _, s := range rep.Steps {
		t.Logf("browser step %-50q %5d ms", s.Name, s.MS)
	}
	t.Logf("browser run %s (%d screenshots in %s); whole test %s", browserTime.Round(time.Millisecond), len(rep.Screenshots), shots, time.Since(start).Round(time.Millisecond))
	dn.interrupt()
}

// ensureBrowser skips (or under CI fails) when Debian's chromium or
// playwright-core is missing; scripts/install-test-deps.sh installs both.
func ensureBrowser(t *testing.T) {
	t.Helper()
	missing := ""
	if !fileExists(chromiumPath) {
		missing = chromiumPath + " (apt-get install chromium)"
	} else if !fileExists(filepath.Join(repoRoot, "e2e", "js", "node_modules", "playwright-core", "package.json")) {
		missing = "playwright-core in e2e/js/node_modules"
	}
	if missing == "" {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is missing after scripts/install-test-deps.sh", missing)
	}
	t.Skipf("needs %s: run scripts/install-test-deps.sh (with CI set, a missing browser fails instead)", missing)
}

// saveArtifacts copies the screenshots to $PHALA_TEST_ARTIFACTS/<test>/.
func saveArtifacts(t *testing.T, dir string) {
	t.Helper()
	root := os.Getenv("PHALA_TEST_ARTIFACTS")
	if root == "" {
		return
	}
	dst := filepath.Join(root, t.Name())
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Errorf("artifacts: %v", err)
		return
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err == nil {
			err = os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644)
		}
		if err != nil {
			t.Errorf("artifacts: %v", err)
		}
	}
	t.Logf("screenshots copied to %s", dst)
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		t.Fatalf("id %q: %v", s, err)
	}
	return b
}
