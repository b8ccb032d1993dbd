package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// reBannerGateway finds the gateway in the devnet banner.
var reBannerGateway = regexp.MustCompile(`^\s*gateway:\s+(http://127\.0\.0\.1:\d+)\s`)

// testModel is the small real model tests use (../shared/models, beside
// the repository; never committed).
func testModel(t *testing.T) string {
	t.Helper()
	p := filepath.Join(repoRoot, "..", "shared", "models", "stories260K.gguf")
	if !fileExists(p) {
		t.Skipf("the test model %s is missing (see ../shared/models/README.md)", p)
	}
	return p
}

// routerDevnet starts a devnet with the local model behind its gateway and
// gives bob an API key with 5 PHA in escrow: where the OpenAI-client tests
// start. It returns the RPC URL, the gateway URL and the key.
func routerDevnet(t *testing.T, extra ...string) (h *harness, dn *proc, url, gw, key string) {
	t.Helper()
	model := testModel(t)
	h = newHarness(t)
	dn, home, url := h.startDevnet(append([]string{"--block-time", "200ms", "--llm-model", model}, extra...)...)
	gw = dn.waitLine(reBannerGateway, 60*time.Second)[1]
	common := cliFlags(home, url)
	key = strings.TrimSpace(h.mustRun(append([]string{"agent", "apikey", "create", "--from", "bob"}, common...)...))
	if !strings.HasPrefix(key, "phk-") {
		t.Fatalf("api key %q", key)
	}
	h.mustRun(append([]string{"agent", "deposit", "5PHA", "--from", "bob"}, common...)...)
	return h, dn, url, gw, key
}

// TestOpenAIClientsThroughGateway: the official openai npm client and
// LangChain's ChatOpenAI, pointed at the devnet's gateway with an API key
// registered on chain, complete chats against the embedded local model,
// with and without streaming; the calls are paid from the key owner's
// escrow.
func TestOpenAIClientsThroughGateway(t *testing.T) {
	nodeBin := ensureJSDeps(t)
	h, dn, url, gw, key := routerDevnet(t)
	waitFor(t, 30*time.Second, "a worker ready behind the gateway", func() (bool, error) {
		r := h.run("status", "--node", url)
		return r.code == 0, nil
	}, dn)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out struct {
		Models            []string
		Content, Finish   string
		Streamed          string
		Chunks            int
		Langchain         string
		LangchainStreamed string
		Usage             struct {
			Total int `json:"total_tokens"`
		}
	}
	stdout := runNodeScript(t, ctx, nodeBin, "openai-chat.mjs", gw+"/v1", key, "local/stories260K")
	if err := json.Unmarshal(stdout, &out); err != nil {
		t.Fatalf("output %s: %v", stdout, err)
	}
	const want = ", there was a little girl named Lily"
	if !containsModel(out.Models, "local/stories260K") || !strings.HasPrefix(out.Content, want) || out.Usage.Total == 0 ||
		out.Streamed != out.Content || out.Chunks < 3 || !strings.HasPrefix(out.Langchain, want) || out.LangchainStreamed != out.Langchain {
		t.Fatalf("clients got %+v", out)
	}
	// A wrong key is refused with the OpenAI error shape.
	cmd := exec.CommandContext(ctx, nodeBin, filepath.Join(repoRoot, "e2e", "js", "openai-chat.mjs"), gw+"/v1", "phk-wrong", "local/stories260K")
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	if err := cmd.Run(); err == nil || !strings.Contains(errOut.String(), "401") {
		t.Fatalf("a wrong key: %v\n%s", err, errOut.String())
	}
	dn.interrupt()
}

// runNodeScript runs e2e/js/script with args and returns its stdout,
// retrying while the gateway sees no ready worker yet or the worker has
// not yet seen the API key or the deposit (a probe or a block away).
func runNodeScript(t *testing.T, ctx context.Context, nodeBin, script string, args ...string) []byte {
	t.Helper()
	var stdout, stderr bytes.Buffer
	for attempt := 0; ; attempt++ {
		stdout.Reset()
		stderr.Reset()
		cmd := exec.CommandContext(ctx, nodeBin, append([]string{filepath.Join(repoRoot, "e2e", "js", script)}, args...)...)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if err == nil {
			return stdout.Bytes()
		}
		retry := strings.Contains(stderr.String(), "no worker") || strings.Contains(stderr.String(), "402") || strings.Contains(stderr.String(), "401")
		if attempt >= 10 || !retry {
			t.Fatalf("node %s: %v\nstdout:\n%s\nstderr:\n%s", script, err, stdout.String(), stderr.String())
		}
		time.Sleep(time.Second)
	}
}

func containsModel(list []string, m string) bool {
	for _, x := range list {
		if x == m {
			return true
		}
	}
	return false
}
