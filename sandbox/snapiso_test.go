package sandbox

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The isolation suite of the snapshot spike (bench/engines/snapiso_test.go),
// run against the sandbox's own agent VMs: a Program keeping VMs ready, an
// Env with a prelude and host functions (so the VMs are prepared and
// snapshotted), and calls that attack the VM. After every call the pool's
// restore must leave the heap byte-identical to the snapshot
// (watchRestores), and the next call must see the snapshot's state.

// isoPrelude is state the snapshot holds, which calls try to change: a
// script-level var and let, a timer table, and the built-ins the probe
// compares with.
const isoPrelude = `var __hits = 0; let __lexical = 0; var __timers = [];
const __orig = { push: Array.prototype.push, stringify: JSON.stringify, then: Promise.prototype.then };`

// isoModule probes everything the attacks change, and attacks it: globals,
// prototypes, built-ins, the prelude's and the module's variables, a
// promise that never settles, a job left in the queue, a timer, and 8 MiB
// and more of heap; and calls stopped by the time limit (in a loop, in a
// native built-in, in a promise job), by the memory limit, and by a host
// function's panic.
const isoModule = `let modCount = 0;
export function probe() {
  modCount++;
  return {
    leak: typeof globalThis.leak, late: typeof globalThis.late, big: typeof globalThis.big,
    proto: ({}).polluted, arr: [].polluted, hits: __hits, lexical: __lexical, timers: __timers.length,
    push: Array.prototype.push === __orig.push, stringify: JSON.stringify === __orig.stringify,
    then: Promise.prototype.then === __orig.then, keys: Object.keys(globalThis).length, mod: modCount,
  };
}
export function attack() {
  modCount++;
  Promise.resolve().then(() => { globalThis.late = 1; }); new Promise(() => {});
  globalThis.leak = 1; Object.prototype.polluted = 1; Array.prototype.polluted = 2;
  __hits++; __lexical++; __timers[__timers.length] = () => { globalThis.late = 2; };
  globalThis.big = [new ArrayBuffer(8 << 20), Array.from({ length: 100000 }, (_, i) => "s" + i)];
  Array.prototype.push = function () { return -1; }; JSON.stringify = () => "hijacked";
  Promise.prototype.then = function () { return this; };
  return 1;
}
export function light() {
  modCount++; __hits++; globalThis.leak = 1; Object.prototype.polluted = 1;
  Promise.resolve().then(() => { globalThis.late = 1; }); new Promise(() => {});
  globalThis.big = new ArrayBuffer(48 << 10); return 1;
}
export function spin() { globalThis.leak = 1; for (;;) {} }
export function sortBig() { globalThis.leak = 1; const a = new Array(4000000).fill(0).map((_, i) => -i); for (;;) { a.reverse(); a.sort(); } }
export async function jobSpin() { globalThis.leak = 1; await null; for (;;) {} }
export function grow() { globalThis.leak = 1; const a = []; for (;;) a.push(new ArrayBuffer(1 << 20)); }
export function boom() { globalThis.leak = 1; return hostBoom(); }
`

// isoEnv is the agent-like Env of the suite.
func isoEnv() Env {
	return Env{Prelude: isoPrelude, Funcs: map[string]HostFunc{
		"hostBoom": func([]any) (any, error) { panic("host function panicked") },
	}}
}

// isoProgram compiles isoModule keeping ready VMs, with their restores
// watched, and returns the first probe's answer: a fresh VM's state.
func isoProgram(t *testing.T, ready int) (*Program, *restoreWatch, string) {
	t.Helper()
	p, err := Compile([]byte(isoModule), CompileOptions{Ready: ready})
	if err != nil {
		t.Fatal(err)
	}
	w := watchRestores(t, p)
	fresh := mustCall(t, p, "probe", nil, isoEnv(), Limits{Time: time.Minute})
	if !strings.Contains(fresh, `"leak":"undefined"`) || !strings.Contains(fresh, `"mod":1`) {
		t.Fatalf("first probe: %s", fresh)
	}
	return p, w, fresh
}

// isoRounds is how many times TestSnapshotIsolation runs each attack in
// the same VM: once under the race detector, whose time limits (20 times
// longer) made the three rounds a minute; TestSnapshotMemoryFlat still
// restores one VM hundreds of times there.
const isoRounds = 1 + 2/raceSlowdown

// TestSnapshotIsolation: each attack, in a prepared VM, leaves nothing the
// next call sees, and the VM it ran in is restored byte for byte.
func TestSnapshotIsolation(t *testing.T) {
	p, w, fresh := isoProgram(t, 1)
	short := Limits{Time: 300 * time.Millisecond * raceSlowdown}
	for _, tc := range []struct {
		name string
		lim  Limits
		want error // nil: the call succeeds; errAny: it fails
	}{
		{"attack", Limits{Time: time.Minute}, nil},
		{"spin", short, ErrTimeout},
		{"sortBig", Limits{Time: short.Time, Memory: 512 << 20}, ErrTimeout},
		{"jobSpin", short, ErrTimeout},
		{"grow", Limits{Time: time.Minute, Memory: 16 << 20}, errAny},
		{"boom", Limits{Time: time.Minute}, errAny},
	} {
		for i := range isoRounds {
			waitReady(t, p)
			before := w.count()
			_, err := run(t, p, tc.name, nil, isoEnv(), tc.lim)
			switch {
			case tc.want == nil && err != nil:
				t.Fatalf("%s %d: %v", tc.name, i, err)
			case tc.want == errAny && err == nil, tc.want != nil && tc.want != errAny && !errors.Is(err, tc.want):
				t.Fatalf("%s %d: err %v, want %v", tc.name, i, err, tc.want)
			}
			if w.count() != before+1 {
				t.Fatalf("%s %d: the call's VM was not restored (%d restores before, %d after)", tc.name, i, before, w.count())
			}
			waitReady(t, p)
			if got := mustCall(t, p, "probe", nil, isoEnv(), Limits{Time: time.Minute}); got != fresh {
				t.Fatalf("after %s %d the next call sees\n%s\nwant a fresh VM's\n%s", tc.name, i, got, fresh)
			}
		}
	}
}

// errAny stands for "any error" in TestSnapshotIsolation's table.
var errAny = errors.New("any error")

// TestSnapshotMemoryFlat: 10,000 polluting calls (500 under the race
// detector), each growing the heap by 48 KB and leaving work pending, in one
// prepared VM: every restore byte-identical, the VM's Go
// functions as many as after its setup, and the process's resident memory
// flat.
func TestSnapshotMemoryFlat(t *testing.T) {
	p, w, fresh := isoProgram(t, 1)
	waitReady(t, p)
	p.vms.mu.Lock()
	vm := p.vms.ready[0].vm
	p.vms.mu.Unlock()
	funcs := vm.GoFuncs()
	calls := 10000 / raceSlowdown
	var rss0 int64
	for i := range calls {
		if _, err := run(t, p, "light", nil, isoEnv(), Limits{Time: time.Minute}); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		if i == 100 {
			rss0 = residentKiB(t)
		}
	}
	if n := w.count(); n < calls {
		t.Fatalf("%d of %d calls ended in a restore", n, calls)
	}
	if n := vm.GoFuncs(); n != funcs {
		t.Errorf("the VM has %d Go functions after %d calls, %d after its setup", n, calls, funcs)
	}
	if got := mustCall(t, p, "probe", nil, isoEnv(), Limits{Time: time.Minute}); got != fresh {
		t.Errorf("after %d calls the next sees %s, want %s", calls, got, fresh)
	}
	rss := residentKiB(t)
	t.Logf("resident memory after call 100: %d KiB, after %d: %d KiB", rss0, calls, rss)
	if raceSlowdown == 1 && rss-rss0 > 16<<10 {
		t.Errorf("resident memory grew by %d KiB over %d calls", rss-rss0, calls)
	}
}

// residentKiB returns the process's resident memory.
func residentKiB(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Skip("no /proc/self/statm:", err)
	}
	f := strings.Fields(string(b))
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return pages * int64(os.Getpagesize()) / 1024
}

// TestSnapshotParallel: four prepared VMs on four goroutines at once, each
// call polluting its VM (light: the full attack is TestSnapshotIsolation's) and the next probing it: every probe fresh, every
// restore byte-identical.
func TestSnapshotParallel(t *testing.T) {
	p, w, fresh := isoProgram(t, 4)
	waitReady(t, p)
	rounds := max(200/raceSlowdown, 20)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range rounds {
				if _, err := run(t, p, "light", nil, isoEnv(), Limits{Time: time.Minute}); err != nil {
					t.Error(err)
					return
				}
				if got, err := run(t, p, "probe", nil, isoEnv(), Limits{Time: time.Minute}); err != nil || string(got.Value) != fresh {
					t.Errorf("probe: %s (%v), want %s", got.Value, err, fresh)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := w.count(); n < rounds {
		t.Errorf("%d restores in %d calls", n, 8*rounds)
	}
}
