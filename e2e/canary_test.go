package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/opt"

	"github.com/phalanetwork/phala/devnet/devnettest"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pruntime"
	"github.com/phalanetwork/phala/pruntime/sealed"
)

// TestCanaries plants unique canaries where the system promises secrecy:
// an agent secret, a prompt, a contract state value, an encrypted command,
// a query payload, and the gatekeeper's key material. It then looks for
// each (raw, hex, base64) in every file under the devnet's home except the
// sealed stores (LevelDB databases opened and scanned entry by entry, so
// compression hides nothing), in the devnet's logs, in its process
// arguments and environment, and in a capture of the loopback traffic of
// the run. Zero hits, or the test names where.
func TestCanaries(t *testing.T) {
	model := testModel(t)
	h := newHarness(t)
	canary := func(what string) string {
		b := make([]byte, 8)
		rand.Read(b)
		return "canary-" + what + "-" + hex.EncodeToString(b)
	}
	secret, prompt, stateValue, command, query := canary("secret"), canary("prompt"), canary("state"), canary("command"), canary("query")

	n := h.startAgentDevnet("--block-time", "200ms", "--llm-model", model, "--log-level", "debug")
	dn, home, url, gw, clusterID := n.dn, n.home, n.url, n.gw, n.cluster
	common := append(cliFlags(home, url), "--gateway", gw)
	run := func(args ...string) string { return h.mustRun(append(args, common...)...) }
	runNoGW := func(args ...string) string {
		return h.mustRun(append(args, "--home", home, "--keyring-backend", "test", "--node", url)...)
	}

	// Capture from here, before any canary exists, the traffic of every
	// port the devnet serves: its RPC, its gateway, its workers.
	ports := []string{url[strings.LastIndex(url, ":")+1:], gw[strings.LastIndex(gw, ":")+1:]}
	var ws []registry.Worker
	json.Unmarshal([]byte(h.mustRun("query", "workers", "--node", url, "--output", "json")), &ws)
	for _, w := range ws {
		ports = append(ports, w.Endpoint[strings.LastIndex(w.Endpoint, ":")+1:])
	}
	capture := startCapture(t, ports)

	// An agent with a secret, called sealed with the prompt.
	agent := h.deployAgent(common, filepath.Join(repoRoot, "e2e", "testdata", "prompt-agent.ts"), clusterID, nil, dn)
	secretFile := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(secretFile, []byte(secret), 0o600)
	run("agent", "secrets", "set", agent, "API_KEY=@"+secretFile, "--from", "alice")
	run("agent", "deposit", "5PHA", "--from", "bob")
	body, _ := json.Marshal(map[string]string{"prompt": prompt})
	waitFor(t, 30*time.Second, "a sealed call with the prompt", func() (bool, error) {
		r := h.run(append([]string{"agent", "call", agent, "/", "--seal", "-d", string(body), "--from", "bob"}, common...)...)
		return r.code == 0 && strings.Contains(r.stdout, fmt.Sprintf(`"keyLength":%d`, len(secret))), nil
	}, dn)

	// A contract holding a state value put there by an encrypted command,
	// read back by a sealed query.
	var up struct {
		CodeHash string `json:"code_hash"`
	}
	json.Unmarshal([]byte(runNoGW("contract", "upload", filepath.Join(repoRoot, "examples", "contracts", "vault", "vault.ts"), "--from", "alice", "--output", "json")), &up)
	var inst struct {
		Contract string `json:"contract"`
	}
	json.Unmarshal([]byte(runNoGW("contract", "instantiate", up.CodeHash, "--cluster", clusterID, "--from", "alice", "--output", "json")), &inst)
	waitFor(t, 30*time.Second, "the contract's keys and constructor", func() (bool, error) {
		var c contracts.Contract
		r := h.run("contract", "info", inst.Contract, "--node", url, "--output", "json")
		return r.code == 0 && json.Unmarshal([]byte(r.stdout), &c) == nil && len(c.ECDHKey) == 32 && c.Results == 1, nil
	}, dn)
	cmd, _ := json.Marshal(map[string]any{"put": map[string]string{"name": command, "secret": stateValue}})
	runNoGW("contract", "exec", inst.Contract, string(cmd), "--from", "alice")
	q, _ := json.Marshal(map[string]string{"read": command, "note": query})
	if out := runNoGW("contract", "query", inst.Contract, string(q), "--from", "alice"); !strings.Contains(out, stateValue) {
		t.Fatalf("query: %s", out)
	}

	// Controls: a value the test makes public on purpose, in a transaction
	// memo (chain data) and in an unsealed call (loopback traffic), must be
	// found where the canaries must not, or the search proves nothing.
	control := canary("control")
	bobAddr := h.keyAddresses(home)["bob"]
	runNoGW("tx", "transfer", "alice", bobAddr, "1PHA", "--memo", control, "--yes")
	run("agent", "call", agent, "/", "--seal=false", "-d", `{"prompt":"`+control+`"}`, "--from", "bob")

	// tcpdump writes what it has read from the kernel; wait until it has
	// caught up with the control call before stopping it, since packets
	// still in the kernel's buffer when it stops are not written.
	capture.waitFor(t, []byte(control), 20*time.Second)

	// The devnet process's arguments and environment.
	procFiles := map[string][]byte{}
	for _, f := range []string{"cmdline", "environ"} {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", dn.cmd.Process.Pid, f))
		if err == nil {
			procFiles["process "+f] = b
		}
	}
	dn.interrupt()
	if code := dn.waitExit(30 * time.Second); code != 0 {
		t.Fatalf("devnet exited %d", code)
	}
	pcap := capture.stop(t)

	canaries := map[string][]byte{"agent secret": []byte(secret), "prompt": []byte(prompt), "contract state value": []byte(stateValue),
		"encrypted command": []byte(command), "query payload": []byte(query), "control": []byte(control)}
	for name, b := range keyMaterial(t, home) {
		canaries[name] = b
	}

	var hits []string
	look := func(where string, data []byte) {
		for name, c := range canaries {
			for form, needle := range forms(c) {
				if bytes.Contains(data, needle) {
					hits = append(hits, fmt.Sprintf("%s (%s) in %s", name, form, where))
				}
			}
		}
	}
	for name, b := range procFiles {
		look(name, b)
	}
	for _, f := range []string{dn.stdoutPath, dn.stderrPath} {
		b, _ := os.ReadFile(f)
		look("devnet log "+filepath.Base(f), b)
	}
	scanned := 0
	filepath.WalkDir(home, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasSuffix(path, ".db") {
			scanned += scanLevelDB(t, path, look)
			return nil // the raw files are read below as well
		}
		if d.IsDir() || strings.HasSuffix(path, sealed.Suffix) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err == nil {
			look(strings.TrimPrefix(path, home), b)
		}
		return nil
	})
	if scanned == 0 {
		t.Fatal("no LevelDB entry scanned: the chain's databases were not found")
	}
	if pcap != nil {
		look("loopback capture", pcap)
		t.Cleanup(func() {
			// Keep the capture for a failed run.
			if d := os.Getenv("PHALA_TEST_ARTIFACTS"); d != "" && t.Failed() {
				os.WriteFile(filepath.Join(d, "canaries-lo.pcap"), pcap, 0o644)
			}
		})
	}
	var controlHits []string
	for _, hit := range hits {
		if strings.HasPrefix(hit, "control") {
			controlHits = append(controlHits, hit)
		}
	}
	hits = slices.DeleteFunc(hits, func(h string) bool { return strings.HasPrefix(h, "control") })
	if len(hits) > 0 {
		t.Fatalf("%d canary hits:\n  %s", len(hits), strings.Join(hits, "\n  "))
	}
	for _, where := range []string{"blockstore.db value", "loopback capture"} {
		if pcap == nil && where == "loopback capture" {
			continue
		}
		if !slices.ContainsFunc(controlHits, func(h string) bool { return strings.Contains(h, where) }) {
			t.Fatalf("the control was not found in %s: the search there proves nothing (control hits: %v)", where, controlHits)
		}
	}
	t.Logf("no hits: %d canaries, %d LevelDB entries, capture of %d bytes", len(canaries), scanned, len(pcap))
}

// forms are the encodings a leak could take.
func forms(b []byte) map[string][]byte {
	return map[string][]byte{
		"raw": b, "hex": []byte(hex.EncodeToString(b)), "HEX": []byte(strings.ToUpper(hex.EncodeToString(b))),
		"base64": []byte(base64.StdEncoding.EncodeToString(b)), "base64url": []byte(base64.RawURLEncoding.EncodeToString(b)),
	}
}

// scanLevelDB reads every entry of a LevelDB database and returns how many.
func scanLevelDB(t *testing.T, dir string, look func(string, []byte)) int {
	db, err := leveldb.OpenFile(dir, &opt.Options{ReadOnly: true})
	if err != nil {
		t.Logf("open %s: %v (its files are still read raw)", dir, err)
		return 0
	}
	defer db.Close()
	n := 0
	it := db.NewIterator(nil, nil)
	defer it.Release()
	for it.Next() {
		look(filepath.Base(dir)+" key", it.Key())
		look(filepath.Base(dir)+" value", it.Value())
		n++
	}
	return n
}

// keyMaterial unseals, as an auditor with the sim seed could, the
// gatekeeper's master keys and every worker's cluster keys and identity.
func keyMaterial(t *testing.T, home string) map[string][]byte {
	simKey := homeSimKey(t, home)
	genesis := pruntime.GenesisHash(homeGenesis(t, home))
	out := map[string][]byte{}
	dirs, _ := filepath.Glob(filepath.Join(home, "workers", "*"))
	for _, dir := range dirs {
		st := devnettest.SealedStore(t, simKey, genesis, dir)
		name := filepath.Base(dir)
		if raw, err := st.Get(pruntime.EntryMasterKeys); err == nil {
			var h struct {
				Generations []struct {
					Number uint64 `json:"number"`
					Secret []byte `json:"secret"`
				} `json:"generations"`
			}
			json.Unmarshal(raw, &h)
			for _, g := range h.Generations {
				out[fmt.Sprintf("%s master key %d", name, g.Number)] = g.Secret
			}
		}
		if raw, err := st.Get(pruntime.EntryClusterKeys); err == nil {
			var recs []struct {
				Epoch  uint64 `json:"epoch"`
				Secret []byte `json:"secret"`
			}
			json.Unmarshal(raw, &recs)
			for _, r := range recs {
				out[fmt.Sprintf("%s cluster key epoch %d", name, r.Epoch)] = r.Secret
			}
		}
		if raw, err := st.Get(pruntime.EntryIdentity); err == nil {
			var id pruntime.IdentityRecord
			json.Unmarshal(raw, &id)
			out[name+" identity seed"], out[name+" ECDH key"] = id.IdentitySeed, id.ECDHKey
		}
	}
	if len(out) == 0 {
		t.Fatal("no key material unsealed")
	}
	found := false
	for k := range out {
		found = found || strings.Contains(k, "master key")
	}
	if !found {
		t.Fatal("the gatekeeper's master key was not found in its sealed store")
	}
	return out
}

// capture is a tcpdump of the loopback interface during the run.
type capture struct {
	cmd  *exec.Cmd
	file string
}

// startCapture starts tcpdump on lo; without tcpdump (or the right to
// capture) it logs why and the test goes on without the traffic check,
// except under CI, where scripts/install-test-deps.sh installs it.
func startCapture(t *testing.T, ports []string) *capture {
	bin, err := exec.LookPath("tcpdump")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tcpdump is missing: scripts/install-test-deps.sh installs it")
		}
		t.Log("tcpdump is missing: loopback traffic is not checked (scripts/install-test-deps.sh installs it)")
		return nil
	}
	c := &capture{file: filepath.Join(t.TempDir(), "lo.pcap")}
	filter := "tcp and (port " + strings.Join(ports, " or port ") + ")"
	c.cmd = exec.Command(bin, "-i", "lo", "-s", "0", "-B", "32768", "-U", "-n", "-w", c.file, filter)
	stderr, err := c.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Logf("tcpdump: %v: loopback traffic is not checked", err)
		return nil
	}
	// tcpdump says "listening on lo" once it captures.
	listening := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		ok := false
		for sc.Scan() {
			if !ok && strings.Contains(sc.Text(), "listening on") {
				ok = true
				listening <- true
			}
		}
		if !ok {
			listening <- false
		}
	}()
	select {
	case ok := <-listening:
		if ok {
			return c
		}
	case <-time.After(10 * time.Second):
	}
	c.cmd.Process.Kill()
	t.Log("tcpdump did not start capturing: loopback traffic is not checked")
	return nil
}

// waitFor polls the capture file until it holds needle.
func (c *capture) waitFor(t *testing.T, needle []byte, timeout time.Duration) {
	if c == nil {
		return
	}
	deadline := time.Now().Add(timeout)
	for {
		if b, err := os.ReadFile(c.file); err == nil && bytes.Contains(b, needle) {
			return
		}
		if time.Now().After(deadline) {
			t.Logf("the capture did not show the control within %s", timeout)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (c *capture) stop(t *testing.T) []byte {
	if c == nil {
		return nil
	}
	c.cmd.Process.Signal(syscall.SIGINT)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan struct{})
	go func() { c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		c.cmd.Process.Kill()
	}
	b, err := os.ReadFile(c.file)
	if err != nil || len(b) < 1000 {
		t.Fatalf("the capture is empty (%d bytes, %v)", len(b), err)
	}
	return b
}
