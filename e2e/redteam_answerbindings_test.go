package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/agentio"
)

// TestRedTeamAnswerBindings drives the real binary the way someone holding
// a saved answer, or sitting between a caller and the worker, would:
//
//   - HeaderEdited: a saved answer whose Content-Type was changed (the
//     same JSON bytes relabelled text/html) must fail `phala verify`,
//     naming the response binding. On main only the status and the body
//     were signed: it verified.
//   - APIKeyBindsRequest: an agent call with an API key (what plain HTTP
//     clients send) gets an answer that binds the request sent (method,
//     path, query, content headers, body); on main the request hash of an
//     API-key call came from a random nonce and bound no request content.
func TestRedTeamAnswerBindings(t *testing.T) {
	h := newHarness(t)
	n := h.startAgentDevnet("--block-time", "200ms")
	dn, url, gw := n.dn, n.url, n.gw
	common := append(cliFlags(n.home, url), "--gateway", gw)
	run := func(args ...string) string { return h.mustRun(append(args, common...)...) }
	agent := h.deployAgent(common, filepath.Join(repoRoot, "e2e", "testdata", "json-agent.ts"), n.cluster, nil, dn)
	run("agent", "deposit", "5PHA", "--from", "bob")
	apiKey := strings.TrimSpace(run("agent", "apikey", "create", "--from", "bob"))

	t.Run("HeaderEdited", func(t *testing.T) {
		answer := filepath.Join(t.TempDir(), "answer.json")
		waitFor(t, 30*time.Second, "a paid call through the gateway", func() (bool, error) {
			return h.run(append([]string{"agent", "call", agent, "/x", "-d", `{"a":1}`, "--from", "bob", "--seal=false", "--save", answer}, common...)...).code == 0, nil
		}, dn)
		if v := h.mustRun("verify", answer, "--node", url); !strings.Contains(v, "signature   ok") {
			t.Fatalf("the genuine answer: %s", v)
		}
		var saved map[string]any
		raw, _ := os.ReadFile(answer)
		json.Unmarshal(raw, &saved)
		hdr := saved["headers"].(map[string]any)
		if ct := fmt.Sprint(hdr["Content-Type"]); !strings.Contains(ct, "application/json") {
			t.Fatalf("the saved answer's Content-Type is %s", ct)
		}
		hdr["Content-Type"] = []string{"text/html"}
		raw, _ = json.Marshal(saved)
		os.WriteFile(answer, raw, 0o600)
		r := h.run("verify", answer, "--node", url)
		if r.code == 0 {
			t.Fatalf("phala verify accepted an answer whose Content-Type was changed to text/html:\n%s", r.stdout)
		}
		if !strings.Contains(r.stderr, agentio.ErrAnswerResponse.Error()) {
			t.Fatalf("the refusal does not name the response binding: %s", r.stderr)
		}
	})

	t.Run("APIKeyBindsRequest", func(t *testing.T) {
		body := []byte(`{"question":"which request is this?"}`)
		var req *http.Request
		var resp *http.Response
		var out []byte
		waitFor(t, 30*time.Second, "an API-key call through the gateway", func() (bool, error) {
			req, _ = http.NewRequest("POST", gw+"/agents/"+agent+"/ask?lang=en", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+apiKey)
			var err error
			if resp, err = http.DefaultClient.Do(req); err != nil {
				return false, err
			}
			out, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			return resp.StatusCode == http.StatusOK, nil
		}, dn)
		a, _, err := agentio.AnswerFrom(resp.Header)
		if err != nil {
			t.Fatalf("the answer to an API-key call carries no signed answer: %v (headers %v)", err, resp.Header)
		}
		sent := agentio.RequestHash("POST", req.URL.RequestURI(), req.Header, body)
		exp := agentio.Expect{Request: sent, Status: resp.StatusCode, Header: resp.Header, Body: out}
		if err := a.Check(exp); err != nil {
			t.Fatalf("the answer does not bind the API-key request sent: %v", err)
		}
		for what, other := range map[string][32]byte{
			"another body":  agentio.RequestHash("POST", req.URL.RequestURI(), req.Header, []byte(`{"question":"another"}`)),
			"another query": agentio.RequestHash("POST", "/agents/"+agent+"/ask?lang=fr", req.Header, body),
		} {
			if err := a.Check(agentio.Expect{Request: other}); !errors.Is(err, agentio.ErrAnswerRequest) {
				t.Errorf("%s: %v, want %v", what, err, agentio.ErrAnswerRequest)
			}
		}
	})
	dn.interrupt()
}
