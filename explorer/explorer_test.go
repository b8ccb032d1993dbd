package explorer_test

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/chain/app"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/explorer"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/modules/dao"
	"github.com/phalanetwork/phala/modules/stakepool"
	"github.com/phalanetwork/phala/modules/vault"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/sandbox"
)

const canary = "sk-explorer-canary-3b1d9e"

// env is a devnet with a transfer, a confidential contract that ran a
// sealed command, and an agent holding a sealed canary secret, with an
// explorer in front of it.
type env struct {
	d        *devnet.Devnet
	c        *client.Client
	ex       *explorer.Explorer
	srv      *httptest.Server
	alice    ed25519.PrivateKey
	bob      address.Address
	transfer *client.Committed
	cluster  [32]byte
	contract [32]byte
	exec     *client.SentCommand
	agent    [32]byte
	secrets  *client.Committed
	answers  map[string]string // every API answer the test read
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	d, err := devnet.Start(ctx, devnet.Options{Home: filepath.Join(t.TempDir(), "devnet"), BlockTime: 100 * time.Millisecond, Workers: 2, Gatekeepers: 1, Cluster: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Stop() })
	e := &env{d: d, answers: map[string]string{}}
	if e.c, err = client.New(d.RPCURL); err != nil {
		t.Fatal(err)
	}
	if e.ex, err = explorer.New(d.RPCURL, nil); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	e.ex.Mount(mux)
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	t.Cleanup(func() { e.ex.Stop() })

	e.alice, _ = d.Keyring.PrivKey("alice")
	bob, _ := d.Keyring.Get("bob")
	e.bob = bob.Address
	if e.transfer, err = e.c.Send(ctx, e.alice, pha.Amount{}, "to bob", &balances.MsgTransfer{To: e.bob, Amount: pha.Whole(2)}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the cluster's member to hold its key", func() (bool, error) {
		var list []clusters.Cluster
		_, err := e.c.Query(ctx, "/clusters/list", &list)
		if len(list) == 1 {
			e.cluster = [32]byte(list[0].ID)
		}
		return len(list) == 1 && len(list[0].Holders) == 1, err
	})

	// A contract that ran one sealed command.
	hash := e.upload(t, "token.ts", mustRead(t, "../examples/contracts/token/token.ts"))
	if e.contract, _, err = e.c.Instantiate(ctx, e.alice, hash, e.cluster, json.RawMessage(`{"supply":1000}`), false); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the contract's keys", func() (bool, error) {
		rec, err := e.c.Contract(ctx, e.contract)
		return len(rec.ECDHKey) == 32 && rec.Results == 1, err
	})
	if e.exec, err = e.c.Exec(ctx, e.alice, e.contract, json.RawMessage(`{"transfer":{"to":"`+e.bob.String()+`","amount":7}}`), 0); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if r, err := e.c.WaitResult(wctx, e.exec); err != nil || !r.OK {
		t.Fatalf("exec: %+v %v", r, err)
	}

	// An agent with a sealed canary secret.
	code := e.upload(t, "agent.js", `export default async function main(request) { return JSON.stringify({status: 200, body: "hi"}); }`)
	if e.agent, _, err = e.c.DeployAgent(ctx, e.alice, code, e.cluster, agents.Policy{Kind: agents.PolicyPublic}, pha.Units(250_000_000_000)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the agent's keys", func() (bool, error) {
		a, err := e.c.Agent(ctx, e.agent)
		return len(a.ECDHKey) == 32, err
	})
	if e.secrets, err = e.c.SetAgentSecrets(ctx, e.alice, e.agent, map[string]string{"API_KEY": canary}); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) upload(t *testing.T, name, src string) [32]byte {
	t.Helper()
	code, err := sandbox.Bundle(map[string]string{name: src}, name)
	if err != nil {
		t.Fatal(err)
	}
	hash, _, err := e.c.UploadCode(context.Background(), e.alice, code)
	if err != nil {
		t.Fatal(err)
	}
	return hash
}

// get reads an API path, requires status want and decodes the answer into
// out (if not nil).
func (e *env) get(t *testing.T, path string, want int, out any) string {
	t.Helper()
	resp, err := http.Get(e.srv.URL + "/explorer/api/" + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %d, want %d\n%s", path, resp.StatusCode, want, b)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("GET %s: content type %q", path, ct)
	}
	e.answers[path] = string(b)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("GET %s: %v\n%s", path, err, b)
		}
	}
	return string(b)
}

func TestExplorerAPI(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	h := func(b [32]byte) string { return hex.EncodeToString(b[:]) }
	workers := e.d.Workers

	var st struct {
		ChainID                                           string `json:"chain_id"`
		Height                                            int64  `json:"height"`
		Workers, Gatekeepers, Clusters, Contracts, Agents int
		Generation                                        *uint64
		Supply                                            struct{ Total string }
		AvgBlockTimeMS                                    int64 `json:"avg_block_time_ms"`
		Validators                                        int
		Rotation                                          string
		CatchingUp                                        bool `json:"catching_up"`
	}
	e.get(t, "status", 200, &st)
	if st.ChainID != devnet.ChainID || st.Height < e.transfer.Height || st.Workers != 2 || st.Gatekeepers != 1 || st.Clusters != 1 ||
		st.Contracts != 1 || st.Agents != 1 || st.Generation == nil || st.Validators != 1 || st.AvgBlockTimeMS <= 0 || st.Supply.Total != "1000000000PHA" {
		t.Fatalf("status %+v", st)
	}

	var blocks struct {
		Latest int64
		Blocks []struct {
			Height int64
			NumTxs int `json:"num_txs"`
		}
	}
	e.get(t, "blocks?limit=5", 200, &blocks)
	if len(blocks.Blocks) != 5 || blocks.Blocks[0].Height > blocks.Latest || blocks.Blocks[0].Height != blocks.Blocks[4].Height+4 {
		t.Fatalf("blocks %+v", blocks)
	}
	e.get(t, fmt.Sprintf("blocks?before=%d&limit=3", e.transfer.Height), 200, &blocks)
	if len(blocks.Blocks) != int(min(3, e.transfer.Height)) || blocks.Blocks[0].Height != e.transfer.Height || blocks.Blocks[0].NumTxs < 1 {
		t.Fatalf("blocks before %d: %+v", e.transfer.Height, blocks)
	}

	var block struct {
		Height int64
		Txs    []txSum
	}
	e.get(t, fmt.Sprintf("block/%d", e.transfer.Height), 200, &block)
	if !hasTx(block.Txs, e.transfer.Hash) {
		t.Fatalf("block %d lacks the transfer: %+v", e.transfer.Height, block)
	}

	var tx struct {
		txSum
		Memo string
		Msgs []struct {
			Type   string
			Fields map[string]any
		}
		Events []struct{ Type string }
	}
	e.get(t, "tx/"+strings.ToLower(e.transfer.Hash), 200, &tx)
	if tx.Hash != e.transfer.Hash || !tx.OK || tx.Memo != "to bob" || len(tx.Msgs) != 1 || tx.Msgs[0].Type != balances.TypeTransfer ||
		tx.Msgs[0].Fields["to"] != e.bob.String() || tx.Msgs[0].Fields["amount"] != "2PHA" || len(tx.Events) < 3 {
		t.Fatalf("tx %+v", tx)
	}
	e.get(t, "tx/"+strings.Repeat("ab", 32), 404, nil)
	e.get(t, "tx/nothex", 400, nil)

	// CometBFT indexes a block's transactions just after it commits: the
	// last ones may take a moment to show in a search.
	var txs struct{ Txs []txSum }
	for deadline := time.Now().Add(10 * time.Second); ; {
		e.get(t, "txs?limit=100", 200, &txs)
		if hasTx(txs.Txs, e.secrets.Hash) && hasTx(txs.Txs, e.transfer.Hash) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("latest txs lack the transfer or the secrets: %+v", txs)
		}
		time.Sleep(100 * time.Millisecond)
	}

	var bob struct {
		Address, Balance string
		Txs              []txSum
		Received         int `json:"received_count"`
	}
	e.get(t, "account/"+e.bob.String(), 200, &bob)
	if bt := txWith(bob.Txs, e.transfer.Hash); bob.Address != e.bob.String() || bob.Received < 1 || bt == nil || bt.Direction != "in" {
		t.Fatalf("bob %+v", bob)
	}
	var alice struct {
		Txs                 []txSum
		Clusters, Contracts []string
		Agents              []string
	}
	e.get(t, "account/"+address.FromPubKey(e.alice.Public().(ed25519.PublicKey)).String(), 200, &alice)
	if !hasTx(alice.Txs, e.transfer.Hash) || alice.Txs[0].Direction != "out" || len(alice.Clusters) != 1 || len(alice.Contracts) != 1 || len(alice.Agents) != 1 {
		t.Fatalf("alice %+v", alice)
	}
	e.get(t, "account/pha1notanaddress", 400, nil)

	var ws struct {
		Workers []struct {
			ID, TEE, Measurement string
			Allowed              bool `json:"measurement_allowed"`
			Gatekeeper           bool
			Clusters             []string
			Online               *bool
		}
		Measurements []struct{ TEE string }
	}
	e.get(t, "workers", 200, &ws)
	if len(ws.Workers) != 2 || len(ws.Measurements) != 1 {
		t.Fatalf("workers %+v", ws)
	}
	for _, w := range ws.Workers {
		gk := w.ID == workers[0].ID().String()
		if w.TEE != "sim" || !w.Allowed || w.Gatekeeper != gk || (len(w.Clusters) == 1) == gk || w.Online == nil || !*w.Online {
			t.Fatalf("worker %+v", w)
		}
	}
	var w struct {
		ID          string
		Attestation struct {
			Verified bool
			Tx       string
		}
		Registrations  []txSum
		GatekeeperInfo *struct{ HoldsMasterKey bool } `json:"gatekeeper_info"`
	}
	e.get(t, "worker/"+workers[0].ID().String(), 200, &w)
	if !w.Attestation.Verified || len(w.Registrations) == 0 || w.Attestation.Tx != w.Registrations[0].Hash || w.Registrations[0].Types[0] != "registry/register_worker" ||
		w.GatekeeperInfo == nil {
		t.Fatalf("worker %+v", w)
	}
	e.get(t, "worker/"+strings.Repeat("00", 32), 404, nil)

	var ks struct {
		Current *struct {
			Generation uint64
			SignKey    string `json:"sign_pubkey"`
		}
		Gatekeepers []struct{ Worker string }
		Rotation    string
		Timeline    []struct{ Event string }
	}
	e.get(t, "keys", 200, &ks)
	if ks.Current == nil || len(ks.Current.SignKey) != 64 || len(ks.Gatekeepers) != 1 || ks.Rotation != "idle" || !hasEvent(ks.Timeline, "master_key_generation") || !hasEvent(ks.Timeline, "gatekeeper_added") {
		t.Fatalf("keys %+v", ks)
	}

	var cls struct {
		Clusters []struct {
			ID                string
			Contracts, Agents int
		}
	}
	e.get(t, "clusters", 200, &cls)
	if len(cls.Clusters) != 1 || cls.Clusters[0].ID != h(e.cluster) || cls.Clusters[0].Contracts != 1 || cls.Clusters[0].Agents != 1 {
		t.Fatalf("clusters %+v", cls)
	}
	var cl struct {
		Workers      []struct{ ID string }
		ContractList []struct{ ID string } `json:"contract_list"`
		AgentList    []struct{ ID string } `json:"agent_list"`
		Txs          []txSum
	}
	e.get(t, "cluster/"+h(e.cluster), 200, &cl)
	if len(cl.Workers) != 1 || len(cl.ContractList) != 1 || cl.ContractList[0].ID != h(e.contract) || len(cl.AgentList) != 1 || cl.AgentList[0].ID != h(e.agent) || len(cl.Txs) < 2 {
		t.Fatalf("cluster %+v", cl)
	}

	var cs struct{ Contracts []struct{ ID string } }
	e.get(t, "contracts", 200, &cs)
	if len(cs.Contracts) != 1 || cs.Contracts[0].ID != h(e.contract) {
		t.Fatalf("contracts %+v", cs)
	}
	var ct struct {
		Kind       string
		Inputs     uint64
		InputTxs   []txSum `json:"input_txs"`
		ResultList []struct {
			Input string
			OK    bool
		} `json:"result_list"`
		Code *struct{ Size int }
	}
	e.get(t, "contract/"+h(e.contract), 200, &ct)
	if ct.Kind != contracts.KindContract || ct.Inputs != 2 || !hasTx(ct.InputTxs, e.exec.Hash) || len(ct.ResultList) != 2 || !ct.ResultList[0].OK || ct.Code == nil || ct.Code.Size == 0 {
		t.Fatalf("contract %+v", ct)
	}

	var as struct {
		Agents []struct {
			ID         string
			SecretsSet bool `json:"secrets_set"`
		}
	}
	e.get(t, "agents", 200, &as)
	if len(as.Agents) != 1 || as.Agents[0].ID != h(e.agent) || !as.Agents[0].SecretsSet {
		t.Fatalf("agents %+v", as)
	}
	var ag struct {
		Owner, Price string
		Policy       struct{ Kind string }
		SecretsSet   bool `json:"secrets_set"`
		Txs          []txSum
	}
	e.get(t, "agent/"+h(e.agent), 200, &ag)
	if ag.Price != "0.25PHA" || ag.Policy.Kind != agents.PolicyPublic || !ag.SecretsSet || !hasTx(ag.Txs, e.secrets.Hash) {
		t.Fatalf("agent %+v", ag)
	}
	e.get(t, "contract/"+h(e.agent), 200, nil) // the page redirects agents to their own page

	var sup struct{ Total, Circulating, Staked string }
	e.get(t, "supply", 200, &sup)
	if sup.Total != "1000000000PHA" || sup.Staked != "0PHA" || sup.Circulating == "" {
		t.Fatalf("supply %+v", sup)
	}

	for q, want := range map[string]string{
		fmt.Sprint(e.transfer.Height):        fmt.Sprintf("#/block/%d", e.transfer.Height),
		strings.ToLower(e.transfer.Hash):     "#/tx/" + e.transfer.Hash,
		e.bob.String():                       "#/account/" + e.bob.String(),
		workers[1].ID().String():             "#/worker/" + workers[1].ID().String(),
		h(e.cluster):                         "#/cluster/" + h(e.cluster),
		"0x" + h(e.contract):                 "#/contract/" + h(e.contract),
		strings.ToUpper(h(e.agent)):          "#/agent/" + h(e.agent),
		" " + e.bob.String() + " ":           "#/account/" + e.bob.String(),
		blockHash(t, e.c, e.transfer.Height): fmt.Sprintf("#/block/%d", e.transfer.Height),
	} {
		var r struct{ Route string }
		e.get(t, "search?q="+url.QueryEscape(q), 200, &r)
		if r.Route != want {
			t.Errorf("search %q: %q, want %q", q, r.Route, want)
		}
	}
	e.get(t, "search?q=hello", 404, nil)
	e.get(t, "search?q=999999999", 404, nil)
	e.get(t, "search?q=", 400, nil)
	e.get(t, "nothing/here", 404, nil)

	// No answer carries a sealed byte or the canary.
	e.checkNoSecrets(t, ctx)
}

// checkNoSecrets greps every answer the test read for the canary, the
// sealed secrets, the sealed command and the sealed output, and for JSON
// keys that would hold them.
func (e *env) checkNoSecrets(t *testing.T, ctx context.Context) {
	t.Helper()
	a, err := e.c.Agent(ctx, e.agent)
	if err != nil || len(a.Secrets) == 0 {
		t.Fatalf("agent secrets: %v", err)
	}
	sealed := map[string][]byte{"agent secrets": a.Secrets}
	reg := app.NewRegistry()
	for name, hash := range map[string]string{"set_secrets": e.secrets.Hash, "exec": e.exec.Hash} {
		raw, _ := hex.DecodeString(hash)
		res, err := e.c.RPC.Tx(ctx, raw, false)
		if err != nil {
			t.Fatal(err)
		}
		decoded, err := tx.Decode(reg, res.Tx)
		if err != nil {
			t.Fatal(err)
		}
		switch m := decoded.Msgs[0].(type) {
		case *agents.MsgSetSecrets:
			sealed[name+" envelope"] = m.Envelope
		case *contracts.MsgExec:
			sealed[name+" envelope"] = m.Envelope
		default:
			t.Fatalf("%s is a %s", name, m.Type())
		}
	}
	var r contracts.Result
	if _, err := e.c.Query(ctx, fmt.Sprintf("/contracts/result/%x/%d", e.contract[:], e.exec.Input), &r); err != nil || len(r.Output) == 0 {
		t.Fatalf("result: %+v %v", r, err)
	}
	sealed["command output"] = r.Output
	if len(e.answers) < 30 {
		t.Fatalf("only %d answers read", len(e.answers))
	}
	for path, body := range e.answers {
		low := strings.ToLower(body)
		if strings.Contains(body, canary) {
			t.Errorf("api/%s shows the canary secret", path)
		}
		for what, b := range sealed {
			for _, off := range []int{0, len(b) / 3, len(b) / 2, len(b) - 24} {
				if chunk := hex.EncodeToString(b[off : off+24]); strings.Contains(low, chunk) {
					t.Errorf("api/%s shows %s bytes (hex at %d)", path, what, off)
				}
			}
			if strings.Contains(body, base64.StdEncoding.EncodeToString(b[:30])) {
				t.Errorf("api/%s shows %s (base64)", path, what)
			}
		}
		var v any
		if json.Unmarshal([]byte(body), &v) == nil {
			walkKeys(v, func(k string) {
				switch k {
				case "secrets", "envelope", "payload", "output", "outputs", "evidence", "ciphertext", "args", "source", "log_sealed":
					t.Errorf("api/%s has a %q field", path, k)
				}
			})
		}
	}
}

func walkKeys(v any, f func(string)) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			f(k)
			walkKeys(x, f)
		}
	case []any:
		for _, x := range v {
			walkKeys(x, f)
		}
	}
}

// TestExplorerPagesAndMount: the page and its files are served with a
// strict CSP; / redirects to the explorer only when nothing else serves it.
func TestExplorerPagesAndMount(t *testing.T) {
	ex, err := explorer.New("http://127.0.0.1:1", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Stop()
	mux := http.NewServeMux()
	ex.Mount(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/explorer/" {
		t.Fatalf("GET /: %s %q", resp.Status, resp.Header.Get("Location"))
	}
	for path, want := range map[string]string{"/explorer/": "<title>Phala Explorer</title>", "/explorer/app.js": "EventSource", "/explorer/style.css": "@media", "/explorer/favicon.svg": "<svg"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'self'") {
			t.Fatalf("GET %s: %s %q\n%.200s", path, resp.Status, resp.Header.Get("Content-Security-Policy"), b)
		}
		if strings.Contains(string(b), "http://") || strings.Contains(string(b), "https://") {
			if path != "/explorer/favicon.svg" { // the SVG namespace
				t.Errorf("%s refers to another origin", path)
			}
		}
	}
	// The node is unreachable: the API says so, as JSON.
	resp, err = http.Get(srv.URL + "/explorer/api/status")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("status with no node: %s", resp.Status)
	}

	// A mux that serves / keeps it.
	mux2 := http.NewServeMux()
	mux2.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("mine")) })
	ex.Mount(mux2)
	srv2 := httptest.NewServer(mux2)
	defer srv2.Close()
	resp, err = noRedirect.Get(srv2.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "mine" {
		t.Fatalf("GET / on a mux with its own root: %s %q", resp.Status, b)
	}
}

// TestExplorerEvents: the live stream says hello with the height, then
// sends each new block with its transactions; Stop ends it.
func TestExplorerEvents(t *testing.T) {
	ctx := context.Background()
	d, err := devnet.Start(ctx, devnet.Options{Home: filepath.Join(t.TempDir(), "devnet"), BlockTime: 100 * time.Millisecond, Workers: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Stop()
	ex, err := explorer.New(d.RPCURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	ex.Mount(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/explorer/api/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	events := make(chan [2]string, 64)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var ev string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				ev = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				events <- [2]string{ev, strings.TrimPrefix(line, "data: ")}
			}
		}
	}()
	next := func() [2]string {
		t.Helper()
		select {
		case e, ok := <-events:
			if !ok {
				t.Fatal("the stream ended")
			}
			return e
		case <-time.After(20 * time.Second):
			t.Fatal("no event in 20s")
		}
		return [2]string{}
	}
	if e := next(); e[0] != "hello" || !strings.Contains(e[1], `"height":`) {
		t.Fatalf("first event %q", e)
	}
	c, _ := client.New(d.RPCURL)
	alice, _ := d.Keyring.PrivKey("alice")
	bob, _ := d.Keyring.Get("bob")
	res, err := c.Send(ctx, alice, pha.Amount{}, "", &balances.MsgTransfer{To: bob.Address, Amount: pha.Whole(1)})
	if err != nil {
		t.Fatal(err)
	}
	var last int64
	for {
		e := next()
		var b struct {
			Height int64
			Txs    []struct{ Hash, Kind string }
		}
		if e[0] != "block" || json.Unmarshal([]byte(e[1]), &b) != nil {
			t.Fatalf("event %q", e)
		}
		if last != 0 && b.Height != last+1 {
			t.Fatalf("block %d after %d", b.Height, last)
		}
		last = b.Height
		if b.Height == res.Height {
			if len(b.Txs) != 1 || b.Txs[0].Hash != res.Hash || b.Txs[0].Kind != balances.TypeTransfer {
				t.Fatalf("block %d: %+v", b.Height, b)
			}
			break
		}
		if b.Height > res.Height {
			t.Fatalf("missed block %d", res.Height)
		}
	}
	ex.Stop()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-events:
			if !ok {
				return // Stop ended the stream
			}
		case <-deadline:
			t.Fatal("the stream outlived Stop")
		}
	}
}

// txSum is a transaction in the explorer's lists.
type txSum struct {
	Hash, Sender, Kind, Summary, Fee, Direction string
	Height                                      int64
	OK                                          bool
	Types                                       []string
}

func hasTx(txs []txSum, hash string) bool {
	return txWith(txs, hash) != nil
}

func txWith(txs []txSum, hash string) *txSum {
	for i := range txs {
		if txs[i].Hash == hash {
			return &txs[i]
		}
	}
	return nil
}

func hasEvent(list []struct{ Event string }, ev string) bool {
	for _, e := range list {
		if e.Event == ev {
			return true
		}
	}
	return false
}

func blockHash(t *testing.T, c *client.Client, h int64) string {
	t.Helper()
	b, err := c.RPC.Block(context.Background(), &h)
	if err != nil {
		t.Fatal(err)
	}
	return b.BlockID.Hash.String()
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func eventually(t *testing.T, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		ok, err := cond()
		if ok {
			return
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s (last error: %v)", what, last)
}

// TestExplorerPools: a worker mining in a stake pool shows with its pool,
// the share price rising in the page's history.
func TestExplorerPools(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	miner := e.d.Workers[1]
	owner, _ := e.d.Keyring.PrivKey("worker1")
	res, err := e.c.Send(ctx, owner, pha.Amount{}, "", &stakepool.MsgCreate{CommissionBps: 500})
	if err != nil {
		t.Fatal(err)
	}
	id, _ := res.Attr(stakepool.EventCreated, stakepool.AttrPool)
	pool, _ := strconv.ParseUint(id, 10, 64)
	for _, m := range []struct {
		key ed25519.PrivateKey
		msg tx.Msg
	}{
		{owner, &stakepool.MsgAddWorker{Pool: pool, Worker: miner.ID()}},
		{e.alice, &stakepool.MsgContribute{Pool: pool, Amount: pha.Whole(50_000)}},
		{owner, &stakepool.MsgStartComputing{Pool: pool, Worker: miner.ID(), Stake: pha.Whole(40_000)}},
	} {
		if _, err := e.c.Send(ctx, m.key, pha.Amount{}, "", m.msg); err != nil {
			t.Fatal(err)
		}
	}
	var view struct {
		Price   string `json:"share_price"`
		Workers []struct {
			Worker string
			State  string
		} `json:"worker_list"`
		History []struct {
			Height int64
			Price  string
		}
	}
	for deadline := time.Now().Add(20 * time.Second); ; {
		e.get(t, "pool/"+id, 200, &view)
		if len(view.History) >= 2 && view.History[len(view.History)-1].Price > view.History[0].Price {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no rising price history: %+v", view)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(view.Workers) != 1 || view.Workers[0].Worker != miner.ID().String() || view.Workers[0].State != "computing" {
		t.Fatalf("pool workers %+v", view.Workers)
	}
	var list struct{ Pools []struct{ ID uint64 } }
	e.get(t, "pools", 200, &list)
	if len(list.Pools) != 1 || list.Pools[0].ID != pool {
		t.Fatalf("pools %+v", list)
	}
	e.get(t, "pool/999", 404, nil)
	e.get(t, "pool/x", 400, nil)

	// A DAO proposal shows with its live count.
	if _, err := e.c.Send(ctx, e.alice, pha.Amount{}, "", &dao.MsgLock{Amount: pha.Whole(1000)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.Send(ctx, e.alice, pha.Amount{}, "", &dao.MsgPropose{Title: "hello <b>DAO</b>", Deposit: pha.Whole(10), Action: dao.Action{Kind: dao.KindText}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.Send(ctx, e.alice, pha.Amount{}, "", &dao.MsgVote{Proposal: 1, Option: dao.VoteYes}); err != nil {
		t.Fatal(err)
	}
	var props struct {
		Proposals []struct {
			ID            uint64
			Title, Status string
			Yes           string
		}
	}
	e.get(t, "proposals", 200, &props)
	if len(props.Proposals) != 1 || props.Proposals[0].Title != "hello <b>DAO</b>" || props.Proposals[0].Yes == "" || props.Proposals[0].Yes == "0PHA" || props.Proposals[0].Status != "voting" {
		t.Fatalf("proposals %+v", props)
	}
	e.get(t, "proposal/1", 200, nil)
	e.get(t, "proposal/77", 404, nil)

	// A vault delegating to the pool shows with its position.
	if _, err := e.c.Send(ctx, e.alice, pha.Amount{}, "", &vault.MsgCreate{CommissionBps: 300}); err != nil {
		t.Fatal(err)
	}
	bobKey, _ := e.d.Keyring.PrivKey("bob")
	if _, err := e.c.Send(ctx, bobKey, pha.Amount{}, "", &vault.MsgDeposit{Vault: 1, Amount: pha.Whole(2000)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.Send(ctx, e.alice, pha.Amount{}, "", &vault.MsgDelegate{Vault: 1, Pool: pool, Amount: pha.Whole(1500)}); err != nil {
		t.Fatal(err)
	}
	var vv struct {
		Free      string
		Positions []struct{ Pool uint64 }
	}
	e.get(t, "vault/1", 200, &vv)
	if len(vv.Positions) != 1 || vv.Positions[0].Pool != pool || vv.Free != "500PHA" {
		t.Fatalf("vault %+v", vv)
	}
	var vl struct{ Vaults []struct{ ID uint64 } }
	e.get(t, "vaults", 200, &vl)
	if len(vl.Vaults) != 1 {
		t.Fatalf("vaults %+v", vl)
	}
	e.get(t, "vault/9", 404, nil)
}
