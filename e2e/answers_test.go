package e2e

import (
	"context"
	"encoding/json"
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
	_, dn, _, gw, key := routerDevnet(t)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out struct {
		Content, Streamed string
		Whole, Stream     struct{ ID, Text, ECDSA, Ed25519 string }
		SignatureEvent    bool
	}
	stdout := runNodeScript(t, ctx, nodeBin, "openai-verify.mjs", gw+"/v1", key, "local/stories260K")
	if err := json.Unmarshal(stdout, &out); err != nil {
		t.Fatalf("output %s: %v", stdout, err)
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
