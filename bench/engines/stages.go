package engines

import (
	"fmt"
	"runtime"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// Handler is the trivial handler of BenchmarkAgentCalls, with the request's
// path in the body so that each call's answer depends on its input, as a
// global script for the engines measured raw: __call starts the handler on
// a request in JSON, and __result returns the answer's JSON once the
// engine has run the promise jobs.
const Handler = `var __out;
async function main(req) { return { status: 200, body: "ok " + req.path }; }
function __call(s) { main(JSON.parse(s)).then(function (r) { __out = JSON.stringify(r); }); }
function __result() { return __out; }
`

// HandlerModule is the same handler as the ES module the sandbox runs.
const HandlerModule = `export default async function main(req) { return { status: 200, body: "ok " + req.path }; }`

// Request is the request every call gets, and Want the answer it must give.
const (
	Request = `{"path":"/x"}`
	Want    = `{"status":200,"body":"ok /x"}`
)

// Stages accumulates the CPU time of the calling thread in each stage of a
// call: Start begins a call, Mark(i) ends stage i.
type Stages struct {
	names []string
	ns    []int64
	last  int64
}

// threadCPU returns the CPU time the calling thread has used, in ns.
func threadCPU() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		panic(fmt.Sprintf("clock_gettime: %v", err))
	}
	return ts.Nano()
}

// processCPU returns the user and system CPU time of the whole process
// (the garbage collector's threads included), in ns.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(fmt.Sprintf("getrusage: %v", err))
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// Start begins a call.
func (s *Stages) Start() { s.last = threadCPU() }

// Mark ends stage i of the call.
func (s *Stages) Mark(i int) {
	now := threadCPU()
	s.ns[i] += now - s.last
	s.last = now
}

// Measure runs call once per iteration of b on a locked OS thread and
// reports, per call, the thread CPU µs of each named stage and the process
// CPU µs of the whole call (which includes the garbage collector's work on
// other threads, such as the freeing of a Go engine's runtime).
func Measure(b *testing.B, names []string, call func(s *Stages) error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	s := &Stages{names: names, ns: make([]int64, len(names))}
	for range 20 { // warm up: caches, the Go heap's size
		s.Start()
		if err := call(s); err != nil {
			b.Fatal(err)
		}
	}
	clear(s.ns)
	runtime.GC()
	b.ResetTimer()
	cpu0, n := processCPU(), 0
	for b.Loop() {
		s.Start()
		if err := call(s); err != nil {
			b.Fatal(err)
		}
		n++
	}
	cpu := processCPU() - cpu0
	for i, name := range names {
		b.ReportMetric(float64(s.ns[i])/float64(n)/1e3, name+"-us/op")
	}
	b.ReportMetric(float64(cpu)/float64(n)/1e3, "cpu-us/op")
}

// Check returns an error if a call's answer is not Want.
func Check(got string) error {
	if got != Want {
		return fmt.Errorf("answer %q, want %q", got, Want)
	}
	return nil
}
