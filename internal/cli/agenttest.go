package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/pruntime"
)

// agentTest is one entry of tests.json: a request, what the answer must
// hold, and the host APIs it runs against.
type agentTest struct {
	Name    string `json:"name"`
	Request struct {
		Method  string            `json:"method"`
		Path    string            `json:"path"`
		Query   string            `json:"query"`
		Headers map[string]string `json:"headers"`
		Body    string            `json:"body"`
	} `json:"request"`
	Expect struct {
		Status       int    `json:"status"`
		BodyContains string `json:"bodyContains"`
	} `json:"expect"`
	Mocks *agentMocks `json:"mocks,omitempty"`
}

// agentMocks replace host APIs for one test, so it runs without a network
// or a model: fetch answers from the table by URL (a URL not in it throws),
// llm.chat answers with Chat, kv starts with KV.
type agentMocks struct {
	Fetch map[string]mockResponse `json:"fetch,omitempty"`
	Chat  *string                 `json:"llm,omitempty"`
	KV    map[string]any          `json:"kv,omitempty"`
}

// mockResponse is a mocked fetch answer.
type mockResponse struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    string            `json:"body"`
}

// mockScript is the JavaScript that installs m before the agent's code
// runs: it replaces the globals the prelude defined.
func (m *agentMocks) script() (string, error) {
	if m == nil {
		return "", nil
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return "", err
	}
	return `(() => {
  const m = ` + string(raw) + `;
  const g = globalThis;
  if (m.fetch) g.fetch = async (url) => {
    const r = m.fetch[String(url)];
    if (!r) throw new Error("fetch mock: no answer for " + String(url) + " in tests.json");
    const status = r.status || 200, headers = new g.Headers(r.headers || {});
    return { ok: status >= 200 && status < 300, status, url: String(url), headers, text: async () => r.body, json: async () => JSON.parse(r.body) };
  };
  if (m.llm !== undefined) {
    const chat = async (req) => ({ model: (req && req.model) || "mock/mock", content: m.llm,
      choices: [{ index: 0, message: { role: "assistant", content: m.llm }, finish_reason: "stop" }],
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 } });
    g.llm = Object.freeze({ chat, models: async () => ["mock/mock"] });
  }
  for (const [k, v] of Object.entries(m.kv || {})) g.kv.set(k, v);
})();
`, nil
}

// findTests looks for tests.json beside the agent file, then in the
// folders above it up to the project's root (the first with a
// package.json), then in a tests/ folder there: where phala agent init
// puts it, and where a project laid out like Phala's template keeps it.
func findTests(file string) (string, error) {
	dir, err := filepath.Abs(filepath.Dir(file))
	if err != nil {
		return "", err
	}
	var tried []string
	for {
		for _, p := range []string{filepath.Join(dir, "tests.json"), filepath.Join(dir, "tests", "tests.json")} {
			tried = append(tried, p)
			if _, err := os.Stat(p); err == nil {
				return p, nil
			}
		}
		_, err := os.Stat(filepath.Join(dir, "package.json"))
		parent := filepath.Dir(dir)
		if err == nil || !errors.Is(err, fs.ErrNotExist) || parent == dir {
			return "", fmt.Errorf("no tests.json for %s (looked at %s)", file, strings.Join(tried, ", "))
		}
		dir = parent
	}
}

func runAgentTests(cmd *cobra.Command, g *globals, d *pruntime.DevAgent, file string) error {
	path, err := findTests(file)
	if err != nil {
		return err
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read tests: %w", err)
	}
	var tests []agentTest
	if err := json.Unmarshal(raw, &tests); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	code, err := BundleFile(file)
	if err != nil {
		return err
	}
	failed := 0
	for _, tc := range tests {
		if msg := runAgentTest(cmd, d, code, tc); msg != "" {
			fmt.Fprintf(g.out, "FAIL %s: %s\n", tc.Name, msg)
			failed++
			continue
		}
		fmt.Fprintf(g.out, "ok   %s\n", tc.Name)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d tests failed", failed, len(tests))
	}
	return nil
}

// runAgentTest runs one test and says what failed, or "" if it passed.
func runAgentTest(cmd *cobra.Command, d *pruntime.DevAgent, code []byte, tc agentTest) string {
	mocks, err := tc.Mocks.script()
	if err != nil {
		return "mocks: " + err.Error()
	}
	q, _ := parseQuery(tc.Request.Query)
	m := tc.Request.Method
	if m == "" {
		m = http.MethodGet
	}
	resp, err := d.Call(cmd.Context(), append([]byte(mocks), code...), m, orSlash(tc.Request.Path), q, tc.Request.Headers, []byte(tc.Request.Body))
	switch {
	case err != nil:
		return err.Error()
	case tc.Expect.Status != 0 && resp.Status != tc.Expect.Status:
		return fmt.Sprintf("status %d, want %d (body %s)", resp.Status, tc.Expect.Status, resp.Body)
	case !strings.Contains(resp.Body, tc.Expect.BodyContains):
		return fmt.Sprintf("body %s does not contain %s", resp.Body, tc.Expect.BodyContains)
	}
	return ""
}
