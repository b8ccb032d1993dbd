package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTemplateThroughGateway: Phala's ai-agent-template-openai, its src/
// unchanged (internal/cli TestTemplateOpenAIUnchanged checks the bytes)
// and bundled with its openai package from npm, deploys to a devnet with
// `phala agent deploy` (about 230 KB: a chunked upload) and answers through
// the gateway with the local model's text: its manifest routes
// api.openai.com to the enclave's AI router.
func TestTemplateThroughGateway(t *testing.T) {
	model := testModel(t)
	dir := filepath.Join(repoRoot, "e2e", "js", "template-openai")
	if !fileExists(filepath.Join(dir, "node_modules", "openai", "package.json")) {
		if os.Getenv("CI") != "" {
			t.Fatal("e2e/js/template-openai/node_modules is missing: run scripts/install-test-deps.sh")
		}
		t.Skip("e2e/js/template-openai/node_modules is missing: run scripts/install-test-deps.sh")
	}
	h := newHarness(t)
	dn, home, _ := h.startDevnet("--block-time", "200ms", "--llm-model", model)
	dn.waitLine(reBannerCluster, 90*time.Second)
	run := func(args ...string) string { return h.mustRun(append(args, "--home", home)...) }
	var dep struct{ Agent string }
	if err := json.Unmarshal([]byte(run("agent", "deploy", filepath.Join(dir, "src", "index.ts"), "--policy", "public", "--from", "alice", "--output", "json")), &dep); err != nil || len(dep.Agent) != 64 {
		t.Fatalf("deploy: %v %+v", err, dep)
	}
	h.waitAgentKeys([]string{"--home", home}, dep.Agent, dn)
	key := filepath.Join(t.TempDir(), "key.txt")
	os.WriteFile(key, []byte("sk-template-canary-7d1e"), 0o600)
	run("agent", "secrets", "set", dep.Agent, "openaiApiKey=@"+key, "--from", "alice")
	run("agent", "deposit", "5PHA", "--from", "bob")
	out := run("agent", "call", dep.Agent, "/?chatQuery=Once%20upon%20a%20time&openAiModel=local/stories260K", "--from", "bob")
	var answer struct{ Message string }
	if err := json.Unmarshal([]byte(lastJSONLine(out)), &answer); err != nil || strings.TrimSpace(answer.Message) == "" {
		t.Fatalf("the template answered %q (%v)", out, err)
	}
	t.Logf("model text through the gateway: %q", answer.Message)
}

// lastJSONLine is the last line of out that starts a JSON object.
func lastJSONLine(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(strings.TrimSpace(lines[i]), "{") {
			return lines[i]
		}
	}
	return out
}
