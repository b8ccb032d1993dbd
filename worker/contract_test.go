package worker_test

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/devnet/devnettest"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/pha"
)

// contractEnv is a devnet with a gatekeeper and a cluster of two workers.
type contractEnv struct {
	d       *devnet.Devnet
	home    string
	c       *client.Client
	cluster [32]byte
	alice   ed25519.PrivateKey
	bob     ed25519.PrivateKey
	logs    *lockedBuffer
}

func newContractEnv(t *testing.T) *contractEnv {
	t.Helper()
	return newContractEnvWith(t, 3, 2)
}

// newContractEnvWith is a devnet of workers workers, the first of them a
// gatekeeper and the next members of them a cluster; it waits until the
// members hold the cluster key.
func newContractEnvWith(t *testing.T, workers, members int) *contractEnv {
	t.Helper()
	e := &contractEnv{logs: &lockedBuffer{}}
	e.d, e.c = startDevnet(t, devnet.Options{Workers: workers, Gatekeepers: 1}, e.logs)
	e.home = e.d.Home
	e.alice, _ = e.d.Keyring.PrivKey("alice")
	e.bob, _ = e.d.Keyring.PrivKey("bob")
	e.cluster = devnettest.NewCluster(t, e.d, e.c, e.d.Workers[1:1+members])
	eventually(t, "every member to hold the cluster key", func() (bool, error) {
		return len(clusterRecord(e.c, e.cluster).Holders) == members, nil
	})
	return e
}

// deploy bundles an example, uploads and instantiates it, and waits for
// the constructor's result.
func (e *contractEnv) deploy(t *testing.T, file string, args string) [32]byte {
	t.Helper()
	ctx := context.Background()
	hash := uploadExample(t, e.c, e.alice, file)
	id, _, err := e.c.Instantiate(ctx, e.alice, hash, e.cluster, json.RawMessage(args), true)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the constructor's result", func() (bool, error) {
		rec, err := e.c.Contract(ctx, id)
		return rec.Results == 1, err
	})
	var r contracts.Result
	if _, err := e.c.Query(ctx, "/contracts/result/"+hex.EncodeToString(id[:])+"/0", &r); err != nil || !r.OK {
		t.Fatalf("constructor: %+v %v", r, err)
	}
	return id
}

func (e *contractEnv) exec(t *testing.T, key ed25519.PrivateKey, id [32]byte, payload string) *client.CommandResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sent, err := e.c.Exec(ctx, key, id, json.RawMessage(payload), 0)
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.c.WaitResult(ctx, sent)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (e *contractEnv) query(t *testing.T, key ed25519.PrivateKey, id [32]byte, payload string) (string, string) {
	t.Helper()
	r, err := e.c.QueryContract(context.Background(), key, id, json.RawMessage(payload), [32]byte{})
	if err != nil {
		t.Fatal(err)
	}
	return string(r.Value), r.Error
}

func addr(k ed25519.PrivateKey) string {
	return address.FromPubKey(k.Public().(ed25519.PublicKey)).String()
}

// TestContractsEndToEnd runs the three example contracts on a devnet
// cluster of two replicas: sealed commands in block order, outputs only the
// caller opens, queries signed and sealed straight to a worker, replicas
// that agree on the state root, hostile code contained, state that survives
// a restart and a key epoch change.
func TestContractsEndToEnd(t *testing.T) {
	e := newContractEnv(t)
	ctx := context.Background()
	bob := addr(e.bob)
	token := e.deploy(t, "../examples/contracts/token/token.ts", `{"supply":1000}`)

	r := e.exec(t, e.alice, token, `{"transfer":{"to":"`+bob+`","amount":100}}`)
	if !r.OK || string(r.Output.Value) != `{"balance":900}` || len(r.Output.Events) != 1 {
		t.Fatalf("transfer: %+v", r)
	}
	r = e.exec(t, e.bob, token, `{"transfer":{"to":"`+bob+`","amount":5000}}`)
	if r.OK || r.Error != "script error" || !strings.Contains(r.Output.Error, "insufficient balance") {
		t.Fatalf("overdraft: %+v", r)
	}
	if v, _ := e.query(t, e.alice, token, `{}`); v != "900" {
		t.Fatalf("alice's balance %s", v)
	}
	if v, _ := e.query(t, e.bob, token, `{}`); v != "100" {
		t.Fatalf("bob's balance %s", v)
	}
	if _, msg := e.query(t, e.bob, token, `{"balance":"`+addr(e.alice)+`"}`); !strings.Contains(msg, "private") {
		t.Fatalf("bob read alice's balance: %q", msg)
	}

	// The auction: bids are sealed; the winner shows after the close.
	closeAt := e.d.Node.Comet().BlockStore().Height() + 60
	auction := e.deploy(t, "../examples/contracts/auction/auction.ts", `{"item":"painting","closeHeight":`+itoa(closeAt)+`}`)
	carol, _ := e.d.Keyring.PrivKey("carol")
	for k, bid := range map[*ed25519.PrivateKey]string{&e.bob: "30", &carol: "45"} {
		if r := e.exec(t, *k, auction, `{"bid":`+bid+`}`); !r.OK {
			t.Fatalf("bid: %+v", r)
		}
	}
	// Before the close it is open; on a machine so loaded that the deploy
	// and the bids took past the close height, that cannot be seen.
	if v, _ := e.query(t, e.bob, auction, `{"result":true}`); !strings.Contains(v, `"open":true`) {
		if h := e.d.Node.Comet().BlockStore().Height(); h <= closeAt {
			t.Fatalf("auction before close (height %d, closes at %d): %s", h, closeAt, v)
		}
		t.Logf("the deploy and the bids took past the close height %d; the open auction was not seen: %s", closeAt, v)
	}
	eventually(t, "the auction to close", func() (bool, error) { return e.d.Node.Comet().BlockStore().Height() > closeAt+1, nil })
	if v, _ := e.query(t, e.bob, auction, `{"result":true}`); !strings.Contains(v, `"winner":"`+addr(carol)+`"`) || !strings.Contains(v, `"price":45`) {
		t.Fatalf("auction result: %s", v)
	}
	if r := e.exec(t, e.bob, auction, `{"bid":99}`); r.OK || !strings.Contains(r.Output.Error, "closed") {
		t.Fatalf("late bid: %+v", r)
	}

	// The vault: access control on a secret; the secret is a canary that
	// must not show up outside the enclaves.
	const canary = "vault-canary-7f3a9c51e2"
	vault := e.deploy(t, "../examples/contracts/vault/vault.ts", `null`)
	if r := e.exec(t, e.alice, vault, `{"put":{"name":"api","secret":"`+canary+`"}}`); !r.OK {
		t.Fatalf("put: %+v", r)
	}
	if _, msg := e.query(t, e.bob, vault, `{"read":"api"}`); !strings.Contains(msg, "access denied") {
		t.Fatalf("ungranted read: %q", msg)
	}
	if r := e.exec(t, e.bob, vault, `{"grant":{"name":"api","reader":"`+bob+`"}}`); r.OK {
		t.Fatal("bob granted himself")
	}
	if r := e.exec(t, e.alice, vault, `{"grant":{"name":"api","reader":"`+bob+`"}}`); !r.OK {
		t.Fatalf("grant: %+v", r)
	}
	if v, _ := e.query(t, e.bob, vault, `{"read":"api"}`); v != `"`+canary+`"` {
		t.Fatalf("granted read: %s", v)
	}

	// Hostile code is contained with a specific error and the contract
	// keeps serving.
	hostile := e.deploy(t, "testdata/hostile.js", `null`)
	for cmd, want := range map[string]string{`"loop"`: "out of gas", `"memory"`: "memory limit", `"recurse"`: "stack overflow", `"output"`: "output too large"} {
		if r := e.exec(t, e.alice, hostile, cmd); r.OK || r.Error != want {
			t.Errorf("%s: got %+v, want %q", cmd, r, want)
		}
	}
	if r := e.exec(t, e.alice, hostile, `"ok"`); !r.OK || string(r.Output.Value) != `"fine"` {
		t.Fatalf("after hostile commands: %+v", r)
	}

	// Both replicas report the same state root.
	rec, _ := e.c.Contract(ctx, token)
	eventually(t, "both replicas to report the token's root", func() (bool, error) {
		var rep contracts.RootReport
		_, err := e.c.Query(ctx, "/contracts/roots/"+hex.EncodeToString(token[:])+"/"+itoa(int64(rec.Inputs-1)), &rep)
		return err == nil && len(rep.Votes) == 2 && len(rep.Majority) == 32 && len(rep.Diverged) == 0, nil
	})

	// Removing a replica moves the cluster to a new epoch: the remaining one
	// publishes new contract keys, re-seals the state, and serves on.
	removed := e.d.Workers[2]
	if _, err := e.c.Send(ctx, e.alice, pha.Amount{}, "", &clusters.MsgMember{Remove: true, Cluster: e.cluster, Worker: removed.ID()}); err != nil {
		t.Fatal(err)
	}
	// A command sent at once is refused by the chain until the new keys
	// are published; the client waits for them and seals to them.
	r = e.exec(t, e.alice, token, `{"transfer":{"to":"`+bob+`","amount":1}}`)
	if !r.OK || string(r.Output.Value) != `{"balance":899}` {
		t.Fatalf("transfer after the epoch change: %+v", r)
	}
	if rec, err := e.c.Contract(ctx, token); err != nil || rec.KeyEpoch != 1 || len(rec.ECDHKey) != 32 {
		t.Fatalf("the token after the epoch change: %+v %v", rec, err)
	}

	// The owner upgrades the token: migrate runs in order with the commands
	// and the state carries over.
	v2, err := os.ReadFile("testdata/token_v2.js")
	if err != nil {
		t.Fatal(err)
	}
	hash2, _, err := e.c.UploadCode(ctx, e.alice, v2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.Send(ctx, e.bob, pha.Amount{}, "", &contracts.MsgUpgrade{Contract: token, Code: hash2}); err == nil {
		t.Fatal("bob upgraded alice's contract")
	}
	if _, err := e.c.Send(ctx, e.alice, pha.Amount{}, "", &contracts.MsgUpgrade{Contract: token, Code: hash2}); err != nil {
		t.Fatal(err)
	}
	r = e.exec(t, e.alice, token, `{"transfer":{"to":"`+bob+`","amount":1}}`)
	if !r.OK || string(r.Output.Value) != `{"balance":898,"version":2}` {
		t.Fatalf("transfer after the upgrade: %+v", r)
	}
	if v, _ := e.query(t, e.alice, token, `{"version":true}`); v != "2" {
		t.Fatalf("version after the upgrade: %s", v)
	}

	// A restart keeps every replica's state.
	e.d.Stop()
	e.d, e.c = startDevnet(t, devnet.Options{Home: e.home, Workers: 3, Gatekeepers: 1}, e.logs)
	// The restarted workers listen on new ports and register them first.
	eventually(t, "a query after the restart", func() (bool, error) {
		r, err := e.c.QueryContract(ctx, e.alice, token, json.RawMessage(`{}`), [32]byte{})
		if err != nil {
			return false, nil
		}
		if string(r.Value) != "898" {
			t.Fatalf("balance after restart %s", r.Value)
		}
		return true, nil
	})
	e.d.Stop()

	secrets := map[string][]byte{"vault secret": []byte(canary)}
	assertNoSecretsUnder(t, e.home, secrets)
	assertNoSecrets(t, "logs", e.logs.Bytes(), secrets)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
