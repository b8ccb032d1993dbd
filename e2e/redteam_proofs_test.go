package e2e

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/phalanetwork/phala/chain/app"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/envelope"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/contracts"
)

// lyingRPC is a hostile node: a reverse proxy in front of a real node's
// RPC that rewrites the answer to every abci_query whose path and data
// match, through rewrite (which gets and returns the answer's value). It
// counts the answers it rewrote.
type lyingRPC struct {
	URL     string
	rewrote atomic.Int64

	mu  sync.Mutex
	txs [][]byte // the transactions broadcast through it
}

func startLyingRPC(t *testing.T, nodeURL string, rewrite func(path string, data []byte, value []byte) ([]byte, bool)) *lyingRPC {
	t.Helper()
	l := &lyingRPC{}
	l.URL = startTamperingProxy(t, nodeURL, func(reqBody []byte, _ int, _ http.Header, body []byte) []byte {
		return l.lie(reqBody, body, rewrite)
	})
	return l
}

// startTamperingProxy is a hostile reverse proxy in front of upstream: it
// forwards each request and passes the answer through tamper, which may
// change the headers in place and returns the body to send.
func startTamperingProxy(t *testing.T, upstream string, tamper func(reqBody []byte, status int, h http.Header, body []byte) []byte) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req, _ := http.NewRequestWithContext(r.Context(), r.Method, upstream+r.URL.RequestURI(), bytes.NewReader(body))
		req.Header = r.Header.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		h := resp.Header.Clone()
		out = tamper(body, resp.StatusCode, h, out)
		h.Del("Content-Length")
		for k, vs := range h {
			w.Header()[k] = vs
		}
		w.WriteHeader(resp.StatusCode)
		w.Write(out)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// lie rewrites one JSON-RPC abci_query answer; anything else passes.
func (l *lyingRPC) lie(reqBody, respBody []byte, rewrite func(string, []byte, []byte) ([]byte, bool)) []byte {
	var req struct {
		Method string `json:"method"`
		Params struct {
			Path string `json:"path"`
			Data string `json:"data"`
			Tx   []byte `json:"tx"`
		} `json:"params"`
	}
	if json.Unmarshal(reqBody, &req) != nil {
		return respBody
	}
	if strings.HasPrefix(req.Method, "broadcast_tx") {
		l.mu.Lock()
		l.txs = append(l.txs, req.Params.Tx)
		l.mu.Unlock()
	}
	if req.Method != "abci_query" {
		return respBody
	}
	data, _ := hex.DecodeString(req.Params.Data)
	var resp map[string]any
	if json.Unmarshal(respBody, &resp) != nil {
		return respBody
	}
	result, _ := resp["result"].(map[string]any)
	r, _ := result["response"].(map[string]any)
	if r == nil {
		return respBody
	}
	value, _ := r["value"].(string)
	raw, _ := base64.StdEncoding.DecodeString(value)
	forged, ok := rewrite(req.Params.Path, data, raw)
	if !ok {
		return respBody
	}
	r["value"] = base64.StdEncoding.EncodeToString(forged)
	l.rewrote.Add(1)
	out, _ := json.Marshal(resp)
	return out
}

// openedSecrets returns the agent secrets that key opens in the
// transactions broadcast through l.
func (l *lyingRPC) openedSecrets(t *testing.T, key *ecdh.PrivateKey) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, raw := range l.txs {
		tr, err := tx.Decode(app.NewRegistry(), raw)
		if err != nil {
			t.Fatalf("a transaction broadcast through the lying node: %v", err)
		}
		for _, m := range tr.Msgs {
			set, ok := m.(*agents.MsgSetSecrets)
			if !ok {
				continue
			}
			if env, err := envelope.Decode(set.Envelope); err == nil {
				if plain, err := envelope.Open(key, envelope.PurposeAgentSecret, env); err == nil {
					out = append(out, string(plain))
				}
			}
		}
	}
	return out
}

// withECDHKey returns the JSON record raw with its ecdh_pubkey replaced.
func withECDHKey(raw []byte, key []byte) ([]byte, bool) {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil || m == nil {
		return nil, false
	}
	if _, ok := m["ecdh_pubkey"]; !ok {
		return nil, false
	}
	m["ecdh_pubkey"] = hex.EncodeToString(key)
	out, err := json.Marshal(m)
	return out, err == nil
}

// TestRedTeamLyingNodeSecretsKey: an RPC node that rewrites the agent's
// key in its query answers (the agent query and the proven "/store" read
// of the agent's key record alike) cannot make `phala agent secrets set`
// seal the owner's secrets to the attacker's key: the proof check refuses
// the forged record, nothing is sent, and the attacker opens nothing.
func TestRedTeamLyingNodeSecretsKey(t *testing.T) {
	h, home, url, kr, agent := devnetWithEchoAgent(t)
	id, _ := hex.DecodeString(agent)

	attacker, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	liar := startLyingRPC(t, url, func(path string, data, value []byte) ([]byte, bool) {
		if path == agents.AgentPath([32]byte(id)) || (path == "/store" && bytes.Equal(data, contracts.ContractKey([32]byte(id)))) {
			return withECDHKey(value, attacker.PublicKey().Bytes())
		}
		return nil, false
	})

	const canary = "sk-lying-node-canary-5e1f"
	lyingFlags := []string{"--home", home, "--keyring-backend", "test", "--node", liar.URL}
	r := h.run(append([]string{"agent", "secrets", "set", agent, "API_KEY=" + canary, "--from", "alice"}, lyingFlags...)...)
	if liar.rewrote.Load() == 0 {
		t.Fatalf("the lying node rewrote nothing: %s", r)
	}
	if got := liar.openedSecrets(t, attacker); len(got) != 0 {
		t.Fatalf("the attacker opened the owner's secrets, sealed to its key and broadcast through the lying node: %s", got)
	}
	// agent info hides the ciphertext: read the record from the honest node.
	c := newClient(t, url)
	a, err := c.Agent(t.Context(), [32]byte(id))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Secrets) != 0 {
		env, err := envelope.Decode(a.Secrets)
		if err == nil {
			if plain, err := envelope.Open(attacker, envelope.PurposeAgentSecret, env); err == nil {
				t.Fatalf("the attacker opened the owner's secrets, sealed to its key through a lying node: %s", plain)
			}
		}
	}
	if r.code == 0 || !strings.Contains(r.stderr, "membership check failed") || !strings.Contains(r.stderr, "bad proof") {
		t.Fatalf("secrets set through a lying node: want a refusal naming the proof check, got %s", r)
	}
	if len(a.Secrets) != 0 {
		t.Fatal("a refused secrets set left secrets on chain")
	}
	// Through the honest node the same command works, sealed to the agent's
	// real key: the attacker still opens nothing.
	h.mustRun(append([]string{"agent", "secrets", "set", agent, "API_KEY=" + canary, "--from", "alice"}, kr...)...)
	if a, err = c.Agent(t.Context(), [32]byte(id)); err != nil {
		t.Fatal(err)
	}
	env, err := envelope.Decode(a.Secrets)
	if err != nil {
		t.Fatalf("secrets on chain: %v", err)
	}
	if _, err := envelope.Open(attacker, envelope.PurposeAgentSecret, env); err == nil {
		t.Fatal("the attacker opens the secrets set through the honest node")
	}
}

// echoAgent answers every call with its path, method and body.
const echoAgent = `export default async function main(req) {
  return { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify({ path: req.path, method: req.method, body: req.body }) };
}
`

// deployEchoAgent deploys echoAgent as a public agent in cluster (free,
// unless extra sets --price) and waits for its keys; it returns its id.
func deployEchoAgent(t *testing.T, h *harness, kr []string, cluster string, extra []string, procs ...*proc) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "echo.ts")
	if err := os.WriteFile(file, []byte(echoAgent), 0o600); err != nil {
		t.Fatal(err)
	}
	return h.deployAgent(kr, file, cluster, extra, procs...)
}

// deployAgent deploys the agent in file as alice, a public agent in
// cluster (free, unless extra sets --price), with `phala agent deploy`
// and the flags kr, and waits for its keys; it returns its id.
func (h *harness) deployAgent(kr []string, file, cluster string, extra []string, procs ...*proc) string {
	t := h.t
	t.Helper()
	var dep struct {
		Agent string `json:"agent"`
	}
	h.mustRunJSON(&dep, append([]string{"agent", "deploy", file, "--cluster", cluster, "--policy", "public", "--from", "alice"}, append(extra, kr...)...)...)
	if len(dep.Agent) != 64 {
		t.Fatalf("deploy: %+v", dep)
	}
	h.waitAgentKeys(kr, dep.Agent, procs...)
	return dep.Agent
}

// waitAgentKeys waits until `phala agent info` with the flags kr shows
// agent's keys.
func (h *harness) waitAgentKeys(kr []string, agent string, procs ...*proc) {
	h.t.Helper()
	waitFor(h.t, 60*time.Second, "the agent's keys", func() (bool, error) {
		var a agents.AgentView
		r := h.run(append([]string{"agent", "info", agent, "--output", "json"}, kr...)...)
		return r.code == 0 && json.Unmarshal([]byte(r.stdout), &a) == nil && len(a.ECDHKey) == 32, nil
	}, procs...)
}

// TestRedTeamLyingNodeDisplay: an RPC node that rewrites what the display
// commands show (an agent's price, an account's balance) in its query
// answers, the plain queries and the proven "/store" reads alike, is
// caught: `phala agent info` and `phala query balance` read with proofs
// and refuse, naming the proof check, instead of printing the lie; through
// the honest node they print the real values.
func TestRedTeamLyingNodeDisplay(t *testing.T) {
	h, home, url, kr, agent := devnetWithEchoAgent(t)
	const forgedPrice, forgedBalance = "777000000000000000000", "424242000000000000000000"
	liar := startLyingRPC(t, url, func(path string, data, value []byte) ([]byte, bool) {
		switch {
		case strings.HasPrefix(path, "/agents/agent/") || (path == "/store" && bytes.HasPrefix(data, []byte("agents/"))):
			return withJSONField(value, "price", forgedPrice)
		case strings.HasPrefix(path, "/balances/account/"):
			return withJSONField(value, "balance", forgedBalance)
		case path == "/store" && bytes.HasPrefix(data, []byte("balances/a/")) && len(value) > 0:
			forged := bytes.Clone(value)
			forged[0] ^= 0x40 // a balance 2^126 larger or smaller
			return forged, true
		}
		return nil, false
	})
	lying := []string{"--home", home, "--keyring-backend", "test", "--node", liar.URL}
	for _, args := range [][]string{{"agent", "info", agent}, {"query", "balance", "alice"}} {
		r := h.run(append(args, lying...)...)
		if liar.rewrote.Load() == 0 {
			t.Fatalf("the lying node rewrote nothing: %s", r)
		}
		if r.code == 0 || !strings.Contains(r.stderr, "proof") {
			t.Fatalf("%s through a lying node: want a refusal naming the proof check, got %s", args[0], r)
		}
		if strings.Contains(r.stdout, "777") || strings.Contains(r.stdout, "4242") {
			t.Fatalf("%s printed the lying node's value: %s", args[0], r)
		}
		liar.rewrote.Store(0)
	}
	// A computed view no proof covers says so.
	if r := h.run(append([]string{"query", "supply"}, lying...)...); r.code != 0 || !strings.Contains(r.stderr, "read without a proof") {
		t.Fatalf("query supply: want the node's answer marked unproven, got %s", r)
	}
	if out := h.mustRun(append([]string{"agent", "info", agent}, kr...)...); strings.Contains(out, "777") || !strings.Contains(out, "price") {
		t.Fatalf("agent info through the honest node: %s", out)
	}
	if out := h.mustRun(append([]string{"query", "balance", "alice"}, kr...)...); strings.Contains(out, "4242") || !strings.Contains(out, "PHA") {
		t.Fatalf("query balance through the honest node: %s", out)
	}
	checkLyingNodeBlocks(t, h, home, url, kr)
}

// checkLyingNodeBlocks: a node that reports a committed transfer as
// failed, or serves another transaction in a block, is refused by `query
// tx` and `query block`, naming the proof check; through the honest node
// both print. Before, both printed the node's answer.
func checkLyingNodeBlocks(t *testing.T, h *harness, home, url string, kr []string) {
	t.Helper()
	out := h.mustRun(append([]string{"tx", "transfer", "alice", "bob", "1PHA", "--yes"}, kr...)...)
	hm, bm := reTxHash.FindStringSubmatch(out), reTxHeight.FindStringSubmatch(out)
	if hm == nil || bm == nil {
		t.Fatalf("tx transfer printed no tx hash or block:\n%s", out)
	}
	hash, height := hm[1], bm[1]
	var edits atomic.Int64
	liar := startTamperingProxy(t, url, func(reqBody []byte, _ int, _ http.Header, body []byte) []byte {
		var req struct {
			Method string `json:"method"`
		}
		var resp map[string]any
		if json.Unmarshal(reqBody, &req) != nil || json.Unmarshal(body, &resp) != nil {
			return body
		}
		result, _ := resp["result"].(map[string]any)
		switch req.Method {
		case "tx": // the success becomes a failure
			r, _ := result["tx_result"].(map[string]any)
			if r == nil {
				return body
			}
			r["code"] = 7
		case "block": // one byte of the block's first transaction changes
			block, _ := result["block"].(map[string]any)
			data, _ := block["data"].(map[string]any)
			txs, _ := data["txs"].([]any)
			if len(txs) == 0 {
				return body
			}
			raw, _ := base64.StdEncoding.DecodeString(txs[0].(string))
			raw[len(raw)-1] ^= 1
			txs[0] = base64.StdEncoding.EncodeToString(raw)
		default:
			return body
		}
		edits.Add(1)
		forged, _ := json.Marshal(resp)
		return forged
	})
	lying := []string{"--home", home, "--keyring-backend", "test", "--node", liar}
	for _, args := range [][]string{{"query", "tx", hash}, {"query", "block", height}} {
		r := h.run(append(args, lying...)...)
		if edits.Load() == 0 {
			t.Fatalf("%s: the lying node edited nothing: %s", args[1], r)
		}
		if r.code == 0 || !strings.Contains(r.stderr, "proof check failed") {
			t.Fatalf("%s through a node that edits it: want a refusal naming the proof check, got %s", args[1], r)
		}
		edits.Store(0)
		if honest := h.run(append(args, kr...)...); honest.code != 0 || !strings.Contains(honest.stdout, height) {
			t.Fatalf("%s through the honest node: %s", args[1], honest)
		}
	}
}

// withJSONField returns the JSON object raw with field set to the string
// value, if raw has that field.
func withJSONField(raw []byte, field, value string) ([]byte, bool) {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil || m == nil {
		return nil, false
	}
	if _, ok := m[field]; !ok {
		return nil, false
	}
	m[field] = value
	out, err := json.Marshal(m)
	return out, err == nil
}

// devnetWithEchoAgent starts a devnet (200 ms blocks), waits for its
// cluster and deploys the echo agent there; it returns the harness, the
// devnet's home and RPC URL, the CLI flags for it and the agent's id.
func devnetWithEchoAgent(t *testing.T) (h *harness, home, url string, kr []string, agent string) {
	t.Helper()
	h = newLongHarness(t, "runs a devnet")
	dn, home, url := h.startDevnet("--block-time", "200ms")
	cl := h.waitCluster(url, dn)
	kr = cliFlags(home, url)
	return h, home, url, kr, deployEchoAgent(t, h, kr, fmt.Sprintf("%x", []byte(cl.ID)), nil, dn)
}
