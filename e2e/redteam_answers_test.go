package e2e

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/agentio"
)

// resignAnswer replaces the answer in h with the same statement signed by
// key, naming key as the worker (claim false) or leaving the real
// worker's id in place (claim true).
func resignAnswer(h http.Header, key ed25519.PrivateKey, claim bool) {
	a, _, err := agentio.AnswerFrom(h)
	if err != nil {
		return
	}
	if !claim {
		a.Worker = [32]byte(key.Public().(ed25519.PublicKey))
	}
	agentio.SetAnswer(h, a, a.Sign(key))
}

// TestRedTeamAnswers: with one devnet, a public echo agent and a second
// agent: a gateway that re-signs answers with its own key is caught by
// `phala agent call`, and `phala verify` refuses a genuine answer saved
// with another request, one from another agent, and one whose
// Content-Type was changed. Each refusal names the binding that failed,
// and the command prints no answer.
func TestRedTeamAnswers(t *testing.T) {
	h := newLongHarness(t, "runs a devnet")
	n := h.startAgentDevnet("--block-time", "200ms")
	dn, url, gw := n.dn, n.url, n.gw
	kr := cliFlags(n.home, url)
	one := deployEchoAgent(t, h, kr, n.cluster, nil, dn)
	two := deployEchoAgent(t, h, kr, n.cluster, nil, dn)
	h.mustRun(append([]string{"agent", "deposit", "5PHA", "--from", "bob"}, kr...)...)
	dir := t.TempDir()
	call := func(gateway, agent, path, save string) result {
		args := append([]string{"agent", "call", agent, path, "--from", "bob", "--gateway", gateway}, kr...)
		if save != "" {
			args = append(args, "--seal=false", "--save", filepath.Join(dir, save))
		}
		return h.run(args...)
	}
	waitFor(t, 60*time.Second, "an honest call through the gateway", func() (bool, error) {
		return call(gw, one, "/warm", "").code == 0, nil
	}, dn)

	t.Run("GatewayResigns", func(t *testing.T) {
		_, attacker, _ := ed25519.GenerateKey(rand.Reader)
		for _, tc := range []struct {
			name  string
			claim bool
			want  string
		}{
			{"with its own key as the worker", false, "not a registered, attested, active worker"},
			{"claiming the real worker's id", true, "signature does not verify"},
		} {
			// A hostile gateway in front of the real one signs every answer again.
			hostile := startTamperingProxy(t, gw, func(_ []byte, _ int, hd http.Header, body []byte) []byte {
				resignAnswer(hd, attacker, tc.claim)
				return body
			})
			r := call(hostile, one, "/resigned?x=1", "")
			if r.code == 0 || !strings.Contains(r.stderr, tc.want) || strings.Contains(r.stdout, "/resigned") {
				t.Fatalf("%s: want a refusal naming %q and no answer printed, got %s", tc.name, tc.want, r)
			}
			t.Logf("%s: %s", tc.name, lastLine(r.stderr))
		}
	})

	if r := call(gw, one, "/a?n=1", "a.json"); r.code != 0 {
		t.Fatal(r)
	}
	if r := call(gw, one, "/b?n=2", "b.json"); r.code != 0 {
		t.Fatal(r)
	}
	if r := call(gw, two, "/a?n=1", "c.json"); r.code != 0 {
		t.Fatal(r)
	}
	verify := func(file string) result { return h.run(append([]string{"verify", filepath.Join(dir, file)}, kr...)...) }
	if r := verify("a.json"); r.code != 0 || !strings.Contains(r.stdout, "request     ok") || !strings.Contains(r.stdout, "cluster     ok") {
		t.Fatalf("verify an honest answer: %s", r)
	}
	load := func(file string) map[string]any {
		var m map[string]any
		raw, _ := os.ReadFile(filepath.Join(dir, file))
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	save := func(file string, m map[string]any) {
		raw, _ := json.Marshal(m)
		os.WriteFile(filepath.Join(dir, file), raw, 0o600)
	}
	for _, tc := range []struct {
		name string
		make func() map[string]any
		want string
	}{
		{"AnswerToAnotherRequest", func() map[string]any {
			b := load("b.json") // b's genuine answer, presented as the answer to a's request
			b["request"] = load("a.json")["request"]
			return b
		}, "answer is to another request"},
		{"AnswerFromAnotherAgent", func() map[string]any {
			c := load("c.json") // agent two's genuine answer to the same path, presented as agent one's
			c["request"] = load("a.json")["request"]
			return c
		}, "answer is from another agent"},
		{"ChangedContentType", func() map[string]any {
			a := load("a.json")
			a["headers"].(map[string]any)["Content-Type"] = []string{"text/html"}
			return a
		}, "response does not match the signed answer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			save("forged.json", tc.make())
			r := verify("forged.json")
			if r.code == 0 || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("verify: want a refusal naming %q, got %s", tc.want, r)
			}
			t.Log(lastLine(r.stderr))
		})
	}
	dn.interrupt()
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
