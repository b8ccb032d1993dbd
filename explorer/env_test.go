package explorer_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/devnet/devnettest"
	"github.com/phalanetwork/phala/explorer"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/clusters"
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
	devnettest.Eventually(t, what, 60*time.Second, cond)
}
