package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/llm"
	"github.com/phalanetwork/phala/llm/local"
	"github.com/phalanetwork/phala/pruntime/agenthost"
	"github.com/phalanetwork/phala/sandbox"
)

// templateSHA256 are the upstream files of Phala-Network/ai-agent-template-openai
// at d0e9e68 (see e2e/js/template-openai/NOTICE.md): the fixture must stay unchanged.
var templateSHA256 = map[string]string{
	"index.ts":       "82353652543d23880ab532518a92bc64d82ff422f78a7f12bd46a94b1a60c607",
	"httpSupport.ts": "b5f8d74fb9c6bd887a00eb9297459734cac89beb38113cdc26f3b70d7132cc8f",
}

// TestTemplateOpenAIUnchanged: Phala's ai-agent-template-openai, its src/
// unchanged and its openai package from npm, bundles and answers with the
// local model's text: the project's manifest routes api.openai.com to the
// AI router, so the OpenAI client's request never leaves (the egress
// policy here would refuse it anyway: nothing is allowed out).
func TestTemplateOpenAIUnchanged(t *testing.T) {
	dir := filepath.Join("..", "..", "e2e", "js", "template-openai")
	for name, want := range templateSHA256 {
		b, err := os.ReadFile(filepath.Join(dir, "src", name))
		if err != nil {
			t.Fatal(err)
		}
		if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != want {
			t.Fatalf("the template's src/%s was changed (sha256 %x)", name, sum)
		}
	}
	need := func(path, why string) {
		if _, err := os.Stat(path); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s missing: %s", path, why)
			}
			t.Skipf("%s missing: %s", path, why)
		}
	}
	need(filepath.Join(dir, "node_modules", "openai", "package.json"), "run scripts/install-test-deps.sh")
	model := filepath.Join("..", "..", "..", "shared", "models", "stories260K.gguf")
	if _, err := os.Stat(model); err != nil {
		t.Skipf("test model %s is missing (%v): it lives in the project's shared/models", model, err)
	}
	start := time.Now()
	code, err := BundleFile(filepath.Join(dir, "src", "index.ts"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("bundle: %d bytes in %v", len(code), time.Since(start).Round(time.Millisecond))
	p, err := local.New(model)
	if err != nil {
		t.Fatal(err)
	}
	d := &agenthost.DevAgent{
		Runtime: agenthost.Runtime{Router: llm.NewRouter(p), Limits: sandbox.Limits{Time: 60 * time.Second}},
		Secrets: map[string]string{"openaiApiKey": "sk-must-not-leave"},
	}
	q := url.Values{"chatQuery": {"Once upon a time"}, "openAiModel": {"local/stories260K"}}
	res, err := d.Call(context.Background(), code, "GET", "/", q, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out struct{ Message string }
	if err := json.Unmarshal([]byte(res.Body), &out); err != nil || res.Status != 200 || strings.TrimSpace(out.Message) == "" {
		t.Fatalf("template answered %d %q (%v)", res.Status, res.Body, err)
	}
	t.Logf("model text: %q", out.Message)
}
