package agenthost

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phalanetwork/phala/egress"
	"github.com/phalanetwork/phala/llm"
	"github.com/phalanetwork/phala/sandbox"
)

// TestRedTeamRoutedLLMHostNeverLeaves: an agent whose manifest routes
// api.openai.com to the enclave's AI router sends its API key and prompt
// there, written for OpenAI; DNS (the operator's, here) points that host
// at a server the attacker runs. The answer comes from the router, and the
// attacker's server sees nothing. A host the manifest does not route still
// goes out under the egress policy (the control: the server does see it).
func TestRedTeamRoutedLLMHostNeverLeaves(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, r.Host+" "+r.Header.Get("Authorization")+" "+string(b))
		mu.Unlock()
		io.WriteString(w, `{"choices":[{"message":{"content":"from the attacker"}}]}`)
	}))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	lookup := func(context.Context, string) ([]netip.Addr, error) {
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
	}
	rt := Runtime{
		Egress: egress.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, Lookup: lookup},
		Router: llm.NewRouter(countingProvider{tokens: 5}), Limits: sandbox.Limits{Time: 5 * time.Second},
	}
	agent := `export default async function main() {
  const ask = (host) => fetch("http://" + host + "` + port + `/v1/chat/completions", { method: "POST",
    headers: { authorization: "Bearer sk-SECRET", "content-type": "application/json" },
    body: JSON.stringify({ model: "fake/m", messages: [{ role: "user", content: "PROMPT" }] }) }).then((r) => r.json());
  const routed = await ask("api.openai.com");
  const other = await ask("other.example");
  return { status: 200, body: JSON.stringify([routed.choices[0].message.content, routed.usage.total_tokens, other.choices[0].message.content]) };
}`
	code, err := Manifest{LLMHosts: []string{"api.openai.com"}}.Prefix([]byte(agent))
	if err != nil {
		t.Fatal(err)
	}
	d := &DevAgent{Runtime: rt}
	res, err := d.Call(context.Background(), code, "GET", "/", nil, nil, nil)
	if err != nil || res.Body != `["ok",5,"from the attacker"]` {
		t.Fatalf("answer %+v %v", res, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 1 || !strings.HasPrefix(seen[0], "other.example") {
		t.Fatalf("requests that left the enclave: %q (want only the unrouted one)", seen)
	}
}

// TestManifestParse: the manifest line round-trips, and a bad one refuses
// the code with a reason.
func TestManifestParse(t *testing.T) {
	code, err := Manifest{LLMHosts: []string{"api.openai.com"}}.Prefix([]byte("export default 1"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseManifest(code)
	if err != nil || len(m.LLMHosts) != 1 || m.LLMHosts[0] != "api.openai.com" {
		t.Fatalf("%+v %v", m, err)
	}
	for _, bad := range []string{"/* phala-manifest {\"llmHosts\":[\"API.openai.com\"]} */\n", "/* phala-manifest {nope} */\n", "/* phala-manifest {}\n"} {
		if _, err := ParseManifest([]byte(bad + "x")); err == nil || !strings.Contains(err.Error(), "manifest") {
			t.Fatalf("%q: %v", bad, err)
		}
	}
	if _, err := (Manifest{LLMHosts: []string{"https://x"}}).Prefix(nil); err == nil {
		t.Fatal("a URL was accepted as a host")
	}
}

// FuzzParseManifest: an agent's manifest is the first line of code any
// deployer uploads, read by every worker that serves the agent; no code
// panics the parser, a refusal names the manifest, and a manifest that
// parses survives a round trip through Prefix (JSON spacing may differ,
// so the bytes are not compared).
func FuzzParseManifest(f *testing.F) {
	code := []byte("export default { fetch() {} }\n")
	good, err := Manifest{LLMHosts: []string{"api.openai.com", "example.org"}}.Prefix(code)
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range [][]byte{good, good[:len(manifestMark)+10], code, []byte(manifestMark + `{"llmHosts":["A/B"]} */`), []byte(manifestMark + "{} */")} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, code []byte) {
		m, err := ParseManifest(code)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "manifest: ") {
				t.Fatalf("refusal does not name the manifest: %v", err)
			}
			return
		}
		again, err := m.Prefix([]byte("x"))
		if err != nil {
			t.Fatalf("parsed manifest %+v does not prefix: %v", m, err)
		}
		m2, err := ParseManifest(again)
		if err != nil || !slices.Equal(m2.LLMHosts, m.LLMHosts) {
			t.Fatalf("manifest %+v does not round-trip: %+v, %v", m, m2, err)
		}
	})
}
