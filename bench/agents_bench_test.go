package bench

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/devnet/devnettest"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/pruntime/chainsync"
)

// The load of BenchmarkAgentCalls: constants, not flags, so every run is
// the same experiment.
const (
	agentCallers    = 16              // concurrent callers under load
	agentLoadFor    = 5 * time.Second // each load phase
	agentLatencyFor = 2 * time.Second // each one-caller (unloaded) phase
	// agentSampleEvery: one response in this many keeps its headers and
	// body, and its worker signature is checked after the phase.
	agentSampleEvery = 50
)

// Goals from the issue that asked for the agent path (the first four) and
// from issue 17 (the agent runtime developers expect, item 6).
const (
	goalAgentCallsPerSec = 1000
	goalAgentP50         = 2 * time.Millisecond
	goalAgentXNode       = 0.3
	goalAgentColdStart   = 20 * time.Millisecond
	goalRuntimeXNode     = 0.5
	goalRuntimeLoneP50   = 500 * time.Microsecond
)

// trivialAgent is the handler of both benchmarks, answering body.
func trivialAgent(body string) string {
	return fmt.Sprintf("export default async function main(req) { return { status: 200, body: %q } }\n", body)
}

// BenchmarkAgentCalls measures agent calls per second and their latency
// through the devnet's gateway: one validator with 100 ms blocks, a
// gatekeeper and one cluster member, a trivial public agent with price 0
// (each call still pays the network's call fee from the caller's escrow).
// For each way to authenticate (a signed request, an API key) it runs
// agentCallers callers for agentLoadFor over keep-alive connections, then
// one caller for agentLatencyFor, and the same two phases against the
// anchor: the same handler in a plain Node.js HTTP server
// (agentnode/server.mjs), driven by the same load generator building the
// same requests, signatures included. The anchor runs twice: with the
// handler in one context shared by every call (the ratio the goals name),
// and with a fresh V8 context per call, the isolation every call of ours
// has, for the cost of that isolation on Node. Every answer must be 200
// "ok"; a sample of our answers has its worker signature checked.
func BenchmarkAgentCalls(b *testing.B) {
	if _, err := exec.LookPath("node"); err != nil {
		b.Skip("node is not installed: BenchmarkAgentCalls needs it for its anchor (a Node.js HTTP server); install Node.js >= 18")
	}
	n := startAgentNet(b, true)
	ctx := context.Background()
	id := n.deploy(b, trivialAgent("ok"))
	n.deposit(b, pha.Whole(100_000))
	apiKey := n.registerAPIKey(b, id)
	gw := n.d.Gateway.URL()
	node, nodeIsolated := startNodeAnchor(b), startNodeAnchor(b, "isolated")

	// A signed request names the worker it is for: the cluster's one
	// member, which the gateway routes it to.
	member := [32]byte(n.d.Workers[1].ID())
	signed := func(base string) func(uint64) *http.Request {
		return func(i uint64) *http.Request {
			req, _ := http.NewRequest("GET", agentURL(base, id, i), nil)
			agentio.SignRequest(req, n.chainID, id, member, nil, n.alice, time.Now())
			return req
		}
	}
	withKey := func(base string) func(uint64) *http.Request {
		return func(i uint64) *http.Request {
			req, _ := http.NewRequest("GET", agentURL(base, id, i), nil)
			req.Header.Set("Authorization", "Bearer "+apiKey)
			return req
		}
	}
	// The enclave reads the chain a block or two behind the gateway: wait
	// until it sees the escrow and the API key.
	for _, mk := range []func(string) func(uint64) *http.Request{signed, withKey} {
		waitUntil(b, "a call through the gateway", func() (bool, error) {
			if r := agentLoad(http.DefaultClient, 1, 0, 0, mk(gw), "ok"); r.errors > 0 {
				return false, errors.New(r.firstErr)
			}
			return true, nil
		})
	}

	for _, v := range []struct {
		name string
		mk   func(base string) func(uint64) *http.Request
	}{{"signed", signed}, {"apikey", withKey}} {
		b.Run(v.name, func(b *testing.B) {
			b.ResetTimer()
			ours := agentLoad(nil, agentCallers, agentLoadFor, agentSampleEvery, v.mk(gw), "ok")
			ours1 := agentLoad(nil, 1, agentLatencyFor, agentSampleEvery, v.mk(gw), "ok")
			anchor := agentLoad(nil, agentCallers, agentLoadFor, 0, v.mk(node), "ok")
			anchor1 := agentLoad(nil, 1, agentLatencyFor, 0, v.mk(node), "ok")
			isolated := agentLoad(nil, agentCallers, agentLoadFor, 0, v.mk(nodeIsolated), "ok")
			b.StopTimer()
			for _, r := range []*agentLoadResult{&ours, &ours1, &anchor, &anchor1, &isolated} {
				if r.errors > 0 {
					b.Errorf("%d of %d calls failed, first: %s", r.errors, r.calls, r.firstErr)
				}
			}
			checked := n.verifySamples(b, ctx, id, append(ours.samples, ours1.samples...), v.name == "signed")
			x := ours.perSec() / anchor.perSec()
			b.ReportMetric(ours.perSec(), "calls/s")
			b.ReportMetric(ms(ours.pct(50)), "p50-ms")
			b.ReportMetric(ms(ours.pct(99)), "p99-ms")
			b.ReportMetric(ms(ours1.pct(50)), "p50-1caller-ms")
			b.ReportMetric(anchor.perSec(), "node-calls/s")
			b.ReportMetric(x, "x-node")
			b.ReportMetric(ours.perSec()/isolated.perSec(), "x-node-isolated")
			b.ReportMetric(float64(ours.errors+ours1.errors), "errors")
			b.ReportMetric(ours.cpuPerCall(), "cpu-ms/call")
			b.Logf("%s, %d callers, %s: ours %.0f calls/s (%d calls), p50 %.2f ms, p99 %.2f ms; node %.0f calls/s, p50 %.2f ms, p99 %.2f ms; ours/node %.2f",
				v.name, agentCallers, agentLoadFor, ours.perSec(), ours.calls, ms(ours.pct(50)), ms(ours.pct(99)),
				anchor.perSec(), ms(anchor.pct(50)), ms(anchor.pct(99)), x)
			b.Logf("%s, 1 caller, %s: ours %.0f calls/s, p50 %.3f ms, p99 %.2f ms; node %.0f calls/s, p50 %.3f ms, p99 %.2f ms",
				v.name, agentLatencyFor, ours1.perSec(), ms(ours1.pct(50)), ms(ours1.pct(99)), anchor1.perSec(), ms(anchor1.pct(50)), ms(anchor1.pct(99)))
			b.Logf("%s: CPU of this process (client, gateway, workers, node) per call: %.2f ms with %d callers (%.2f of the 2 cores busy), %.2f ms with 1; the Go client alone against node: %.3f ms",
				v.name, ours.cpuPerCall(), agentCallers, ours.cpu.Seconds()/ours.elapsed.Seconds(), ours1.cpuPerCall(), anchor.cpuPerCall())
			b.Logf("%s, %d callers, node with a fresh context per call: %.0f calls/s, p50 %.2f ms; ours/that %.2f",
				v.name, agentCallers, isolated.perSec(), ms(isolated.pct(50)), ours.perSec()/isolated.perSec())
			b.Logf("%s: errors %d; %d sampled worker signatures verified", v.name, ours.errors+ours1.errors, checked)
			b.Logf("%s goals: >= %d calls/s %s (%.0f, %.2fx); p50 <= %s: 1 caller %s (%.3f ms), %d callers %s (%.2f ms); >= %.1fx node %s (%.3fx)",
				v.name, goalAgentCallsPerSec, passMiss(ours.perSec() >= goalAgentCallsPerSec), ours.perSec(), ours.perSec()/goalAgentCallsPerSec,
				goalAgentP50, passMiss(ours1.pct(50) <= goalAgentP50), ms(ours1.pct(50)), agentCallers, passMiss(ours.pct(50) <= goalAgentP50), ms(ours.pct(50)),
				goalAgentXNode, passMiss(x >= goalAgentXNode), x)
			b.Logf("%s issue 17 goals: >= %.1fx node %s (%.3fx); 1 caller p50 <= %s %s (%.3f ms)",
				v.name, goalRuntimeXNode, passMiss(x >= goalRuntimeXNode), x, goalRuntimeLoneP50, passMiss(ours1.pct(50) <= goalRuntimeLoneP50), ms(ours1.pct(50)))
		})
	}

	// Where one call's time goes, one caller at a time: the gateway hop
	// (direct to the member's endpoint against through the gateway) and
	// one of the proven state reads the enclave makes per call over the
	// node's RPC (agent record, contract record, escrow, params, and the
	// API key for a key).
	b.Run("parts", func(b *testing.B) {
		worker := n.d.Workers[1].Endpoint()
		direct := agentLoad(nil, 1, agentLatencyFor, 0, signed(worker), "ok")
		directKey := agentLoad(nil, 1, agentLatencyFor, 0, withKey(worker), "ok")
		for _, r := range []agentLoadResult{direct, directKey} {
			if r.errors > 0 {
				b.Errorf("%d of %d calls failed, first: %s", r.errors, r.calls, r.firstErr)
			}
		}
		read := provenReads(b, n, agents.EscrowKey(addrOf(n.alice)), agentLatencyFor)
		first := firstCallAfterDeposit(b, n, id)
		b.ReportMetric(ms(first), "first-call-after-deposit-ms")
		b.Logf("a new caller's first call, from its deposit's commit to the first 200 (the escrow becoming visible to the worker, then the worker's hold request and the chain's answer): %.0f ms",
			ms(first))
		b.ReportMetric(ms(direct.pct(50)), "worker-signed-ms")
		b.ReportMetric(ms(directKey.pct(50)), "worker-apikey-ms")
		b.ReportMetric(ms(read.pct(50)), "proven-read-ms")
		b.Logf("1 caller, straight to the member worker: signed p50 %.2f ms (%.0f calls/s), API key p50 %.2f ms (%.0f calls/s)",
			ms(direct.pct(50)), direct.perSec(), ms(directKey.pct(50)), directKey.perSec())
		b.Logf("one proven state read over the node's RPC (as the enclave makes 4 per signed call, 5 per API-key call): p50 %.3f ms, p99 %.3f ms",
			ms(read.pct(50)), ms(read.pct(99)))
	})
}

// firstCallAfterDeposit is how long a caller new to the member worker
// waits, from its deposit's commit, for its first call to be served
// (calls go straight to the member, one at a time, each signed anew).
func firstCallAfterDeposit(b *testing.B, n *agentNet, id [32]byte) time.Duration {
	b.Helper()
	bob, err := n.d.Keyring.PrivKey("bob")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := n.c.Send(context.Background(), bob, pha.Amount{}, "", &agents.MsgDeposit{Amount: pha.Whole(10)}); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	member := [32]byte(n.d.Workers[1].ID())
	for i := uint64(0); time.Since(start) < 30*time.Second; i++ {
		req, _ := http.NewRequest("GET", agentURL(n.d.Workers[1].Endpoint(), id, i), nil)
		agentio.SignRequest(req, n.chainID, id, member, nil, bob, time.Now())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return time.Since(start)
		}
		if resp.StatusCode != http.StatusPaymentRequired {
			b.Fatalf("bob's first call: %s", resp.Status)
		}
	}
	b.Fatal("bob's first call was not served within 30 s of the deposit")
	return 0
}

// provenReads reads key with its proof over the node's RPC, as the
// worker's chain source does for the enclave, one read at a time for d.
func provenReads(b *testing.B, n *agentNet, key []byte, d time.Duration) agentLoadResult {
	b.Helper()
	ctx := context.Background()
	src := chainsync.NewRPCSource(n.c.RPC)
	st, err := n.c.RPC.Status(ctx)
	if err != nil {
		b.Fatal(err)
	}
	h := st.SyncInfo.LatestBlockHeight - 1
	var out agentLoadResult
	start := time.Now()
	for time.Since(start) < d {
		t0 := time.Now()
		_, proof, err := src.StateProof(ctx, key, h)
		out.latencies = append(out.latencies, time.Since(t0))
		if err != nil || proof == nil {
			b.Fatalf("state proof at %d: %v", h, err)
		}
	}
	out.calls, out.elapsed = len(out.latencies), time.Since(start)
	slices.Sort(out.latencies)
	return out
}

func addrOf(k ed25519.PrivateKey) address.Address {
	return address.FromPubKey(k.Public().(ed25519.PublicKey))
}

// BenchmarkAgentColdStart measures the first call of a newly deployed
// version, which bundles and compiles the new code (the enclave caches
// programs by code hash), against warm calls of the same version right
// after. Each iteration uploads a handler with a new body, points the agent
// at it (agents/upgrade) and polls the member worker's endpoint directly,
// one signed call at a time, until an answer carries the new body: that
// call is the cold one, and only it is timed as cold-ms. The benchmark's
// own ns/op is the whole cycle, from sending the upgrade to that answer.
func BenchmarkAgentColdStart(b *testing.B) {
	n := startAgentNet(b, false)
	id := n.deploy(b, trivialAgent("v0"))
	n.deposit(b, pha.Whole(1_000))
	endpoint := n.d.Workers[1].Endpoint()
	hc := &http.Client{Timeout: 10 * time.Second}
	var seq uint64
	call := func() (string, time.Duration, error) {
		seq++
		req, _ := http.NewRequest("GET", agentURL(endpoint, id, seq), nil)
		agentio.SignRequest(req, n.chainID, id, [32]byte(n.d.Workers[1].ID()), nil, n.alice, time.Now())
		t0 := time.Now()
		resp, err := hc.Do(req)
		if err != nil {
			return "", 0, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		took := time.Since(t0)
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(body)))
		}
		return string(body), took, err
	}
	waitUntil(b, "the first version to answer", func() (bool, error) {
		body, _, err := call()
		return body == "v0", err
	})

	var cold, warm []time.Duration
	var polls int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		version := fmt.Sprintf("v%d-%d", i+1, time.Now().UnixNano())
		code := n.upload(b, trivialAgent(version))
		b.StartTimer()
		if _, err := n.c.Send(context.Background(), n.alice, pha.Amount{}, "", &agents.MsgUpgrade{Agent: id, Code: code}); err != nil {
			b.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			body, took, err := call()
			if err != nil {
				b.Fatalf("call while waiting for %s: %v", version, err)
			}
			if body == version {
				cold = append(cold, took)
				break
			}
			polls++
			if time.Now().After(deadline) {
				b.Fatalf("the worker still answers %q 30 s after the upgrade to %s", body, version)
			}
			time.Sleep(5 * time.Millisecond)
		}
		b.StopTimer()
		var ws []time.Duration
		for range 10 {
			body, took, err := call()
			if err != nil || body != version {
				b.Fatalf("warm call: %q, %v", body, err)
			}
			ws = append(ws, took)
		}
		slices.Sort(ws)
		warm = append(warm, ws[len(ws)/2])
		b.StartTimer()
	}
	b.StopTimer()
	slices.Sort(cold)
	slices.Sort(warm)
	coldP50, warmP50, coldMax := cold[len(cold)/2], warm[len(warm)/2], cold[len(cold)-1]
	b.ReportMetric(ms(coldP50), "cold-ms")
	b.ReportMetric(ms(coldMax), "cold-max-ms")
	b.ReportMetric(ms(warmP50), "warm-ms")
	b.ReportMetric(ms(coldP50-warmP50), "compile-ms")
	b.Logf("cold start over %d upgrades: first call of the new code median %.2f ms (min %.2f, max %.2f), warm call median %.2f ms, difference %.2f ms; %d calls still answered by the old version after the upgrade committed",
		len(cold), ms(coldP50), ms(cold[0]), ms(coldMax), ms(warmP50), ms(coldP50-warmP50), polls)
	b.Logf("cold calls, sorted (ms): %s", msList(cold))
	b.Logf("goal: cold start <= %s: %s (median %.2f ms, %.2fx the goal)", goalAgentColdStart, passMiss(coldP50 <= goalAgentColdStart), ms(coldP50), ms(coldP50)/ms(goalAgentColdStart))
}

// agentNet is a devnet with a cluster ready for agents.
type agentNet struct {
	d       *devnet.Devnet
	c       *client.Client
	alice   ed25519.PrivateKey
	chainID string
	cluster [32]byte
}

// startAgentNet starts a devnet with 100 ms blocks, a gatekeeper and one
// cluster member (and a gateway if asked) and waits for the member to
// hold the cluster key.
func startAgentNet(b *testing.B, gateway bool) *agentNet { return startClusterNet(b, 1, gateway) }

// upload bundles a handler and stores it on chain.
func (n *agentNet) upload(b *testing.B, src string) [32]byte {
	b.Helper()
	return devnettest.Upload(b, n.c, n.alice, "agent.js", src)
}

// deploy creates a public agent with price 0 from a handler and waits for
// its keys.
func (n *agentNet) deploy(b *testing.B, src string) [32]byte {
	b.Helper()
	ctx := context.Background()
	id, _, err := n.c.DeployAgent(ctx, n.alice, n.upload(b, src), n.cluster, agents.Policy{Kind: agents.PolicyPublic}, pha.Amount{})
	if err != nil {
		b.Fatal(err)
	}
	waitUntil(b, "the agent's keys", func() (bool, error) {
		a, err := n.c.Agent(ctx, id)
		return len(a.ECDHKey) == 32, err
	})
	return id
}

// deposit moves amount from alice into her escrow: each call costs the
// network's call fee (agents.DefaultParams: 0.001 PHA).
func (n *agentNet) deposit(b *testing.B, amount pha.Amount) {
	b.Helper()
	if _, err := n.c.Send(context.Background(), n.alice, pha.Amount{}, "", &agents.MsgDeposit{Amount: amount}); err != nil {
		b.Fatal(err)
	}
}

// registerAPIKey registers a random API key of alice's limited to agent id
// and returns it.
func (n *agentNet) registerAPIKey(b *testing.B, id [32]byte) string {
	b.Helper()
	var raw [32]byte
	rand.Read(raw[:])
	key := "phk-bench-" + hex.EncodeToString(raw[:])
	if _, err := n.c.Send(context.Background(), n.alice, pha.Amount{}, "", &agents.MsgRegisterKey{Hash: sha256.Sum256([]byte(key)), Agent: id}); err != nil {
		b.Fatal(err)
	}
	return key
}

// verifySamples checks the worker signature of sampled answers: each is
// signed by the cluster member, over this answer and over the request we
// sent (for every kind of caller authentication).
func (n *agentNet) verifySamples(b *testing.B, ctx context.Context, id [32]byte, samples []agentSample, signed bool) int {
	b.Helper()
	if len(samples) == 0 {
		b.Error("no answer sampled")
		return 0
	}
	member := n.d.Workers[1].ID()
	for _, s := range samples {
		a, _, err := agentio.AnswerFrom(s.header)
		if err != nil {
			b.Fatalf("answer to %s: %v", s.uri, err)
		}
		exp := agentio.Expect{ChainID: n.chainID, Agent: id, Request: agentio.RequestHash("GET", s.uri, s.reqHeader, nil), Status: s.status, Header: s.header, Body: s.body}
		if err := a.Check(exp); err != nil {
			b.Fatalf("answer to %s: %v", s.uri, err)
		}
		if a.Worker != [32]byte(member) {
			b.Fatalf("answer to %s signed by %x, not the cluster member", s.uri, a.Worker[:8])
		}
		// A signed request was signed over the content the answer binds.
		if signed {
			sr, _, err := agentio.VerifyRequest(s.reqHeader, n.chainID, id, [32]byte(member), "GET", s.uri, nil, time.Now())
			if err != nil || sr.Request != a.Request {
				b.Fatalf("answer to %s is signed over another request (%v)", s.uri, err)
			}
		}
	}
	if _, err := n.c.VerifyWorker(ctx, agentio.Answer{Worker: [32]byte(member)}); err != nil {
		b.Fatal(err)
	}
	return len(samples)
}

// agentURL is the URL of call i of an agent under base; the counter keeps
// every signed request unique (the worker refuses a replayed one).
func agentURL(base string, id [32]byte, i uint64) string {
	return base + "/agents/" + hex.EncodeToString(id[:]) + "/bench?n=" + strconv.FormatUint(i, 10)
}

// agentSample is one kept answer.
type agentSample struct {
	uri       string
	reqHeader http.Header
	status    int
	header    http.Header
	body      []byte
}

// agentLoadResult is what one load phase measured.
type agentLoadResult struct {
	calls, errors int
	firstErr      string
	elapsed       time.Duration
	// cpu is the CPU time of this whole process (client, gateway, workers,
	// node) during the phase; the Node.js anchor's own CPU is not in it.
	cpu       time.Duration
	latencies []time.Duration // sorted
	samples   []agentSample
}

func (r agentLoadResult) perSec() float64 { return float64(r.calls) / r.elapsed.Seconds() }

// pct is the p-th percentile latency (nearest rank).
func (r agentLoadResult) pct(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	i := int(float64(len(r.latencies))*p/100+0.5) - 1
	return r.latencies[min(max(i, 0), len(r.latencies)-1)]
}

// agentLoad sends requests made by mk from callers goroutines, one at a
// time each, for d (or one request per caller if d is 0), over keep-alive
// connections of hc (nil: a fresh client with an idle pool for every
// caller). An answer other than 200 with body want counts as an error.
// Every sampleEvery-th answer (0: none) is kept. Latency runs from just
// before sending to the end of the body; building and signing the request
// are not in it but take the callers' CPU, as they would.
func agentLoad(hc *http.Client, callers int, d time.Duration, sampleEvery uint64, mk func(uint64) *http.Request, want string) agentLoadResult {
	if hc == nil {
		tr := &http.Transport{Proxy: nil, MaxIdleConns: 4 * callers, MaxIdleConnsPerHost: 4 * callers, DisableCompression: true}
		defer tr.CloseIdleConnections()
		hc = &http.Client{Transport: tr, Timeout: 30 * time.Second}
	}
	var (
		next   atomic.Uint64
		mu     sync.Mutex
		out    agentLoadResult
		wg     sync.WaitGroup
		start  = time.Now()
		finish = start.Add(d)
		cpu0   = processCPU()
	)
	for range callers {
		wg.Go(func() {
			var lat []time.Duration
			var samples []agentSample
			failed, firstErr := 0, ""
			for {
				i := next.Add(1)
				req := mk(i)
				t0 := time.Now()
				resp, err := hc.Do(req)
				var body []byte
				if err == nil {
					body, err = io.ReadAll(resp.Body)
					resp.Body.Close()
				}
				lat = append(lat, time.Since(t0))
				switch {
				case err != nil:
					failed++
					firstErr = firstOf(firstErr, err.Error())
				case resp.StatusCode != http.StatusOK || string(body) != want:
					failed++
					firstErr = firstOf(firstErr, fmt.Sprintf("%s: %q", resp.Status, body))
				case sampleEvery > 0 && i%sampleEvery == 0:
					samples = append(samples, agentSample{uri: req.URL.RequestURI(), reqHeader: req.Header, status: resp.StatusCode, header: resp.Header, body: body})
				}
				if !time.Now().Before(finish) {
					break
				}
			}
			mu.Lock()
			defer mu.Unlock()
			out.calls += len(lat)
			out.latencies = append(out.latencies, lat...)
			out.samples = append(out.samples, samples...)
			out.errors += failed
			out.firstErr = firstOf(out.firstErr, firstErr)
		})
	}
	wg.Wait()
	out.elapsed, out.cpu = time.Since(start), processCPU()-cpu0
	slices.Sort(out.latencies)
	return out
}

// firstOf returns a if it is set, else b.
func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// startNodeAnchor runs agentnode/server.mjs with args and returns its base
// URL; the server is killed when the benchmark ends.
func startNodeAnchor(b *testing.B, args ...string) string {
	b.Helper()
	cmd := exec.Command("node", append([]string{filepath.Join("agentnode", "server.mjs")}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatalf("start node: %v", err)
	}
	b.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	port, perr := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || perr != nil {
		b.Fatalf("node anchor printed %q: %v %v", line, err, perr)
	}
	return "http://127.0.0.1:" + strconv.Itoa(port)
}

// waitUntil polls cond every 50 ms for up to 60 s.
func waitUntil(b *testing.B, what string, cond func() (bool, error)) {
	b.Helper()
	devnettest.Eventually(b, what, 60*time.Second, cond)
}

// processCPU is the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuPerCall is the process CPU per call in ms.
func (r agentLoadResult) cpuPerCall() float64 { return ms(r.cpu) / float64(r.calls) }

func msList(ds []time.Duration) string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = strconv.FormatFloat(ms(d), 'f', 1, 64)
	}
	return strings.Join(out, " ")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
