package e2e

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/llm/openai/openaitest"
)

// parityRPM is the requests per minute each API key gets across the
// devnet's parityWorkers workers (each enforces a third).
const (
	parityRPM     = 30
	parityWorkers = 3
)

// TestOpenAIParityThroughGateway: the official openai npm client, through
// the devnet's gateway and a worker's router, uses an upstream
// OpenAI-compatible provider (a stand-in for OpenAI in this process) for
// tools with a tool-result round trip (whole and streamed), JSON mode and
// a JSON schema, n: 2 with logprobs, a models fallback list, embeddings and
// a legacy completion; then its key runs into the rate limit: an
// OpenAI-style 429 with Retry-After, after no more requests than the
// limit allows across the cluster.
func TestOpenAIParityThroughGateway(t *testing.T) {
	up := openaitest.New("gpt-4o")
	defer up.Close()
	stdout, dn := runRouterScript(t, "openai-parity.mjs", "up/gpt-4o", "--llm-provider", "up="+up.URL+"/v1",
		"--llm-key-rpm", "30", "--llm-limit-workers", "3")
	var out struct {
		ToolName      string
		ToolArgs      map[string]any
		ToolFinish    string
		AfterTool     string
		StreamedTool  struct{ Name, Args string }
		JSONMode      map[string]any
		SchemaMode    map[string]any
		N             []string
		Logprobs      int
		TopLogprobs   int
		FallbackModel string
		Embeddings    []int
		UsageCost     *string
		Legacy        string
		Limited       *struct {
			Status     int
			Code       string
			Message    string
			RetryAfter *string
			After      int
		}
	}
	if err := json.Unmarshal(stdout, &out); err != nil {
		t.Fatalf("output %s: %v", stdout, err)
	}
	checks := []struct {
		ok   bool
		what string
	}{
		{out.ToolName == "get_weather" && out.ToolArgs["city"] == "x" && out.ToolFinish == "tool_calls", "a tool call"},
		{out.AfterTool == "The tool said: sunny in x", "the tool result round trip"},
		{out.StreamedTool.Name == "get_weather" && out.StreamedTool.Args == `{"city":"x"}`, "a streamed tool call"},
		{out.JSONMode["answer"] == "hello", "JSON mode"},
		{out.SchemaMode["city"] == "x" && out.SchemaMode["celsius"] == 1.0 && out.SchemaMode["sky"] == "clear", "a JSON schema"},
		{len(out.N) == 2 && out.N[1] == "Hello from gpt-4o (choice 1)", "n: 2"},
		{out.Logprobs > 0 && out.TopLogprobs == 2, "logprobs"},
		{out.FallbackModel == "up/gpt-4o", "the models fallback list"},
		{len(out.Embeddings) == 2 && out.Embeddings[0] == 8, "embeddings"},
		{out.UsageCost != nil && *out.UsageCost != "", "usage cost"},
		{out.Legacy == "Hello from gpt-4o", "a legacy completion"},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: got %s", c.what, stdout)
		}
	}
	// 9 requests before the loop; across 3 workers each allowing 10.
	l := out.Limited
	if l == nil || l.Status != 429 || l.Code != "rate_limit_exceeded" || l.RetryAfter == nil || !strings.Contains(l.Message, "rpm") {
		t.Fatalf("no rate-limit 429: %s", stdout)
	}
	if served := 9 + l.After; served < parityRPM/parityWorkers || served > parityRPM {
		t.Errorf("%d requests served before the 429; the limit allows %d..%d", served, parityRPM/parityWorkers, parityRPM)
	}
	dn.interrupt()
}

// TestOpenAILocalToolsAndEmbeddings: the official openai npm client,
// through the devnet's gateway, gets from the embedded local model (by
// grammar-constrained decoding) a tool call whose arguments match the
// tool's schema, whole and streamed, a final answer after the tool's
// result, and unit-length embeddings of the model's width in float and
// base64.
func TestOpenAILocalToolsAndEmbeddings(t *testing.T) {
	stdout, dn := runRouterScript(t, "openai-local.mjs", "local/stories260K")
	type args struct {
		City *string
		Days *float64
	}
	var out struct {
		ToolName, ToolID, ToolFinish string
		ToolArgs                     args
		AfterTool                    string
		AfterToolCalls               int
		StreamedTool                 struct {
			Name string
			Args args
		}
		Embeddings  []int
		Norms       []float64
		Base64Same  bool
		EmbedTokens int
	}
	if err := json.Unmarshal(stdout, &out); err != nil {
		t.Fatalf("output %s: %v", stdout, err)
	}
	valid := func(a args) bool { return a.City != nil && (*a.City == "Paris" || *a.City == "Oslo") && a.Days != nil }
	checks := []struct {
		ok   bool
		what string
	}{
		{out.ToolName == "get_weather" && valid(out.ToolArgs) && out.ToolFinish == "tool_calls" && strings.HasPrefix(out.ToolID, "call_"), "a tool call"},
		{out.AfterTool != "" && out.AfterToolCalls == 0, "a final answer after the tool result"},
		{out.StreamedTool.Name == "get_weather" && valid(out.StreamedTool.Args), "a streamed tool call"},
		{len(out.Embeddings) == 2 && out.Embeddings[0] == 64 && out.Embeddings[1] == 64, "embeddings of the model's width"},
		{len(out.Norms) == 2 && math.Abs(out.Norms[0]-1) < 1e-3 && math.Abs(out.Norms[1]-1) < 1e-3, "unit-length embeddings"},
		{out.Base64Same && out.EmbedTokens > 0, "base64 embeddings and their usage"},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: got %s", c.what, stdout)
		}
	}
	dn.interrupt()
}

// runRouterScript starts a devnet with the router's extra flags, waits
// for a worker behind the gateway, and runs the e2e/js script with the
// gateway's OpenAI base URL, an API key and model; it returns the
// script's output and the devnet.
func runRouterScript(t *testing.T, script, model string, extra ...string) ([]byte, *proc) {
	t.Helper()
	nodeBin := ensureJSDeps(t)
	h, dn, url, gw, key := routerDevnet(t, extra...)
	waitFor(t, 30*time.Second, "a worker ready behind the gateway", func() (bool, error) {
		return h.run("status", "--node", url).code == 0, nil
	}, dn)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	return runNodeScript(t, ctx, nodeBin, script, gw+"/v1", key, model), dn
}
