package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestOpenAIAnswersVerify: the official openai npm client chats through
// the devnet's gateway with an API key, streamed and not, against the
// embedded local model; each answer is then checked through
// /v1/signature/{id} by independent code: the text is sha256 of the exact
// request body the client sent and of every response byte it received (the
// stream whole, its signature event included), ethers' verifyMessage
// recovers the ECDSA signature to the signing address, and node's crypto
// verifies the ed25519 one. The openai client reads the stream through its
// final phala.answer event without error.
func TestOpenAIAnswersVerify(t *testing.T) {
	nodeBin := ensureJSDeps(t)
	model := testModel(t)
	h := newHarness(t)
	dn, home, url := h.startDevnet("--block-time", "200ms", "--llm-model", model)
	gw := dn.waitLine(reBannerGateway, 60*time.Second)[1]
	common := cliFlags(home, url)
	key := strings.TrimSpace(h.mustRun(append([]string{"agent", "apikey", "create", "--from", "bob"}, common...)...))
	h.mustRun(append([]string{"agent", "deposit", "5PHA", "--from", "bob"}, common...)...)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out struct {
		Content, Streamed string
		Whole, Stream     struct{ ID, Text, ECDSA, Ed25519 string }
		SignatureEvent    bool
	}
	var stdout, stderr bytes.Buffer
	for attempt := 0; ; attempt++ {
		stdout.Reset()
		stderr.Reset()
		cmd := exec.CommandContext(ctx, nodeBin, filepath.Join(repoRoot, "e2e", "js", "openai-verify.mjs"), gw+"/v1", key, "local/stories260K")
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if err == nil {
			break
		}
		// The gateway may need a probe to see the worker, the worker a
		// block to see the key and the deposit.
		if attempt >= 10 || !strings.Contains(stderr.String(), "no worker") && !strings.Contains(stderr.String(), "402") && !strings.Contains(stderr.String(), "401") {
			t.Fatalf("node openai-verify.mjs: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
		}
		time.Sleep(time.Second)
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("output %s: %v", stdout.String(), err)
	}
	if out.Content == "" || out.Streamed != out.Content || !out.SignatureEvent {
		t.Fatalf("chats: %+v", out)
	}
	for _, c := range []struct{ ID, Text, ECDSA, Ed25519 string }{out.Whole, out.Stream} {
		if !strings.HasPrefix(c.ID, "chatcmpl-") || !strings.HasPrefix(c.ECDSA, "0x") || len(c.Ed25519) != 64 || len(c.Text) != 129 {
			t.Fatalf("verification %+v", c)
		}
	}
	dn.interrupt()
}
