package e2e

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/keyring"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/pha"
)

// pollInterval is the pause after a cross-process wait's first poll of a
// node's RPC; a wait that goes on pauses longer, up to maxPollInterval.
// Many conditions are polled by running the phala CLI, whose process start
// alone costs about 80 CPU-milliseconds: polled back to back, as a 100-ms
// ticker did, waits of several seconds took most of the CLI tests' CPU.
const (
	pollInterval    = 100 * time.Millisecond
	maxPollInterval = 250 * time.Millisecond
)

// harness runs phala child processes for one test. Their output goes to
// files in a temporary directory, printed when the test fails.
type harness struct {
	t      *testing.T
	logDir string
	env    []string

	mu    sync.Mutex
	procs []*proc
	runs  int
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{t: t, logDir: t.TempDir()}
	// A private HOME keeps the children away from the user's ~/.phala
	// (commands without --home default to it).
	h.env = append(os.Environ(), "HOME="+t.TempDir())
	// Registered after the TempDirs, so it runs before they are removed.
	t.Cleanup(h.cleanup)
	return h
}

// homeDir is the private HOME the harness gives its children.
func (h *harness) homeDir() string {
	for _, kv := range slices.Backward(h.env) {
		if v, ok := strings.CutPrefix(kv, "HOME="); ok {
			return v
		}
	}
	return ""
}

// newLongHarness is newHarness for a test that -short skips; what says
// what the test runs.
func newLongHarness(t *testing.T, what string) *harness {
	t.Helper()
	if testing.Short() {
		t.Skip("skipped with -short: " + what)
	}
	return newHarness(t)
}

// proc is a phala child process. Its stdout is kept line by line so that a
// test can wait for a line; both streams are also written to files.
type proc struct {
	h          *harness
	name       string
	cmd        *exec.Cmd
	stdoutPath string
	stderrPath string

	mu      sync.Mutex
	lines   []string
	changed chan struct{} // closed and replaced whenever a line arrives

	done    chan struct{} // closed when the process has exited
	waitErr error
}

// start starts `phala args...` in the background; name labels its log files.
func (h *harness) start(name string, args ...string) *proc {
	h.t.Helper()
	p := &proc{
		h: h, name: name,
		stdoutPath: filepath.Join(h.logDir, name+".stdout.log"),
		stderrPath: filepath.Join(h.logDir, name+".stderr.log"),
		changed:    make(chan struct{}),
		done:       make(chan struct{}),
	}
	stdout, err := os.Create(p.stdoutPath)
	if err != nil {
		h.t.Fatal(err)
	}
	stderr, err := os.Create(p.stderrPath)
	if err != nil {
		stdout.Close()
		h.t.Fatal(err)
	}
	p.cmd = exec.Command(phalaBin, args...)
	p.cmd.Env = h.env
	p.cmd.Stdout = &lineWriter{p: p, f: stdout}
	p.cmd.Stderr = stderr
	p.cmd.WaitDelay = 5 * time.Second
	if err := p.cmd.Start(); err != nil {
		stdout.Close()
		stderr.Close()
		h.t.Fatalf("start %s: %v", name, err)
	}
	h.t.Logf("started %s (pid %d): phala %s", name, p.cmd.Process.Pid, strings.Join(args, " "))
	h.mu.Lock()
	h.procs = append(h.procs, p)
	h.mu.Unlock()
	go func() {
		p.waitErr = p.cmd.Wait()
		stdout.Close()
		stderr.Close()
		close(p.done)
	}()
	return p
}

type lineWriter struct {
	p   *proc
	f   *os.File
	buf []byte
}

func (w *lineWriter) Write(b []byte) (int, error) {
	if _, err := w.f.Write(b); err != nil {
		return 0, err
	}
	w.buf = append(w.buf, b...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		w.p.addLine(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
	return len(b), nil
}

func (p *proc) addLine(line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lines = append(p.lines, line)
	close(p.changed)
	p.changed = make(chan struct{})
}

// exited reports whether the process has exited.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stdout returns the standard output so far.
func (p *proc) stdout() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}

// waitLine waits for a stdout line matching re and returns its submatches.
func (p *proc) waitLine(re *regexp.Regexp, timeout time.Duration) []string {
	p.h.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	next := 0
	for {
		p.mu.Lock()
		lines, changed := p.lines[next:], p.changed
		next = len(p.lines)
		p.mu.Unlock()
		for _, l := range lines {
			if m := re.FindStringSubmatch(l); m != nil {
				return m
			}
		}
		select {
		case <-changed:
		case <-p.done:
			// The last lines may have arrived together with the exit.
			p.mu.Lock()
			lines = p.lines[next:]
			p.mu.Unlock()
			for _, l := range lines {
				if m := re.FindStringSubmatch(l); m != nil {
					return m
				}
			}
			p.h.t.Fatalf("%s exited (%v) before printing a line matching %q", p.name, p.waitErr, re)
		case <-deadline.C:
			p.h.t.Fatalf("%s printed no line matching %q within %s", p.name, re, timeout)
		}
	}
}

// signal sends sig to the process.
func (p *proc) signal(sig os.Signal) {
	p.h.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		p.h.t.Fatalf("signal %s: %v", p.name, err)
	}
}

// waitExit waits for the process to exit and returns its exit code.
func (p *proc) waitExit(timeout time.Duration) int {
	p.h.t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		p.h.t.Fatalf("%s did not exit within %s", p.name, timeout)
	}
	var ee *exec.ExitError
	switch {
	case p.waitErr == nil:
		return 0
	case errors.As(p.waitErr, &ee):
		return ee.ExitCode() // -1 when killed by a signal
	default:
		p.h.t.Fatalf("wait for %s: %v", p.name, p.waitErr)
		return -1
	}
}

// interrupt stops the process with SIGINT, as Ctrl-C does, and requires a
// clean exit (status 0).
func (p *proc) interrupt() {
	p.h.t.Helper()
	start := time.Now()
	p.signal(os.Interrupt)
	if code := p.waitExit(30 * time.Second); code != 0 {
		p.h.t.Fatalf("%s exited with status %d after SIGINT, want 0", p.name, code)
	}
	p.h.t.Logf("%s stopped cleanly by SIGINT in %s", p.name, time.Since(start).Round(time.Millisecond))
}

// kill stops the process with SIGKILL and waits for it.
func (p *proc) kill() {
	p.h.t.Helper()
	p.signal(syscall.SIGKILL)
	p.waitExit(10 * time.Second)
}

// cleanup stops every process still running (SIGINT, then SIGKILL) and, if
// the test failed, prints their logs.
func (h *harness) cleanup() {
	h.mu.Lock()
	procs := h.procs
	h.mu.Unlock()
	stopAll(procs, h.t.Logf)
	if !h.t.Failed() {
		return
	}
	entries, _ := os.ReadDir(h.logDir)
	for _, e := range entries {
		h.t.Logf("==== %s ====\n%s", e.Name(), tailFile(filepath.Join(h.logDir, e.Name()), 64<<10))
	}
}

// stopAll interrupts procs, kills those that ignore it for 15 s (saying
// so through logf) and waits for them all to exit.
func stopAll(procs []*proc, logf func(string, ...any)) {
	for _, p := range procs {
		if !p.exited() {
			_ = p.cmd.Process.Signal(os.Interrupt)
		}
	}
	for _, p := range procs {
		select {
		case <-p.done:
		case <-time.After(15 * time.Second):
			logf("%s ignored SIGINT for 15s; killing it", p.name)
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	}
}

func tailFile(path string, max int64) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	if int64(len(data)) > max {
		return fmt.Sprintf("[... %d bytes cut ...]\n%s", int64(len(data))-max, data[int64(len(data))-max:])
	}
	return string(data)
}

// result is a finished phala command.
type result struct {
	args           []string
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("phala %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
}

// run runs `phala args...` to completion (at most a minute).
func (h *harness) run(args ...string) result {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, phalaBin, args...)
	cmd.Env = h.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{args: args, stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ctx.Err() == nil:
		r.code = ee.ExitCode()
	default:
		h.t.Fatalf("phala %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, r.stdout, r.stderr)
	}
	// Keep a record of every command for the failure dump.
	h.mu.Lock()
	h.runs++
	n := h.runs
	h.mu.Unlock()
	_ = os.WriteFile(filepath.Join(h.logDir, fmt.Sprintf("cmd-%03d.log", n)), []byte(r.String()), 0o600)
	return r
}

// mustRun runs `phala args...` and requires it to succeed.
func (h *harness) mustRun(args ...string) string {
	h.t.Helper()
	r := h.run(args...)
	if r.code != 0 {
		h.t.Fatalf("%s", r)
	}
	return r.stdout
}

// mustRunJSON runs `phala args... --output json` and decodes its stdout.
func (h *harness) mustRunJSON(out any, args ...string) {
	h.t.Helper()
	stdout := h.mustRun(append(args, "--output", "json")...)
	if err := json.Unmarshal([]byte(stdout), out); err != nil {
		h.t.Fatalf("phala %s: decode JSON output: %v\n%s", strings.Join(args, " "), err, stdout)
	}
}

// balance reads an address's balance with `phala query balance`.
func (h *harness) balance(nodeURL, addr string) pha.Amount {
	h.t.Helper()
	var out struct {
		Address string     `json:"address"`
		Balance pha.Amount `json:"balance"`
	}
	h.mustRunJSON(&out, "query", "balance", addr, "--node", nodeURL)
	if out.Address != addr {
		h.t.Fatalf("query balance %s answered for %s", addr, out.Address)
	}
	return out.Balance
}

// keyAddresses lists a home's test keyring with `phala keys list`.
func (h *harness) keyAddresses(home string) map[string]string {
	h.t.Helper()
	var keys []struct {
		Name    string `json:"name"`
		Address string `json:"address"`
	}
	h.mustRunJSON(&keys, "keys", "list", "--home", home, "--keyring-backend", "test")
	m := map[string]string{}
	for _, k := range keys {
		m[k.Name] = k.Address
	}
	return m
}

// waitFor polls cond every pollInterval, less often as the wait goes on
// (up to every maxPollInterval), until it holds, failing the test after
// timeout or as soon as one of procs exits.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() (bool, error), procs ...*proc) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	interval := pollInterval
	var lastErr error
	for {
		ok, err := cond()
		if ok {
			return
		}
		if err != nil {
			lastErr = err
		}
		for _, p := range procs {
			if p.exited() {
				t.Fatalf("waiting for %s: %s exited: %v", what, p.name, p.waitErr)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s (last error: %v)", timeout, what, lastErr)
		}
		time.Sleep(min(interval, time.Until(deadline)))
		interval = min(interval*5/4, maxPollInterval)
	}
}

// newClient connects the Go SDK to a node.
func newClient(t *testing.T, url string) *client.Client {
	t.Helper()
	c, err := client.New(url)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// height returns a node's latest block height.
func height(c *client.Client) (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	st, err := c.RPC.Status(ctx)
	if err != nil {
		return 0, err
	}
	return st.SyncInfo.LatestBlockHeight, nil
}

// mustHeight is height, failing the test on error.
func mustHeight(t *testing.T, c *client.Client) int64 {
	t.Helper()
	h, err := height(c)
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	return h
}

// waitHeight waits until the node behind c reaches height min.
func waitHeight(t *testing.T, c *client.Client, min int64, timeout time.Duration, procs ...*proc) {
	t.Helper()
	waitFor(t, timeout, fmt.Sprintf("height %d at %s", min, c.RPC.Remote()), func() (bool, error) {
		h, err := height(c)
		return h >= min, err
	}, procs...)
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// freePortRange returns the first of n consecutive free ports on 127.0.0.1.
// It searches below the kernel's ephemeral range (32768 and up on Linux), so
// that outgoing connections do not grab the ports before the nodes bind
// them.
func freePortRange(t *testing.T, n int) int {
	t.Helper()
	for range 200 {
		base := 15000 + rand.IntN(17000-n)
		var ls []net.Listener
		ok := true
		for i := range n {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", base+i))
			if err != nil {
				ok = false
				break
			}
			ls = append(ls, l)
		}
		for _, l := range ls {
			l.Close()
		}
		if ok {
			return base
		}
	}
	t.Fatalf("found no %d consecutive free ports", n)
	return 0
}

// startDevnet runs `phala devnet args...` under a fresh temporary home with
// its RPC on a free port; it returns the process, the home and the RPC URL.
func (h *harness) startDevnet(args ...string) (dn *proc, home, url string) {
	h.t.Helper()
	home = filepath.Join(h.t.TempDir(), "devnet")
	port := freePort(h.t)
	dn = h.start("devnet", append([]string{"devnet", "--home", home, "--rpc-port", strconv.Itoa(port)}, args...)...)
	return dn, home, fmt.Sprintf("http://127.0.0.1:%d", port)
}

// cliFlags point a command at a devnet's test keyring under home and its
// node at url.
func cliFlags(home, url string) []string {
	return []string{"--home", home, "--keyring-backend", "test", "--node", url}
}

// waitCluster waits until the devnet's one cluster has every member
// holding its key, and returns it. The devnet adds the members in one
// transaction, so no member is still to come.
func (h *harness) waitCluster(url string, dn *proc) clusters.Cluster {
	h.t.Helper()
	var cl []clusters.Cluster
	waitFor(h.t, 60*time.Second, "the devnet cluster's members to hold its key", func() (bool, error) {
		r := h.run("query", "clusters", "--node", url, "--output", "json")
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &cl) != nil {
			return false, nil
		}
		return len(cl) == 1 && len(cl[0].Members) > 0 && len(cl[0].Holders) == len(cl[0].Members), nil
	}, dn)
	return cl[0]
}

// agentDevnet is a devnet started by startAgentDevnet: its process, home,
// RPC and gateway URLs, and its one cluster (hex id), held by its members.
type agentDevnet struct {
	dn                     *proc
	home, url, gw, cluster string
}

// startAgentDevnet starts `phala devnet args...` and waits for its gateway
// and for its cluster's members to hold the cluster key.
func (h *harness) startAgentDevnet(args ...string) agentDevnet {
	h.t.Helper()
	var n agentDevnet
	n.dn, n.home, n.url = h.startDevnet(args...)
	n.gw = n.dn.waitLine(reBannerGateway, 60*time.Second)[1]
	n.cluster = fmt.Sprintf("%x", []byte(h.waitCluster(n.url, n.dn).ID))
	return n
}

// keyState reads the chain's master-key state with `phala query keys`.
func (h *harness) keyState(url string) (keys.State, error) {
	var st keys.State
	r := h.run("query", "keys", "--node", url, "--output", "json")
	if r.code != 0 {
		return st, fmt.Errorf("%s", r)
	}
	return st, json.Unmarshal([]byte(r.stdout), &st)
}

// testnet is a network written by `phala testnet`: its validators' homes,
// RPC URLs and clients, and the first of its ports.
type testnet struct {
	base    int
	homes   []string
	urls    []string
	clients []*client.Client
}

// initTestnet writes an n-validator network with blocks every blockTime
// into a temporary directory, on free ports.
func (h *harness) initTestnet(n int, blockTime string) *testnet {
	h.t.Helper()
	dir := filepath.Join(h.t.TempDir(), "net")
	tn := &testnet{base: freePortRange(h.t, 3*n)}
	h.mustRun("testnet", "--validators", strconv.Itoa(n), "--output", dir, "--starting-port", strconv.Itoa(tn.base), "--block-time", blockTime)
	for i := range n {
		tn.homes = append(tn.homes, filepath.Join(dir, fmt.Sprintf("node%d", i)))
		tn.urls = append(tn.urls, fmt.Sprintf("http://127.0.0.1:%d", tn.base+2*i+1))
		tn.clients = append(tn.clients, newClient(h.t, tn.urls[i]))
	}
	return tn
}

// startNodes starts `phala node` for every validator and waits until each
// is at height 3.
func (h *harness) startNodes(tn *testnet) []*proc {
	h.t.Helper()
	nodes := make([]*proc, len(tn.homes))
	for i, home := range tn.homes {
		nodes[i] = h.start(fmt.Sprintf("node%d", i), "node", "--home", home)
	}
	for _, c := range tn.clients {
		waitHeight(h.t, c, 3, 60*time.Second, nodes...)
	}
	return nodes
}

// devAccounts are the test keyring under a devnet's or validator's home,
// alice's key, and the addresses of alice and bob.
type devAccounts struct {
	kr         *keyring.Keyring
	aliceKey   ed25519.PrivateKey
	alice, bob address.Address
}

// openDevAccounts opens the test keyring under home.
func openDevAccounts(t *testing.T, home string) devAccounts {
	t.Helper()
	kr, err := keyring.Open(home, keyring.BackendTest, nil)
	if err != nil {
		t.Fatal(err)
	}
	key, keyErr := kr.PrivKey("alice")
	alice, aliceErr := kr.Get("alice")
	bob, bobErr := kr.Get("bob")
	if err := errors.Join(keyErr, aliceErr, bobErr); err != nil {
		t.Fatal(err)
	}
	return devAccounts{kr: kr, aliceKey: key, alice: alice.Address, bob: bob.Address}
}

// simWorkerArgs are the arguments of `phala worker` on the sim TEE with
// its own home workerHome, on the devnet under devnetHome (its keyring and
// sim attestation key) at url, paid by operator.
func simWorkerArgs(workerHome, devnetHome, url, operator string) []string {
	return []string{"worker", "--home", workerHome, "--node", url, "--tee", "sim", "--operator", operator,
		"--keyring-dir", devnetHome, "--keyring-backend", "test", "--sim-attestation-key", filepath.Join(devnetHome, "config", "sim_attestation_key")}
}
