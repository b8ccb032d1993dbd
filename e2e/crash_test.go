package e2e

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/modules/registry"
)

// TestReplicaKilledUnderLoad: two worker processes replicate a token
// contract while commands keep coming; one is SIGKILLed in the middle and
// restarted on its home. No committed command is lost (every input gets its
// result, the balances add up), the restarted worker comes back with the
// same identity and its sealed state, and both replicas report the same
// state root at the end.
func TestReplicaKilledUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short")
	}
	h := newHarness(t)
	home := filepath.Join(t.TempDir(), "devnet")
	port := freePort(t)
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	dn := h.start("devnet", "devnet", "--home", home, "--rpc-port", strconv.Itoa(port), "--block-time", "200ms",
		"--workers", "1", "--gatekeepers", "1", "--cluster=false")
	waitHeight(t, newClient(t, url), 2, 30*time.Second, dn)
	kr := []string{"--home", home, "--keyring-backend", "test", "--node", url}

	startWorker := func(name, dir, operator string) *proc {
		wh := filepath.Join(filepath.Dir(home), dir)
		return h.start(name, "worker", "--home", wh, "--node", url, "--tee", "sim", "--operator", operator,
			"--keyring-dir", home, "--keyring-backend", "test", "--sim-attestation-key", filepath.Join(home, "config", "sim_attestation_key"))
	}
	w1, w2 := startWorker("w1", "w1", "bob"), startWorker("w2", "w2", "carol")
	id1 := w1.waitLine(reWorkerID, 30*time.Second)[1]
	id2 := w2.waitLine(reWorkerID, 30*time.Second)[1]
	waitFor(t, 30*time.Second, "both workers registered", func() (bool, error) {
		var ws []registry.Worker
		r := h.run("query", "workers", "--node", url, "--output", "json")
		return r.code == 0 && json.Unmarshal([]byte(r.stdout), &ws) == nil && len(ws) == 3, nil
	}, dn, w1, w2)

	h.mustRun(append([]string{"cluster", "create", "--from", "alice"}, kr...)...)
	var cl []clusters.Cluster
	h.mustRunJSON(&cl, "query", "clusters", "--node", url, "--output", "json")
	cid := fmt.Sprintf("%x", []byte(cl[0].ID))
	for _, id := range []string{id1, id2} {
		h.mustRun(append([]string{"cluster", "add", cid, id, "--from", "alice"}, kr...)...)
	}
	waitFor(t, 60*time.Second, "both members to hold the cluster key", func() (bool, error) {
		h.mustRunJSON(&cl, "query", "clusters", "--node", url, "--output", "json")
		return len(cl[0].Holders) == 2, nil
	}, dn, w1, w2)

	var up struct {
		CodeHash string `json:"code_hash"`
	}
	json.Unmarshal([]byte(h.mustRun(append([]string{"contract", "upload", filepath.Join(repoRoot, "examples", "contracts", "token", "token.ts"), "--from", "alice", "--output", "json"}, kr...)...)), &up)
	var inst struct {
		Contract string `json:"contract"`
	}
	json.Unmarshal([]byte(h.mustRun(append([]string{"contract", "instantiate", up.CodeHash, "--cluster", cid, "--args", `{"supply":1000}`, "--from", "alice", "--output", "json"}, kr...)...)), &inst)
	info := func() contracts.Contract {
		var c contracts.Contract
		h.mustRunJSON(&c, "contract", "info", inst.Contract, "--node", url, "--output", "json")
		return c
	}
	waitFor(t, 60*time.Second, "the token's keys and constructor", func() (bool, error) {
		c := info()
		return len(c.ECDHKey) == 32 && c.Results == 1, nil
	}, dn, w1, w2)

	// Commands from two senders, without waiting for results, while w1 is
	// killed and restarted.
	dave := h.keyAddresses(home)["bob"]
	const each = 12
	var wg sync.WaitGroup
	var mu sync.Mutex
	var sendErrs []string
	send := func(n int) {
		defer wg.Done()
		for i := 0; i < n; i++ {
			r := h.run(append([]string{"contract", "exec", inst.Contract, `{"transfer":{"to":"` + dave + `","amount":1}}`, "--from", "alice", "--wait", "0"}, kr...)...)
			if r.code != 0 {
				mu.Lock()
				sendErrs = append(sendErrs, r.stderr)
				mu.Unlock()
			}
		}
	}
	wg.Add(1)
	go send(each)
	waitFor(t, 60*time.Second, "some commands on chain before the crash", func() (bool, error) {
		return info().Inputs >= 4, nil
	}, dn, w1, w2)
	w1.kill()
	t.Logf("killed w1 (%s) in the middle of the load", id1[:16])
	w1 = startWorker("w1-restarted", "w1", "bob")
	if got := w1.waitLine(reWorkerID, 30*time.Second)[1]; got != id1 {
		t.Fatalf("w1 came back as %s, was %s", got, id1)
	}
	wg.Wait()
	if len(sendErrs) > 0 {
		t.Fatalf("%d commands were not accepted: %s", len(sendErrs), strings.Join(sendErrs, "; "))
	}
	waitFor(t, 90*time.Second, "every command's result", func() (bool, error) {
		c := info()
		return c.Inputs == 1+each && c.Results == c.Inputs, nil
	}, dn, w1, w2)
	// Both replicas, the killed one included, report the same root for
	// the last input.
	last := strconv.Itoa(each)
	waitFor(t, 60*time.Second, "both replicas' roots for the last input", func() (bool, error) {
		var rep contracts.RootReport
		c := newClient(t, url)
		if _, err := c.Query(t.Context(), "/contracts/roots/"+inst.Contract+"/"+last, &rep); err != nil {
			return false, nil
		}
		return len(rep.Votes) == 2 && len(rep.Majority) == 32 && len(rep.Diverged) == 0, nil
	}, dn, w1, w2)
	// Nothing lost: alice's balance, read from a replica that has run
	// every input, is the supply less what she sent.
	if out := strings.TrimSpace(h.mustRun(append([]string{"contract", "query", inst.Contract, `{}`, "--from", "alice"}, kr...)...)); out != strconv.Itoa(1000-each) {
		t.Fatalf("alice's token balance %s, want %d", out, 1000-each)
	}
}
