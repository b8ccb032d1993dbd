package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLLMChatVerify: `phala llm chat` through the gateway with an API key,
// whole and streamed, verifies the router's signed answer, and `phala
// verify` re-checks both saved exchanges; a saved stream cut short, or a
// saved answer with its Content-Type changed, fails by name.
func TestLLMChatVerify(t *testing.T) {
	model := testModel(t)
	h := newHarness(t)
	dn, home, url := h.startDevnet("--block-time", "200ms", "--llm-model", model)
	gw := dn.waitLine(reBannerGateway, 60*time.Second)[1]
	kr := cliFlags(home, url)
	key := strings.TrimSpace(h.mustRun(append([]string{"agent", "apikey", "create", "--from", "bob"}, kr...)...))
	h.mustRun(append([]string{"agent", "deposit", "5PHA", "--from", "bob"}, kr...)...)
	dir := t.TempDir()
	chat := func(save string, extra ...string) result {
		return h.run(append(append([]string{"llm", "chat", "local/stories260K", "Once upon a time", "--api-key", key, "--gateway", gw, "--save", filepath.Join(dir, save)}, extra...), kr...)...)
	}
	waitFor(t, 60*time.Second, "a verified chat", func() (bool, error) { return chat("whole.json").code == 0, nil }, dn)
	if r := chat("stream.json", "--stream"); r.code != 0 || !strings.Contains(r.stderr, "verified at height") {
		t.Fatalf("streamed chat: %s", r)
	}
	for _, f := range []string{"whole.json", "stream.json"} {
		if r := h.run(append([]string{"verify", filepath.Join(dir, f)}, kr...)...); r.code != 0 || !strings.Contains(r.stdout, "router      local/") {
			t.Fatalf("verify %s: %s", f, r)
		}
	}
	edit := func(from string, change func(m map[string]any)) string {
		var m map[string]any
		raw, _ := os.ReadFile(filepath.Join(dir, from))
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		change(m)
		raw, _ = json.Marshal(m)
		out := filepath.Join(dir, "edited-"+from)
		os.WriteFile(out, raw, 0o600)
		return out
	}
	cut := edit("stream.json", func(m map[string]any) {
		var body []byte
		json.Unmarshal([]byte(`"`+m["body"].(string)+`"`), &body) // base64, as encoding/json writes []byte
		i := bytes.Index(body, []byte("data: "))
		j := bytes.Index(body[i+1:], []byte("data: "))
		m["body"] = append(body[:i:i], body[i+1+j:]...) // the first event dropped
	})
	relabelled := edit("whole.json", func(m map[string]any) {
		m["headers"].(map[string]any)["Content-Type"] = []string{"text/html"}
	})
	for _, f := range []string{cut, relabelled} {
		if r := h.run(append([]string{"verify", f}, kr...)...); r.code == 0 || !strings.Contains(r.stderr, "response does not match the signed answer") {
			t.Fatalf("verify %s: want a refusal naming the response, got %s", filepath.Base(f), r)
		}
	}
	dn.interrupt()
}
