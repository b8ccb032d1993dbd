package e2e

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/pruntime"
	"github.com/phalanetwork/phala/pruntime/sealed"
	"github.com/phalanetwork/phala/tee/sim"
	"github.com/phalanetwork/phala/worker"
)

var reWorkerEndpoint = regexp.MustCompile(`^\s*endpoint:\s+(http://\S+)\s*$`)

// TestGatekeeperKilledDuringRotation: a second gatekeeper, a worker process
// of its own, is SIGKILLed as soon as a master-key rotation has started,
// while transfers, sealed contract commands and agent calls keep coming.
// In the first rotation it is restarted on its home at once; in the second
// it stays down past rotation_timeout before it is. Each rotation ends
// cleanly (no round left running, every gatekeeper not excluded holds the
// new generation): with the restarted gatekeeper as a member, or after an
// abort without it (excluded). The restarted gatekeeper is the same worker,
// runs on without errors, asks to rejoin after the generation it missed
// and holds again, from its sealed store, every generation. Each time the cluster
// moves to an epoch of the new generation, held by its member, and the
// contract's keys follow. No committed transfer or command is lost, the
// contract's state adds up, and the contract and the agent (its state
// kept) work under the new keys.
func TestGatekeeperKilledDuringRotation(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short: runs a devnet and two worker processes")
	}
	began := time.Now()
	h := newHarness(t)
	// Two in-process workers: worker0 is the genesis gatekeeper, worker1
	// the cluster's member.
	dn, home, url := h.startDevnet("--block-time", "200ms",
		"--workers", "2", "--gatekeepers", "1", "--cluster=false")
	c := newClient(t, url)
	gw := dn.waitLine(reBannerGateway, 60*time.Second)[1]
	waitHeight(t, c, 2, 30*time.Second, dn)
	kr := cliFlags(home, url)
	cli := func(args ...string) []string { return append(args, kr...) }

	keyState := func() (keys.State, error) { return h.keyState(url) }
	cluster := func() clusters.Cluster {
		var cl []clusters.Cluster
		h.mustRunJSON(&cl, "query", "clusters", "--node", url)
		if len(cl) != 1 {
			t.Fatalf("%d clusters, want 1", len(cl))
		}
		return cl[0]
	}

	// The gatekeeper under test: a worker process with its own home,
	// operated (and its fees paid) by carol, whom nothing else here uses.
	gkHome := filepath.Join(t.TempDir(), "gk")
	gkArgs := simWorkerArgs(gkHome, home, url, "carol")
	gk := h.start("gk", gkArgs...)
	gkID := gk.waitLine(reWorkerID, 30*time.Second)[1]
	var member string
	waitFor(t, 30*time.Second, "three registered workers", func() (bool, error) {
		var ws []registry.Worker
		r := h.run("query", "workers", "--node", url, "--output", "json")
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &ws) != nil || len(ws) != 3 {
			return false, nil
		}
		st, err := keyState()
		if err != nil || len(st.Gatekeepers) != 1 {
			return false, err
		}
		for _, w := range ws {
			if id := w.ID.String(); id != gkID && !bytes.Equal(w.ID[:], st.Gatekeepers[0].Worker) {
				member = id
			}
		}
		return member != "", nil
	}, dn, gk)
	h.mustRun(cli("gov", "add-gatekeeper", gkID)...)
	gkIndex := func(st keys.State) int {
		return slices.IndexFunc(st.Gatekeepers, func(g keys.Gatekeeper) bool { return hex.EncodeToString(g.Worker) == gkID })
	}
	waitFor(t, 30*time.Second, "both gatekeepers to hold generation 0", func() (bool, error) {
		st, err := keyState()
		return err == nil && st.Generation != nil && st.Generation.Number == 0 && len(st.Gatekeepers) == 2 &&
			st.Gatekeepers[0].Holds && st.Gatekeepers[1].Holds && gkIndex(st) >= 0, err
	}, dn, gk)

	// A cluster with the devnet's worker1 as its member, a token contract
	// and an agent in it.
	cid := hex.EncodeToString(h.formCluster(kr, url, []string{member}, dn, gk).ID)
	const supply = 1_000_000
	token := h.deployToken(home, url, cid, supply, dn, gk)
	proj := filepath.Join(t.TempDir(), "agent")
	h.mustRun("agent", "init", proj)
	var dep struct {
		Agent string `json:"agent"`
	}
	h.mustRunJSON(&dep, cli("agent", "deploy", filepath.Join(proj, "agent.ts"), "--cluster", cid, "--policy", "public", "--from", "alice")...)
	info := func() contracts.Contract {
		var ci contracts.Contract
		h.mustRunJSON(&ci, "contract", "info", token, "--node", url)
		return ci
	}
	before := info()
	agentCall := func() result {
		return h.run(cli("agent", "call", dep.Agent, "/?name=load", "--from", "bob", "--gateway", gw)...)
	}
	// The agent's price is 0, but each call carries the network's call
	// fee, paid from the caller's escrow.
	h.mustRun(cli("agent", "deposit", "5PHA", "--from", "bob")...)
	waitFor(t, 30*time.Second, "a first agent call", func() (bool, error) {
		r := agentCall()
		return r.code == 0, errors.New(r.stderr)
	}, dn, gk)
	clBefore := cluster()
	t.Logf("set up in %s: gatekeepers %s (devnet) and %s (process), cluster %s epoch %d of generation %d",
		time.Since(began).Round(time.Millisecond), hex.EncodeToString(mustState(t, keyState).Gatekeepers[0].Worker)[:16], gkID[:16], cid[:16], clBefore.Epoch, clBefore.Generation)

	// Load, each kind from its own account so that their sequence numbers
	// do not race: transfers bob -> sink (a fresh address), token commands
	// alice -> bob, agent calls signed by bob (no transaction of his).
	sinkKey, _, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	sink := address.FromPubKey(sinkKey).String()
	bob := h.keyAddresses(home)["bob"]
	var (
		mu        sync.Mutex
		transfers = map[string]int64{} // committed tx hash -> height
		inputs    []uint64             // contract inputs of the commands on chain
		calls     int                  // agent calls answered
		loadErrs  []string
	)
	load := newLoops()
	loop := func(what string, once func() error) {
		load.run(func(int) {
			if err := once(); err != nil {
				mu.Lock()
				loadErrs = append(loadErrs, fmt.Sprintf("%s: %v", what, err))
				mu.Unlock()
			}
		})
	}
	loop("transfer", func() error {
		r := h.run(cli("tx", "transfer", "bob", sink, "1PHA", "--yes")...)
		hm, bm := reTxHash.FindStringSubmatch(r.stdout), reTxHeight.FindStringSubmatch(r.stdout)
		if r.code != 0 || hm == nil || bm == nil {
			return fmt.Errorf("%s", r)
		}
		ht, _ := strconv.ParseInt(bm[1], 10, 64)
		mu.Lock()
		transfers[hm[1]] = ht
		mu.Unlock()
		return nil
	})
	loop("token command", func() error {
		r := h.run(cli("contract", "exec", token, `{"transfer":{"to":"`+bob+`","amount":1}}`, "--from", "alice", "--wait", "0", "--output", "json")...)
		var sent struct {
			Input uint64 `json:"input"`
		}
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &sent) != nil || sent.Input == 0 {
			return fmt.Errorf("%s", r)
		}
		mu.Lock()
		inputs = append(inputs, sent.Input)
		mu.Unlock()
		return nil
	})
	loop("agent call", func() error {
		r := agentCall()
		if r.code != 0 || !strings.Contains(r.stdout, `"hello":"load"`) {
			return fmt.Errorf("%s", r)
		}
		mu.Lock()
		calls++
		mu.Unlock()
		return nil
	})
	counts := func() (int, int, int) {
		mu.Lock()
		defer mu.Unlock()
		return len(transfers), len(inputs), calls
	}
	waitFor(t, 30*time.Second, "some load on chain before the rotation", func() (bool, error) {
		tr, in, ca := counts()
		return tr >= 2 && in >= 2 && ca >= 2, nil
	}, dn, gk)

	// rotateAndKill starts a rotation and SIGKILLs the gatekeeper as soon
	// as rotate-keys reports it started; it returns the start height.
	rotateAndKill := func(name string) int64 {
		t.Helper()
		rot := h.start(name, cli("gov", "rotate-keys")...)
		started, _ := strconv.ParseInt(rot.waitLine(reRotationStarted, 30*time.Second)[1], 10, 64)
		gk.kill()
		tr, in, ca := counts()
		t.Logf("killed gatekeeper %s right after a rotation started in block %d (load so far: %d transfers, %d commands, %d agent calls)", gkID[:16], started, tr, in, ca)
		if st, err := keyState(); err == nil && st.Running != nil {
			r := st.Running
			if i := slices.IndexFunc(r.Members, func(m keys.Hex) bool { return hex.EncodeToString(m) == gkID }); i >= 0 {
				t.Logf("at the kill: round %d of generation %d in phase %s; the killed gatekeeper had committed %v, revealed %v, confirmed %v",
					r.Round, r.Generation, r.Phase, len(r.Commitments[i]) != 0, r.Revealed[i], len(r.SignKeys[i]) != 0)
			}
		}
		if code := rot.waitExit(30 * time.Second); code != 0 {
			t.Fatalf("rotate-keys exited %d", code)
		}
		return started
	}
	// restart starts the gatekeeper again on its home: the same worker,
	// its identity unsealed.
	var gkURL string
	restart := func(name string) {
		t.Helper()
		gk = h.start(name, gkArgs...)
		if got := gk.waitLine(reWorkerID, 30*time.Second)[1]; got != gkID {
			t.Fatalf("the gatekeeper came back as worker %s, was %s", got, gkID)
		}
		gkURL = gk.waitLine(reWorkerEndpoint, 10*time.Second)[1]
	}
	// excludedFrom[n] records whether the killed gatekeeper was left out
	// of generation n.
	excludedFrom := map[uint64]bool{}
	// awaitGeneration waits for generation n and checks the key state: no
	// rotation left running, every gatekeeper not excluded holds it, and
	// only the killed one may be excluded.
	awaitGeneration := func(n uint64, started int64, procs ...*proc) keys.State {
		t.Helper()
		var st keys.State
		waitFor(t, 60*time.Second, fmt.Sprintf("generation %d", n), func() (bool, error) {
			var err error
			st, err = keyState()
			return err == nil && st.Generation != nil && st.Generation.Number >= n, err
		}, procs...)
		g := st.Generation
		if g.Number != n || st.Running != nil || st.Rotation != "idle" {
			t.Fatalf("after generation %d: generation %d, rotation %s %+v", n, g.Number, st.Rotation, st.Running)
		}
		if len(st.History) != int(n)+1 || st.History[n].Number != n || len(st.Gatekeepers) != 2 {
			t.Fatalf("history %+v, gatekeepers %+v", st.History, st.Gatekeepers)
		}
		for _, x := range g.Excluded {
			if hex.EncodeToString(x) != gkID {
				t.Fatalf("generation %d excludes %x: only the killed gatekeeper may be", n, []byte(x))
			}
			excludedFrom[n] = true
		}
		for _, gkRec := range st.Gatekeepers {
			out := slices.ContainsFunc(g.Excluded, func(x keys.Hex) bool { return bytes.Equal(x, gkRec.Worker) })
			if gkRec.Holds == out {
				t.Fatalf("gatekeeper %x: excluded %v, holds generation %d %v", []byte(gkRec.Worker), out, n, gkRec.Holds)
			}
		}
		if excludedFrom[n] {
			t.Logf("outcome: generation %d in block %d (%d blocks after the start) without the killed gatekeeper: the round aborted and ran again without it", n, g.Height, g.Height-started)
		} else {
			t.Logf("outcome: generation %d in block %d (%d blocks after the start) with the killed gatekeeper: restarted, it did its part", n, g.Height, g.Height-started)
		}
		return st
	}
	// awaitEpoch waits for the cluster's epoch of generation n, held by
	// its member, and the token's keys of that epoch.
	clNow, keysNow := clBefore, before
	awaitEpoch := func(n uint64) {
		t.Helper()
		var cl clusters.Cluster
		waitFor(t, 30*time.Second, fmt.Sprintf("the cluster's epoch of generation %d held by its member", n), func() (bool, error) {
			cl = cluster()
			return cl.Generation == n && cl.Epoch > clNow.Epoch && len(cl.Holders) == 1, nil
		}, dn, gk)
		var ci contracts.Contract
		waitFor(t, 30*time.Second, "the token's keys of the new epoch", func() (bool, error) {
			ci = info()
			return ci.KeyEpoch == cl.Epoch && len(ci.ECDHKey) == 32, nil
		}, dn, gk)
		if bytes.Equal(ci.ECDHKey, keysNow.ECDHKey) {
			t.Fatalf("the token's key did not change with the cluster's epoch %d -> %d", clNow.Epoch, cl.Epoch)
		}
		t.Logf("cluster at epoch %d of generation %d, the token's keys of that epoch published", cl.Epoch, n)
		clNow, keysNow = cl, ci
	}

	// Rotation 1: the gatekeeper is restarted at once and may still do
	// its part (its contribution is sealed before it commits), or the
	// round aborts and runs again without it.
	started := rotateAndKill("rotate-keys-1")
	restart("gk-restarted-1")
	awaitGeneration(1, started, dn, gk)
	awaitEpoch(1)

	// Rotation 2: the gatekeeper stays down past rotation_timeout, so the
	// round aborts and runs again without it (unless it did its whole part
	// before the kill); then it comes back.
	started = rotateAndKill("rotate-keys-2")
	st := awaitGeneration(2, started, dn)
	restart("gk-restarted-2")
	awaitEpoch(2)

	// A little more load under the new keys, then stop it.
	tr, in, ca := counts()
	waitFor(t, 30*time.Second, "load under the new keys", func() (bool, error) {
		tr2, in2, ca2 := counts()
		return tr2 > tr && in2 > in && ca2 > ca, nil
	}, dn, gk)
	load.stop()
	if len(loadErrs) > 0 {
		t.Fatalf("%d load requests failed:\n%s", len(loadErrs), strings.Join(loadErrs, "\n"))
	}
	tr, in, ca = counts()
	t.Logf("load: %d transfers, %d token commands, %d agent calls", tr, in, ca)

	// A command sent now runs under the new keys and returns its output.
	out := h.mustRun(cli("contract", "exec", token, `{"transfer":{"to":"`+bob+`","amount":1}}`, "--from", "alice")...)
	if !strings.Contains(out, fmt.Sprintf(`"balance":%d`, supply-in-1)) {
		t.Fatalf("a command after the rotation: %s", out)
	}
	sent := in + 1

	// No command lost: each input on chain has its result, all of them OK.
	final := info()
	if final.Inputs != uint64(1+sent) || final.Results != final.Inputs {
		t.Fatalf("token: %d inputs, %d results; want %d of each", final.Inputs, final.Results, 1+sent)
	}
	slices.Sort(inputs)
	for i, n := range inputs {
		if n != uint64(i+1) { // input 0 is the constructor
			t.Fatalf("token command inputs %v: not 1..%d", inputs, len(inputs))
		}
	}
	for n := uint64(0); n < final.Inputs; n++ {
		var r contracts.Result
		if _, err := c.Query(t.Context(), fmt.Sprintf("/contracts/result/%s/%d", token, n), &r); err != nil || !r.OK {
			t.Fatalf("result of input %d: %+v, %v", n, r, err)
		}
	}
	// The token's state adds up: alice sent one token per command to bob.
	aliceBal := strings.TrimSpace(h.mustRun(cli("contract", "query", token, `{}`, "--from", "alice")...))
	bobBal := strings.TrimSpace(h.mustRun(cli("contract", "query", token, `{}`, "--from", "bob")...))
	if aliceBal != strconv.Itoa(supply-sent) || bobBal != strconv.Itoa(sent) {
		t.Fatalf("token balances: alice %s, bob %s; want %d and %d", aliceBal, bobBal, supply-sent, sent)
	}
	// No transfer lost: each committed one is in its block, and the sink
	// holds exactly what they sent.
	for hash, ht := range transfers {
		raw, _ := hex.DecodeString(hash)
		res, err := c.RPC.Tx(t.Context(), raw, false)
		if err != nil || res.Height != ht || res.TxResult.Code != 0 {
			t.Fatalf("transfer %s committed in block %d: %v %+v", hash, ht, err, res)
		}
	}
	if got, want := h.balance(url, sink), pha.Whole(uint64(tr)); got.Cmp(want) != 0 {
		t.Fatalf("the sink holds %s after %d transfers of 1PHA", got.PHA(), tr)
	}
	// The agent kept its state across the epoch change: a sealed call
	// (to the new keys) counts every call before it.
	out = h.mustRun(cli("agent", "call", dep.Agent, "/?name=after", "--seal", "--from", "bob", "--gateway", gw)...)
	var greet struct {
		Hello     string `json:"hello"`
		Greetings int    `json:"greetings"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &greet); err != nil || greet.Hello != "after" || greet.Greetings != ca+2 {
		t.Fatalf("sealed agent call after the rotations (%d calls before): %v %s", ca+1, err, out)
	}

	// The restarted gatekeeper: still running, following the chain
	// without errors, and its sealed store holds generation 0 and every
	// generation it was not excluded from, matching the chain's public
	// keys.
	waitFor(t, 30*time.Second, "the restarted gatekeeper to follow the chain without errors", func() (bool, error) {
		var s worker.Status
		if err := getJSON(gkURL+"/info", &s); err != nil {
			return false, err
		}
		if s.LastError != "" {
			return false, errors.New(s.LastError)
		}
		return s.Registered && s.ID == gkID && s.SyncedHeight >= st.Generation.Height, nil
	}, dn, gk)
	// Left out of a generation, it asks to rejoin once it is back
	// (docs/keys.md, "Coming back after a missed generation") and holds
	// the current generation again, and every earlier one.
	waitFor(t, 60*time.Second, "the restarted gatekeeper to hold the current generation again", func() (bool, error) {
		now, err := keyState()
		return err == nil && now.Gatekeepers[gkIndex(now)].Holds, err
	}, dn, gk)
	if now := mustState(t, keyState); now.Generation.Number != st.Generation.Number || now.Running != nil {
		t.Fatalf("key state at the end: %+v", now)
	}
	tee := simProvider(t, home, gkHome)
	held := sealedMasters(t, tee, gkHome, filepath.Join(home, "config", "genesis.json"))
	for _, g := range st.History {
		secret, ok := held[g.Number]
		if !ok {
			t.Fatalf("the restarted gatekeeper's sealed store lacks generation %d (holds %v)", g.Number, slices.Sorted(maps.Keys(held)))
		}
		pub := masterPublicKeys(t, tee, secret)
		if !bytes.Equal(pub.Sign, g.SignKey) || !bytes.Equal(pub.ECDH, g.ECDHKey) {
			t.Fatalf("the restarted gatekeeper's sealed generation %d does not derive the chain's public keys", g.Number)
		}
	}
	if gk.exited() {
		t.Fatalf("the restarted gatekeeper exited: %v", gk.waitErr)
	}
	t.Logf("done in %s", time.Since(began).Round(time.Millisecond))
}

// mustState is a key-state reader's answer, failing the test on error.
func mustState(t *testing.T, read func() (keys.State, error)) keys.State {
	t.Helper()
	st, err := read()
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// simProvider opens the sim TEE of a worker home, as an auditor with the
// devnet's sim seed could (see keyMaterial).
func simProvider(t *testing.T, devnetHome, workerHome string) *sim.Provider {
	t.Helper()
	p, err := worker.NewSimProvider(homeSimKey(t, devnetHome), workerHome, pruntime.GenesisHash(homeGenesis(t, devnetHome)))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// sealedMasters unseals the master-key generations a worker's enclave
// keeps in its sealed store.
func sealedMasters(t *testing.T, p *sim.Provider, workerHome, genesisPath string) map[uint64][]byte {
	t.Helper()
	raw, err := workerStore(t, p, workerHome, genesisPath).Get(pruntime.EntryMasterKeys)
	if err != nil {
		t.Fatalf("unseal %s's master keys: %v", workerHome, err)
	}
	var hist struct {
		Generations []struct {
			Number uint64 `json:"number"`
			Secret []byte `json:"secret"`
		} `json:"generations"`
	}
	if err := json.Unmarshal(raw, &hist); err != nil {
		t.Fatal(err)
	}
	out := map[uint64][]byte{}
	for _, g := range hist.Generations {
		out[g.Number] = g.Secret
	}
	return out
}

// workerStore opens a worker's sealed store as its enclave does, with the
// sealing key of p and the genesis at genesisPath.
func workerStore(t *testing.T, p *sim.Provider, workerHome, genesisPath string) *sealed.Store {
	t.Helper()
	gen, err := cmttypes.GenesisDocFromFile(genesisPath)
	if err != nil {
		t.Fatal(err)
	}
	store, err := pruntime.OpenSealedStore(p, filepath.Join(workerHome, "sealed"), pruntime.GenesisHash(gen))
	if err != nil {
		t.Fatal(err)
	}
	return store
}

// hasSealedEntry tells whether a worker's sealed store holds name.
func hasSealedEntry(t *testing.T, p *sim.Provider, workerHome, genesisPath, name string) bool {
	t.Helper()
	_, err := workerStore(t, p, workerHome, genesisPath).Get(name)
	if errors.Is(err, sealed.ErrNotFound) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	return true
}

// getJSON GETs url and decodes its JSON answer.
func getJSON(url string, out any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
