package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/devnet/devnettest"
	"github.com/phalanetwork/phala/keyring"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/pha"
)

// loadDuration is how long BenchmarkMixedLoad drives traffic:
// PHALA_LOAD_SECONDS, or 20 s.
func loadDuration(b *testing.B) time.Duration {
	v := os.Getenv("PHALA_LOAD_SECONDS")
	if v == "" {
		return 20 * time.Second
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		b.Fatalf("PHALA_LOAD_SECONDS=%q: want a positive number of seconds", v)
	}
	return time.Duration(n) * time.Second
}

// BenchmarkMixedLoad runs `phala devnet` as its own process and drives it
// from this one for a bounded time with mixed traffic on loopback:
// transfers, sealed contract commands (each waited for until its result is
// on chain) and paid agent calls through the gateway. It reports
// throughput, p50/p99 latency and errors per kind, and the devnet
// process's resident memory, Go heap in use and live heap (from its
// /metrics), and this process's heap, at ten points of the run, so growth over the run shows and whether it levels off: the
// growth over the second half is reported on its own.
func BenchmarkMixedLoad(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "phala")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/phala").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	home := filepath.Join(b.TempDir(), "devnet")
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "devnet", "--home", home, "--rpc-port", strconv.Itoa(port), "--block-time", "200ms")
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = nil
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }()
	gwRe := regexp.MustCompile(`^\s*gateway:\s+(http://\S+)`)
	opsRe := regexp.MustCompile(`^\s*metrics:\s+(http://\S+/metrics)`)
	gw, metricsURL := "", ""
	sc := bufio.NewScanner(stdout)
	for gw == "" && sc.Scan() {
		if m := gwRe.FindStringSubmatch(sc.Text()); m != nil {
			gw = m[1]
		}
		if m := opsRe.FindStringSubmatch(sc.Text()); m != nil {
			metricsURL = m[1]
		}
	}
	go func() {
		for sc.Scan() {
		}
	}()
	if gw == "" {
		b.Fatal("no gateway in the devnet banner")
	}
	ctx := context.Background()
	c, _ := client.New(fmt.Sprintf("http://127.0.0.1:%d", port))
	kr, err := keyring.Open(home, keyring.BackendTest, nil)
	if err != nil {
		b.Fatal(err)
	}
	alice, _ := kr.PrivKey("alice")
	bob, _ := kr.PrivKey("bob")
	carol, _ := kr.PrivKey("carol")
	bobInfo, _ := kr.Get("bob")

	var cl []clusters.Cluster
	wait(b, "the devnet cluster", func() bool {
		c.Query(ctx, "/clusters/list", &cl)
		return len(cl) == 1 && len(cl[0].Holders) == 2
	})
	// A contract and an agent to load.
	hash := devnettest.Upload(b, c, alice, "c.js", `export function init(ctx) { ctx.state.set("n", 0) }
export function handle(ctx) { const n = ctx.state.get("n") + 1; ctx.state.set("n", n); return n }`)
	contract, _, err := c.Instantiate(ctx, alice, hash, [32]byte(cl[0].ID), nil, false)
	if err != nil {
		b.Fatal(err)
	}
	agent := devnettest.DeployAgent(b, c, alice, `export default async function main(req) { return { status: 200, body: "ok " + req.body } }`, [32]byte(cl[0].ID), pha.Amount{})
	if _, err := c.Send(ctx, carol, pha.Amount{}, "", &agents.MsgDeposit{Amount: pha.Whole(10_000)}); err != nil {
		b.Fatal(err)
	}
	wait(b, "the contract and the agent to be ready", func() bool {
		ct, _ := c.Contract(ctx, contract)
		a, _ := c.Agent(ctx, agent)
		_, err := c.CallAgent(ctx, carol, gw, agent, "POST", "/", []byte("warm"))
		return ct.Results == 1 && len(a.ECDHKey) == 32 && err == nil
	})

	type kind struct {
		name string
		mu   sync.Mutex
		lat  []time.Duration
		errs int
		last string
	}
	kinds := map[string]*kind{"transfer": {name: "transfer"}, "command": {name: "command"}, "agent call": {name: "agent call"}}
	record := func(k *kind, start time.Time, err error) {
		k.mu.Lock()
		defer k.mu.Unlock()
		if err != nil {
			k.errs++
			k.last = err.Error()
			return
		}
		k.lat = append(k.lat, time.Since(start))
	}
	dur := loadDuration(b)
	type sample struct {
		at                          time.Duration
		rss, heap, live, driverHeap int64 // KiB
	}
	t0 := time.Now()
	mem := func() sample {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		m := scrapeKiB(metricsURL, "go_memstats_heap_inuse_bytes", "go_memstats_next_gc_bytes")
		// The next GC target is twice the heap that survived the last
		// GC (GOGC=100): half of it is the live heap, without the garbage
		// that heap in use also counts.
		return sample{at: time.Since(t0), rss: rssKiB(cmd.Process.Pid), heap: m[0], live: m[1] / 2, driverHeap: int64(ms.HeapInuse / 1024)}
	}
	samples := []sample{mem()}
	stop := time.Now().Add(dur)
	var wg sync.WaitGroup
	run := func(k *kind, f func() error) {
		defer wg.Done()
		for time.Now().Before(stop) {
			t0 := time.Now()
			record(k, t0, f())
		}
	}
	b.ResetTimer()
	wg.Add(4)
	go run(kinds["transfer"], func() error {
		_, err := c.Send(ctx, alice, pha.Amount{}, "", &balances.MsgTransfer{To: bobInfo.Address, Amount: pha.Units(1)})
		return err
	})
	go run(kinds["command"], func() error {
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		sent, err := c.Exec(cctx, bob, contract, json.RawMessage(`"inc"`), 0)
		if err != nil {
			return err
		}
		r, err := c.WaitResult(cctx, sent)
		if err == nil && !r.OK {
			err = fmt.Errorf("command failed: %s", r.Error)
		}
		return err
	})
	for range 2 {
		go run(kinds["agent call"], func() error {
			r, err := c.CallAgent(ctx, carol, gw, agent, "POST", "/", []byte(strconv.FormatInt(time.Now().UnixNano(), 10)))
			if err == nil && r.Status != 200 {
				err = fmt.Errorf("status %d", r.Status)
			}
			return err
		})
	}
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(dur / 10)
		defer tick.Stop()
		for i := 1; i < 10; i++ {
			<-tick.C
			samples = append(samples, mem())
		}
	}()
	wg.Wait()
	b.StopTimer()
	<-sampled
	samples = append(samples, mem())
	for _, name := range []string{"transfer", "command", "agent call"} {
		k := kinds[name]
		slices.Sort(k.lat)
		n := len(k.lat)
		if n == 0 {
			b.Fatalf("%s: no successful requests (%d errors, last: %s)", name, k.errs, k.last)
		}
		p50, p99 := k.lat[n/2], k.lat[min(n-1, n*99/100)]
		rate := float64(n) / dur.Seconds()
		unit := strings.ReplaceAll(name, " ", "-")
		b.ReportMetric(rate, unit+"/s")
		b.ReportMetric(float64(p50.Microseconds())/1000, unit+"-p50-ms")
		b.ReportMetric(float64(p99.Microseconds())/1000, unit+"-p99-ms")
		b.ReportMetric(float64(k.errs), unit+"-errors")
		b.Logf("%-10s %6.1f/s  p50 %7.1f ms  p99 %7.1f ms  ok %d  errors %d %s", name, rate, float64(p50.Microseconds())/1000, float64(p99.Microseconds())/1000, n, k.errs, k.last)
	}
	first, mid, last := samples[0], samples[len(samples)/2], samples[len(samples)-1]
	b.ReportMetric(float64(last.rss-first.rss)/1024, "devnet-rss-growth-MiB")
	b.ReportMetric(float64(last.rss-mid.rss)/1024, "devnet-rss-growth-2nd-half-MiB")
	b.ReportMetric(float64(last.live-mid.live)/1024, "devnet-live-heap-growth-2nd-half-MiB")
	// One line per series: the testing package cuts a benchmark's log
	// after a few lines.
	var at, rss, heap, live, driver []string
	for _, s := range samples {
		at = append(at, fmt.Sprintf("%4.0f", s.at.Seconds()))
		rss = append(rss, fmt.Sprintf("%4d", s.rss/1024))
		heap = append(heap, fmt.Sprintf("%4d", s.heap/1024))
		live = append(live, fmt.Sprintf("%4d", s.live/1024))
		driver = append(driver, fmt.Sprintf("%4d", s.driverHeap/1024))
	}
	b.Logf("seconds into the load:        %s", strings.Join(at, " "))
	b.Logf("devnet resident MiB:          %s", strings.Join(rss, " "))
	b.Logf("devnet Go heap in use MiB:    %s", strings.Join(heap, " "))
	b.Logf("devnet live heap MiB:         %s", strings.Join(live, " "))
	b.Logf("load driver heap in use MiB:  %s", strings.Join(driver, " "))
}

// scrapeKiB reads gauges (in bytes) from a process's Prometheus metrics,
// in KiB; 0 for one it cannot read.
func scrapeKiB(url string, names ...string) []int64 {
	out := make([]int64, len(names))
	if url == "" {
		return out
	}
	resp, err := http.Get(url)
	if err != nil {
		return out
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, v, ok := strings.Cut(sc.Text(), " ")
		if i := slices.Index(names, name); ok && i >= 0 {
			f, _ := strconv.ParseFloat(v, 64)
			out[i] = int64(f) / 1024
		}
	}
	return out
}

// rssKiB is a process's resident memory from /proc.
func rssKiB(pid int) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	return 0
}

func wait(b *testing.B, what string, cond func() bool) {
	deadline := time.Now().Add(90 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			b.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
