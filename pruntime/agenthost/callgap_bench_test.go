package agenthost

import (
	"context"
	"slices"
	"syscall"
	"testing"
	"time"
)

// BenchmarkAgentCallLone is a lone caller's trivial agent call in dev
// mode, with a pause of 2 ms between calls (a caller's network round
// trip), in which a core is free for the work sandbox does between calls.
// It reports the median call's wall time and the process's CPU per call
// (rusage, the work between calls included).
func BenchmarkAgentCallLone(b *testing.B) {
	d := &DevAgent{}
	code := []byte(`export default async function main() { return { status: 200, body: "ok" }; }`)
	call := func() {
		if _, err := d.Call(context.Background(), code, "GET", "/", nil, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
	call()
	var took []time.Duration
	cpu0 := cpuTime()
	for b.Loop() {
		time.Sleep(2 * time.Millisecond)
		t0 := time.Now()
		call()
		took = append(took, time.Since(t0))
	}
	cpu := cpuTime() - cpu0
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(cpu.Microseconds())/float64(len(took)), "cpu-µs/call")
}

// cpuTime is the CPU time this process used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
