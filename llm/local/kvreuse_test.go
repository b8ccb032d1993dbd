package local

import (
	"testing"

	"github.com/phalanetwork/phala/llm"
)

// TestChatReusesThePreviousTurn: a conversation's second turn repeats the
// first turn's prompt and answer as its prefix; the provider evaluates only
// what comes after it (the idle session's KV cache is reused), and the
// answer is the one a model without idle sessions gives.
func TestChatReusesThePreviousTurn(t *testing.T) {
	m, err := Load(realModel)
	if err != nil {
		t.Skipf("test model: %v", err)
	}
	p := &Provider{model: m}
	first, _ := chat(t, p, llm.ChatRequest{Messages: user("Once upon a time"), MaxTokens: 24})
	second := llm.ChatRequest{Messages: []llm.Message{
		{Role: "user", Content: "Once upon a time"},
		{Role: "assistant", Content: first.Content},
		{Role: "user", Content: "Then the girl"},
	}, MaxTokens: 24}
	got, _ := chat(t, p, second)
	reused := 0
	for _, ss := range m.sessions.idle {
		reused = max(reused, ss.Reused())
	}
	if reused < first.Usage.PromptTokens {
		t.Fatalf("the second turn reused %d tokens of the first's %d-token prompt", reused, first.Usage.PromptTokens)
	}
	fresh, err := Load(realModel)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := chat(t, &Provider{model: fresh}, second)
	if got.Content != want.Content || got.Usage != want.Usage {
		t.Fatalf("with the first turn's cache %q %+v, without %q %+v", got.Content, got.Usage, want.Content, want.Usage)
	}
	// Idle sessions are bounded.
	for i := range idleSessions + 3 {
		chat(t, p, llm.ChatRequest{Messages: user(string(rune('a' + i))), MaxTokens: 2})
	}
	if n := len(m.sessions.idle); n > idleSessions {
		t.Fatalf("%d idle sessions, at most %d", n, idleSessions)
	}
}
