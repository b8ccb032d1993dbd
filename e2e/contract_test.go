package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/modules/contracts"
)

// TestContractCLI drives the contract commands through the binary against
// the default devnet (a gatekeeper and a cluster of two workers): bundle
// and upload TypeScript, instantiate, a sealed command with its output,
// a signed query sealed to a worker, and the record.
func TestContractCLI(t *testing.T) {
	h := newHarness(t)
	dn, home, url := h.startDevnet("--block-time", "200ms")
	common := cliFlags(home, url)
	run := func(args ...string) string { return h.mustRun(append(args, common...)...) }

	cl := h.waitCluster(url, dn)

	contract := h.deployToken(home, url, fmt.Sprintf("%x", []byte(cl.ID)), 500, dn)
	bob := h.keyAddresses(home)["bob"]
	out := run("contract", "exec", contract, `{"transfer":{"to":"`+bob+`","amount":20}}`, "--from", "alice")
	if !strings.Contains(out, `output: {"balance":480}`) || !strings.Contains(out, `event:  {"transferred":20`) {
		t.Fatalf("exec output:\n%s", out)
	}
	r := h.run(append([]string{"contract", "exec", contract, `{"transfer":{"to":"` + bob + `","amount":1000}}`, "--from", "bob"}, common...)...)
	if r.code == 0 || !strings.Contains(r.stdout, "failed: script error") || !strings.Contains(r.stdout, "insufficient balance") {
		t.Fatalf("overdraft: %s", r)
	}
	if out := run("contract", "query", contract, `{}`, "--from", "bob"); strings.TrimSpace(out) != "20" {
		t.Fatalf("bob's balance: %q", out)
	}
	if r := h.run(append([]string{"contract", "query", contract, `{"balance":"` + bob + `"}`, "--from", "alice"}, common...)...); r.code == 0 || !strings.Contains(r.stdout, "private") {
		t.Fatalf("alice read bob's balance: %s", r)
	}
	if r := h.run(append([]string{"contract", "exec", contract, `{not json`, "--from", "alice"}, common...)...); r.code == 0 || !strings.Contains(r.stderr, "must be JSON") {
		t.Fatalf("bad JSON: %s", r)
	}
	info := run("contract", "info", contract)
	if !strings.Contains(info, "inputs     3") || !strings.Contains(info, "results    3") {
		t.Fatalf("info:\n%s", info)
	}
}

// deployToken uploads the example token contract and instantiates it on
// cluster with supply for alice, waiting for its keys and
// constructor; it returns the contract id.
func (h *harness) deployToken(home, url, cluster string, supply int, procs ...*proc) string {
	t := h.t
	t.Helper()
	run := func(args ...string) string { return h.mustRun(append(args, cliFlags(home, url)...)...) }
	var up struct {
		CodeHash string `json:"code_hash"`
	}
	if err := json.Unmarshal([]byte(run("contract", "upload", "../examples/contracts/token/token.ts", "--from", "alice", "--output", "json")), &up); err != nil || len(up.CodeHash) != 64 {
		t.Fatalf("upload: %v %+v", err, up)
	}
	var inst struct {
		Contract string `json:"contract"`
	}
	out := run("contract", "instantiate", up.CodeHash, "--cluster", cluster, "--args", fmt.Sprintf(`{"supply":%d}`, supply), "--from", "alice", "--output", "json")
	if err := json.Unmarshal([]byte(out), &inst); err != nil || len(inst.Contract) != 64 {
		t.Fatalf("instantiate: %v %s", err, out)
	}
	waitFor(t, 60*time.Second, "the contract's keys and constructor", func() (bool, error) {
		var c contracts.Contract
		r := h.run("contract", "info", inst.Contract, "--node", url, "--output", "json")
		return r.code == 0 && json.Unmarshal([]byte(r.stdout), &c) == nil && len(c.ECDHKey) == 32 && c.Results == 1, nil
	}, procs...)
	return inst.Contract
}
