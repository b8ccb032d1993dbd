package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/tee"
)

var (
	reBannerRPC = regexp.MustCompile(`^\s*rpc:\s+(http://127\.0\.0\.1:(\d+))\s*$`)
	reRunning   = regexp.MustCompile(`^phala devnet is running`)
	// reBannerMetrics finds the ops server in the devnet banner.
	reBannerMetrics = regexp.MustCompile(`^\s*metrics:\s+(http://127\.0\.0\.1:\d+)/metrics`)
	reTxHash        = regexp.MustCompile(`(?m)^tx hash: ([0-9A-F]{64})$`)
	reTxHeight      = regexp.MustCompile(`(?m)^committed in block (\d+)$`)
)

// TestDevnetCLI walks through the devnet acceptance checks with the real
// binary: start, query, transfer, errors, clean stop, restart with state
// kept, --reset, and --rpc-port 0.
func TestDevnetCLI(t *testing.T) {
	h := newHarness(t)
	home := t.TempDir() + "/devnet"
	port := freePort(t)
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	c := newClient(t, url)

	// phala devnet produces blocks within 5 s.
	started := time.Now()
	dn := h.start("devnet", "devnet", "--home", home, "--rpc-port", strconv.Itoa(port))
	waitHeight(t, c, 2, 5*time.Second, dn)
	t.Logf("devnet at height 2 %s after start", time.Since(started).Round(time.Millisecond))
	if m := dn.waitLine(reBannerRPC, 5*time.Second); m[1] != url {
		t.Fatalf("banner shows rpc %s, want %s", m[1], url)
	}

	// The devnet's three sim workers register within 10 s of the start.
	waitFor(t, 10*time.Second-time.Since(started), "three registered sim workers", func() (bool, error) {
		var ws []registry.Worker
		r := h.run("query", "workers", "--node", url, "--output", "json")
		if r.code != 0 {
			return false, fmt.Errorf("%s", r)
		}
		if err := json.Unmarshal([]byte(r.stdout), &ws); err != nil {
			return false, err
		}
		for _, w := range ws {
			if w.TEE != tee.KindSim {
				return false, fmt.Errorf("worker %s has TEE %s", w.ID, w.TEE)
			}
		}
		return len(ws) == 3, nil
	}, dn)

	// Its gatekeeper creates the master key: generation 0 with a public key.
	waitFor(t, 20*time.Second-time.Since(started), "master key generation 0", func() (bool, error) {
		st, err := h.keyState(url)
		if err != nil {
			return false, err
		}
		return st.Generation != nil && st.Generation.Number == 0 && len(st.Generation.SignKey) == 32, nil
	}, dn)
	t.Logf("master key generation 0 on chain %s after start", time.Since(started).Round(time.Millisecond))

	// GET /status answers.
	st := getStatus(t, url)
	if st.Result.NodeInfo.Network != devnet.ChainID {
		t.Fatalf("/status network = %q, want %q", st.Result.NodeInfo.Network, devnet.ChainID)
	}

	// keys list shows the dev accounts.
	keys := h.keyAddresses(home)
	for _, name := range devnet.Accounts {
		if !strings.HasPrefix(keys[name], "pha1") {
			t.Fatalf("keys list: %s has address %q, want a pha1... address (all keys: %v)", name, keys[name], keys)
		}
	}
	alice, bob := keys["alice"], keys["bob"]

	// A transfer of 1 PHA commits and shows in bob's balance and as a tx.
	bobBefore := h.balance(url, bob)
	if want := devnet.AccountFunds; bobBefore.Cmp(want) != 0 {
		t.Fatalf("bob's genesis balance = %s, want %s", bobBefore.PHA(), want.PHA())
	}
	out := h.mustRun("tx", "transfer", "alice", bob, "1PHA", "--home", home, "--keyring-backend", "test", "--node", url, "--yes")
	hm, bm := reTxHash.FindStringSubmatch(out), reTxHeight.FindStringSubmatch(out)
	if hm == nil || bm == nil {
		t.Fatalf("tx transfer printed no tx hash or block:\n%s", out)
	}
	txHash := hm[1]
	txHeight, _ := strconv.ParseInt(bm[1], 10, 64)
	bobAfter := mustAdd(t, bobBefore, pha.Whole(1))
	if got := h.balance(url, bob); got.Cmp(bobAfter) != 0 {
		t.Fatalf("bob's balance after 1PHA = %s, want %s", got.PHA(), bobAfter.PHA())
	}
	checkQueryTx(t, h, url, txHash, txHeight, alice, bob)

	// The ops endpoints answer, and the transfer shows in the metrics.
	ops := dn.waitLine(reBannerMetrics, 5*time.Second)[1]
	for _, p := range []string{"/healthz", "/readyz"} {
		if code, body := httpGet(t, ops+p); code != http.StatusOK {
			t.Fatalf("%s: %d %s", p, code, body)
		}
	}
	if _, body := httpGet(t, ops+"/metrics"); !strings.Contains(body, `phala_txs_total{result="ok",type="balances/transfer"}`) ||
		!strings.Contains(body, "phala_block_height") || !strings.Contains(body, "phala_key_generation 0") {
		t.Fatalf("/metrics lacks the transfer or the height:\n%s", body)
	}

	// Errors: more than the balance, and bad addresses.
	r := h.run("tx", "transfer", "alice", bob, "100000000PHA", "--home", home, "--keyring-backend", "test", "--node", url, "--yes")
	if r.code == 0 || !strings.Contains(r.stderr, "insufficient funds") {
		t.Fatalf("transfer beyond the balance: want a non-zero exit naming insufficient funds\n%s", r)
	}
	r = h.run("tx", "transfer", "alice", "pha1notanaddress", "1PHA", "--home", home, "--keyring-backend", "test", "--node", url, "--yes")
	if r.code == 0 || !strings.Contains(r.stderr, `address "pha1notanaddress"`) {
		t.Fatalf("transfer to a bad address: want a non-zero exit naming the address\n%s", r)
	}
	r = h.run("query", "balance", "not-an-address", "--node", url)
	if r.code == 0 || !strings.Contains(r.stderr, "not-an-address") || !strings.Contains(r.stderr, "address") {
		t.Fatalf("balance of a bad address: want a non-zero exit naming the address\n%s", r)
	}
	if got := h.balance(url, bob); got.Cmp(bobAfter) != 0 {
		t.Fatalf("failed transfers changed bob's balance to %s, want %s", got.PHA(), bobAfter.PHA())
	}

	// SIGINT stops it cleanly.
	block1 := blockHash(t, c, 1)
	lastHeight := mustHeight(t, c)
	dn.interrupt()
	if !strings.Contains(dn.stdout(), "stopping devnet") {
		t.Errorf("devnet did not say it was stopping:\n%s", dn.stdout())
	}

	// A restart on the same home keeps the chain and its state.
	dn = h.start("devnet-restart", "devnet", "--home", home, "--rpc-port", strconv.Itoa(port))
	dn.waitLine(reRunning, 30*time.Second)
	if strings.Contains(dn.stdout(), "Creating a new devnet") {
		t.Fatalf("restart created a new devnet:\n%s", dn.stdout())
	}
	if got := mustHeight(t, c); got < lastHeight {
		t.Fatalf("restarted at height %d, below the %d reached before", got, lastHeight)
	}
	waitHeight(t, c, lastHeight+1, 10*time.Second, dn)
	if got := blockHash(t, c, 1); got != block1 {
		t.Fatalf("block 1 is %s after the restart, was %s", got, block1)
	}
	if got := h.balance(url, bob); got.Cmp(bobAfter) != 0 {
		t.Fatalf("bob's balance after the restart = %s, want %s", got.PHA(), bobAfter.PHA())
	}
	checkQueryTx(t, h, url, txHash, txHeight, alice, bob)
	dn.interrupt()

	// --reset starts a new chain; --rpc-port 0 picks a port and shows it.
	dn = h.start("devnet-reset", "devnet", "--home", home, "--rpc-port", "0", "--reset")
	m := dn.waitLine(reBannerRPC, 30*time.Second)
	newURL := m[1]
	if p, _ := strconv.Atoi(m[2]); p == 0 {
		t.Fatalf("banner shows port 0: %s", m[0])
	}
	if !strings.Contains(dn.stdout(), "Creating a new devnet") {
		t.Errorf("--reset did not create a new devnet:\n%s", dn.stdout())
	}
	if st := getStatus(t, newURL); st.Result.NodeInfo.Network != devnet.ChainID {
		t.Fatalf("/status of %s: network %q", newURL, st.Result.NodeInfo.Network)
	}
	c = newClient(t, newURL)
	if got := mustHeight(t, c); got >= lastHeight {
		t.Fatalf("after --reset the chain is at height %d, want it started over (old chain was at %d)", got, lastHeight)
	}
	if got := blockHash(t, c, 1); got == block1 {
		t.Fatalf("after --reset block 1 is still %s", got)
	}
	// query balance reads with proofs, from the trusted root kept in the
	// default home (not the devnet's, which --reset cleared): the old
	// chain's root must go, as its refusal says, for the new chain of the
	// same id to be trusted.
	if err := os.RemoveAll(filepath.Join(h.homeDir(), ".phala", "light")); err != nil {
		t.Fatal(err)
	}
	keys = h.keyAddresses(home)
	if got := h.balance(newURL, keys["bob"]); got.Cmp(devnet.AccountFunds) != 0 {
		t.Fatalf("after --reset bob has %s, want the genesis %s", got.PHA(), devnet.AccountFunds.PHA())
	}
	if keys["bob"] != bob {
		if got := h.balance(newURL, bob); !got.IsZero() {
			t.Fatalf("after --reset the old bob address still has %s", got.PHA())
		}
	}
	dn.interrupt()
}

// checkQueryTx checks `phala query tx` for the 1 PHA transfer, in JSON and
// in text.
func checkQueryTx(t *testing.T, h *harness, url, hash string, height int64, from, to string) {
	t.Helper()
	var v struct {
		Hash   string   `json:"hash"`
		Height int64    `json:"height"`
		Code   uint32   `json:"code"`
		Sender string   `json:"sender"`
		Msgs   []string `json:"msgs"`
	}
	h.mustRunJSON(&v, "query", "tx", hash, "--node", url)
	if v.Hash != hash || v.Height != height || v.Code != 0 || v.Sender != from || len(v.Msgs) != 1 ||
		!strings.Contains(v.Msgs[0], to) || !strings.Contains(v.Msgs[0], pha.Whole(1).String()) {
		t.Fatalf("query tx %s = %+v, want a successful transfer of 1PHA from %s to %s at height %d", hash, v, from, to, height)
	}
	text := h.mustRun("query", "tx", hash, "--node", url)
	if !strings.Contains(text, hash) || !strings.Contains(text, "result: ok") {
		t.Fatalf("query tx %s (text) does not show the transfer:\n%s", hash, text)
	}
}

type statusJSON struct {
	Result struct {
		NodeInfo struct {
			Network string `json:"network"`
		} `json:"node_info"`
		SyncInfo struct {
			LatestBlockHeight string `json:"latest_block_height"`
		} `json:"sync_info"`
	} `json:"result"`
}

// getStatus GETs url/status with plain HTTP.
func getStatus(t *testing.T, url string) statusJSON {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/status", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s/status: %v", url, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s/status: %v", url, err)
	}
	var st statusJSON
	if res.StatusCode != http.StatusOK || json.Unmarshal(body, &st) != nil || st.Result.SyncInfo.LatestBlockHeight == "" {
		t.Fatalf("GET %s/status: %s\n%s", url, res.Status, body)
	}
	return st
}

// blockHash returns the hash of block height as upper-case hex.
func blockHash(t *testing.T, c *client.Client, height int64) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b, err := c.RPC.Block(ctx, &height)
	if err != nil {
		t.Fatalf("block %d from %s: %v", height, c.RPC.Remote(), err)
	}
	return b.BlockID.Hash.String()
}

// mustAdd is a+b; it fails the test on overflow.
func mustAdd(t *testing.T, a, b pha.Amount) pha.Amount {
	t.Helper()
	return mustAmount(t, a.Add, b)
}

// mustSub is a-b; it fails the test below zero.
func mustSub(t *testing.T, a, b pha.Amount) pha.Amount {
	t.Helper()
	return mustAmount(t, a.Sub, b)
}

// mustAmount applies op (a method value such as a.Add) to b and fails the
// test on its error.
func mustAmount(t *testing.T, op func(pha.Amount) (pha.Amount, error), b pha.Amount) pha.Amount {
	t.Helper()
	s, err := op(b)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// httpGet fetches url and returns the status code and body.
func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}
