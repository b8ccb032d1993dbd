package agenthost

import (
	"context"
	"testing"

	"github.com/phalanetwork/phala/egress"
	"github.com/phalanetwork/phala/llm"
	"github.com/phalanetwork/phala/sandbox"
)

// countingProvider answers every chat with a fixed token count.
type countingProvider struct{ tokens int }

func (countingProvider) Name() string { return "fake" }

func (countingProvider) Models(context.Context) ([]string, error) { return []string{"m"}, nil }

func (p countingProvider) Chat(context.Context, llm.ChatRequest, func(llm.Delta) error) (llm.ChatResponse, error) {
	return llm.ChatResponse{Model: "m", Content: "ok", FinishReason: "stop", Usage: llm.Usage{TotalTokens: p.tokens}}, nil
}

// TestConcurrentChatTokens: one agent call that runs many llm.chat calls at
// once (each on its own goroutine) counts every token for its receipt;
// under -race this is where an unguarded counter shows.
func TestConcurrentChatTokens(t *testing.T) {
	const calls, perCall = 16, 7
	code := []byte(`export default async function main() {
  const rs = await Promise.all(Array.from({ length: ` + "16" + ` }, () => llm.chat({ model: "fake/m", messages: [{ role: "user", content: "hi" }] })));
  return { status: 200, body: String(rs.length) };
}`)
	prog, err := compileAgent(code)
	if err != nil {
		t.Fatal(err)
	}
	var tokens usageMeter
	env := sandbox.Env{Prelude: agentPrelude, Async: asyncHostAPIs(egress.NewSession(egress.Policy{}), llm.NewRouter(countingProvider{tokens: perCall}), "caller", &tokens)}
	in := map[string]any{"method": "GET", "path": "/", "queries": map[string][]string{}, "headers": map[string]string{}, "body": "", "secret": map[string]any{}}
	rt := Runtime{}.withDefaults()
	if _, err := prog.Call(context.Background(), "__phala_agent", []any{in}, env, rt.Limits); err != nil {
		t.Fatal(err)
	}
	if got := tokens.total(); got != calls*perCall {
		t.Fatalf("tokens %d, want %d", got, calls*perCall)
	}
}
