package engines

import (
	"bufio"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	lib "modernc.org/libquickjs"
)

// isoState is global state the snapshot holds, which calls below try to
// change: a script-level var and let, a host-side timer table (as the
// bootstrap's pending timers), and the built-ins the probe compares with.
const isoState = `var __hits = 0; let __lexical = 0; var __timers = [];
const __orig = { push: Array.prototype.push, stringify: JSON.stringify, then: Promise.prototype.then };`

// isoProbe describes, as JSON, everything the attacks change.
const isoProbe = `__orig.stringify.call(JSON, {
	leak: typeof globalThis.leak, late: typeof globalThis.late, big: typeof globalThis.big,
	proto: ({}).polluted, arr: [].polluted, hits: __hits, lexical: __lexical, timers: __timers.length,
	push: Array.prototype.push === __orig.push, stringify: JSON.stringify === __orig.stringify,
	then: Promise.prototype.then === __orig.then, keys: Object.keys(globalThis).length,
})`

// isoAttack changes all of it: globals, prototypes, built-ins, the
// script's variables, a promise that never settles, a job left in the
// queue, a timer, and 8 MiB and more of heap.
const isoAttack = `Promise.resolve().then(() => { globalThis.late = 1; }); new Promise(() => {});
globalThis.leak = 1; Object.prototype.polluted = 1; Array.prototype.polluted = 2;
Array.prototype.push = function () { return -1; }; JSON.stringify = () => "hijacked";
Promise.prototype.then = function () { return this; }; __hits++; __lexical++;
__timers[__timers.length] = () => { globalThis.late = 2; };
globalThis.big = [new ArrayBuffer(8 << 20), Array.from({ length: 100000 }, (_, i) => "s" + i)];`

// snapIso builds an agent SnapVM whose snapshot holds isoState too.
func snapIso(t *testing.T, mode SnapMode, arena int) *SnapVM {
	t.Helper()
	v, err := NewSnapVM(arena, mode)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	if err := v.Eval(Handler + isoState); err != nil {
		t.Fatal(err)
	}
	if err := v.Snapshot(); err != nil {
		t.Fatal(err)
	}
	return v
}

// probe evaluates isoProbe (which changes nothing the next probe sees).
func probe(t *testing.T, v *SnapVM) string {
	t.Helper()
	r, err := v.evalValue(isoProbe)
	if err != nil {
		t.Fatal(err)
	}
	defer lib.XFreeValue(v.tls, v.ctx, r)
	return v.goString(r)
}

// checkRestored restores v and checks that it is the snapshot again: every
// byte of the arena, an empty job queue, the probe's view, and a call.
func checkRestored(t *testing.T, v *SnapVM, pristine string) {
	t.Helper()
	end := v.Arena.Used()
	if err := v.Restore(); err != nil {
		t.Fatal(err)
	}
	if off := v.Arena.Diff(end); off >= 0 {
		t.Fatalf("after restore, arena byte %d differs from the snapshot", off)
	}
	if v.JobPending() {
		t.Fatal("after restore, the promise job queue is not empty")
	}
	if v.Steps() != 0 {
		t.Fatalf("after restore, the meter counts %d steps", v.Steps())
	}
	if got := probe(t, v); got != pristine {
		t.Fatalf("after restore the VM sees\n%s\nnot the snapshot's\n%s", got, pristine)
	}
	out, err := v.CallHandler(Request)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(out); err != nil {
		t.Fatal(err)
	}
	if err := v.Restore(); err != nil {
		t.Fatal(err)
	}
}

// TestSnapshotIsolation runs calls that change everything a call can reach
// and checks that the next call, after a restore, sees none of it.
func TestSnapshotIsolation(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for _, mode := range []SnapMode{SnapCopy, SnapMemfd} {
		t.Run(mode.String(), func(t *testing.T) {
			v := snapIso(t, mode, 256<<20)
			pristine := probe(t, v)
			if err := v.Restore(); err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				if err := v.Eval(isoAttack); err != nil {
					t.Fatal(err)
				}
				if got := probe(t, v); got == pristine || !v.JobPending() {
					t.Fatalf("the attack changed nothing the probe sees: %s", got)
				}
				if v.Arena.Used() < 8<<20 {
					t.Fatalf("the attack's heap is %d bytes", v.Arena.Used())
				}
				t.Logf("call %d: heap %d bytes, then restored to %d", i, v.Arena.Used(), v.Arena.top)
				checkRestored(t, v, pristine)
			}
		})
	}
}

// TestSnapshotInterrupted stops calls mid-way, in JavaScript, in a native
// built-in and in a promise job, and checks that a restore brings the VM
// back.
func TestSnapshotInterrupted(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	attacks := map[string]string{
		"loop":   `globalThis.leak = 1; Object.prototype.polluted = 1; __hits++; for (;;) {}`,
		"native": `globalThis.leak = 1; __hits++; const a = new Array(1 << 22).fill(1); a.sort((x, y) => y - x); for (;;) a.indexOf(2);`,
		"job":    `__hits++; Promise.resolve().then(() => { globalThis.late = 1; for (;;) {} });`,
	}
	for _, mode := range []SnapMode{SnapCopy, SnapMemfd} {
		v := snapIso(t, mode, 256<<20)
		pristine := probe(t, v)
		if err := v.Restore(); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"loop", "native", "job"} {
			v.SetPollBudget(50)
			err := v.Eval(attacks[name])
			if err == nil {
				err = v.RunJobs()
			}
			if !errors.Is(err, ErrInterrupted) {
				t.Fatalf("%v %s: %v, want interrupted", mode, name, err)
			}
			t.Logf("%v %s: %v after %d steps of native work", mode, name, err, v.Steps())
			checkRestored(t, v, pristine)
		}
	}
}

// TestSnapshotOutOfMemory runs calls out of memory, at the runtime's limit
// and at the arena's end, and checks that a restore brings the VM back.
func TestSnapshotOutOfMemory(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const grow = `globalThis.leak = 1; __hits++; const a = []; for (;;) a[a.length] = "x".repeat(1000) + a.length;`
	for _, mode := range []SnapMode{SnapCopy, SnapMemfd} {
		for _, limit := range []bool{true, false} {
			v := snapIso(t, mode, 64<<20)
			pristine := probe(t, v)
			if err := v.Restore(); err != nil {
				t.Fatal(err)
			}
			for range 2 {
				if limit {
					v.SetMemoryLimit(16 << 20)
				}
				err := v.Eval(grow)
				if err == nil || !strings.Contains(err.Error(), "out of memory") {
					t.Fatalf("%v limit %v: %v, want out of memory", mode, limit, err)
				}
				t.Logf("%v limit %v: %v at %d bytes of arena", mode, limit, err, v.Arena.Used())
				checkRestored(t, v, pristine)
			}
		}
	}
}

// residentBytes is the process's resident memory.
func residentBytes(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b))
	n, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n * int64(os.Getpagesize())
}

// TestSnapshotMemoryFlat runs 10,000 calls that each pollute the VM, grow
// its heap and leave work pending, with a restore after each, and checks
// that neither the arena nor the process grows.
func TestSnapshotMemoryFlat(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const call = `globalThis["k" + __hits] = 1; Object.prototype.polluted = __hits++; new Promise(() => {});
Promise.resolve().then(() => {}); globalThis.buf = Array.from({ length: 250 }, (_, i) => ({ i, s: "v" + i }));`
	for _, mode := range []SnapMode{SnapCopy, SnapMemfd} {
		v := snapIso(t, mode, 256<<20)
		var rss [3]int64
		var maxUsed uint64
		for i := range 10000 {
			if i == 100 || i == 5000 {
				runtime.GC()
				rss[i/5000] = residentBytes(t)
			}
			if err := v.Eval(call); err != nil {
				t.Fatal(err)
			}
			out, err := v.CallHandler(Request)
			if err == nil {
				err = Check(out)
			}
			if err != nil {
				t.Fatalf("call %d: %v", i, err)
			}
			maxUsed = max(maxUsed, v.Arena.Used())
			if err := v.Restore(); err != nil {
				t.Fatal(err)
			}
			if v.Arena.Used() != v.Arena.top {
				t.Fatalf("call %d: the arena's top is %d after restore, not the snapshot's %d", i, v.Arena.Used(), v.Arena.top)
			}
		}
		runtime.GC()
		rss[2] = residentBytes(t)
		t.Logf("%v: arena top %d after each restore (calls reached %d); resident %d KiB after 100 calls, %d KiB after 5,000, %d KiB after 10,000",
			mode, v.Arena.top, maxUsed, rss[0]>>10, rss[1]>>10, rss[2]>>10)
		if rss[2]-rss[0] > 4<<20 {
			t.Fatalf("%v: resident memory grew by %d KiB over 9,900 calls", mode, (rss[2]-rss[0])>>10)
		}
	}
}

// addrRange is a range of addresses with what it is.
type addrRange struct {
	lo, hi uint64
	name   string
}

// staticRanges returns the test binary's loaded sections (code, read-only
// data, data, bss: addresses fixed for the process's life).
func staticRanges(t *testing.T) []addrRange {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Type != elf.ET_EXEC {
		t.Skipf("the test binary is %v, not a fixed-address executable", f.Type)
	}
	var rs []addrRange
	for _, s := range f.Sections {
		if s.Flags&elf.SHF_ALLOC != 0 && s.Size > 0 {
			rs = append(rs, addrRange{s.Addr, s.Addr + s.Size, s.Name})
		}
	}
	return rs
}

// mappedRanges returns the process's mappings (/proc/self/maps).
func mappedRanges(t *testing.T) []addrRange {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rs []addrRange
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		var lo, hi uint64
		if _, err := fmt.Sscanf(fields[0], "%x-%x", &lo, &hi); err != nil {
			t.Fatal(err)
		}
		name := "[anonymous]"
		if len(fields) > 5 {
			name = fields[5]
		}
		rs = append(rs, addrRange{lo, hi, name})
	}
	return rs
}

func find(rs []addrRange, p uint64) (addrRange, bool) {
	for _, r := range rs {
		if p >= r.lo && p < r.hi {
			return r, true
		}
	}
	return addrRange{}, false
}

// TestSnapshotPointers checks what a snapshot's heap points at, after the
// agent setup (from bytecode) and after a script run from source: every
// word of the arena that is an address of mapped memory must be in the
// arena or in the program's static sections, except the runtime's meter
// and the context's host pointer, which are Go memory the VM keeps. A word
// that only looks like an address (two 32-bit fields whose bits fall in
// the Go heap, say) is told apart by building a second VM the same way:
// there the word is the same, where an address of either VM's own memory
// would differ.
//
// During a call the heap may hold addresses of the call's own buffers (the
// source text a script is compiled from, in libc's heap), live or left in
// freed blocks; the restore removes them, so they are counted, not
// refused. A script run from source before the snapshot leaves such
// addresses too, in pairs, one per function it compiled (the shape of the
// parser's freed function definitions): the test overwrites them with an
// address that faults and runs calls, errors with stack traces and a
// collection, to show that nothing reads them.
func TestSnapshotPointers(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	static, mapped := staticRanges(t), mappedRanges(t)
	agent, _ := snapAgent(t, SnapCopy, true)
	twin, _ := snapAgent(t, SnapCopy, true)
	scanArena(t, agent, twin, static, mapped, "agent snapshot", true)
	v, w := snapIso(t, SnapCopy, 256<<20), snapIso(t, SnapCopy, 256<<20)
	for _, off := range scanArena(t, v, w, static, mapped, "snapshot after source", false) {
		*(*uint64)(at(v.Arena.base + uintptr(off))) = 0xdead000000000000
	}
	if err := v.Snapshot(); err != nil {
		t.Fatal(err)
	}
	pristine := probe(t, v)
	for range 3 {
		if err := v.Eval(`try { null.x } catch (e) { globalThis.leak = e.stack; }` + isoAttack); err != nil {
			t.Fatal(err)
		}
		lib.XJS_RunGC(v.tls, v.rt)
		checkRestored(t, v, pristine)
	}
	if err := v.Eval(isoAttack + `; globalThis.p = new Promise(() => {}); Promise.resolve(1).then(() => 0);`); err != nil {
		t.Fatal(err)
	}
	scanArena(t, v, nil, static, mapped, "during a call", false)
}

// scanArena classifies the words of v's arena that are addresses and
// returns the offsets of those outside the arena and the static sections
// that differ in twin (all of them if twin is nil); strict, it fails on
// any.
func scanArena(t *testing.T, v, twin *SnapVM, static, mapped []addrRange, when string, strict bool) []uint64 {
	meterField := uint64(v.rt + unsafe.Offsetof(lib.TJSRuntime{}.Fuser_opaque))
	hostField := uint64(v.ctx + unsafe.Offsetof(lib.TJSContext{}.Fuser_opaque))
	var inArena, inStatic, same int
	var outside []uint64
	words := unsafe.Slice((*uint64)(at(v.Arena.base)), v.Arena.Used()/8)
	for i, w := range words {
		addr := uint64(v.Arena.base) + uint64(i)*8
		_, isStatic := find(static, w)
		switch {
		case v.Arena.Contains(uintptr(w)):
			inArena++
		case isStatic:
			inStatic++
		case addr == meterField, addr == hostField:
		default:
			r, ok := find(mapped, w)
			if !ok {
				continue
			}
			if twin != nil && uint64(i)*8 < twin.Arena.Used() && *(*uint64)(at(twin.Arena.base + uintptr(i)*8)) == w {
				same++
				continue
			}
			outside = append(outside, uint64(i)*8)
			if strict {
				t.Errorf("%s: arena offset %d holds %#x, in %s (%#x-%#x)", when, uint64(i)*8, w, r.name, r.lo, r.hi)
			}
		}
	}
	t.Logf("%s: %d bytes; addresses: %d in the arena, %d in static data and code, %d elsewhere (and %d words that look like addresses but are the same in a twin VM)",
		when, v.Arena.Used(), inArena, inStatic, len(outside), same)
	return outside
}

// TestSnapshotHostFunction calls a Go function from JavaScript in calls on
// a restored VM: each call reaches its own Go function, a reference a call
// keeps to the host function is gone after the restore, and between calls
// no Go function is attached.
func TestSnapshotHostFunction(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	v := snapIso(t, SnapCopy, 64<<20)
	pristine := probe(t, v)
	if err := v.Restore(); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		v.SetHost(func(s string) string { return fmt.Sprintf("call %d: %s", i, s) })
		r, err := v.evalValue(`globalThis.leak = __host; __host("x")`)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := v.goString(r), fmt.Sprintf("call %d: x", i); got != want {
			t.Fatalf("__host answered %q, want %q", got, want)
		}
		lib.XFreeValue(v.tls, v.ctx, r)
		checkRestored(t, v, pristine)
		r, err = v.evalValue(`typeof __host("y")`)
		if err != nil {
			t.Fatal(err)
		}
		if got := v.goString(r); got != "undefined" {
			t.Fatalf("between calls __host answered a %s", got)
		}
		lib.XFreeValue(v.tls, v.ctx, r)
		if err := v.Restore(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSnapshotParallel runs VMs on several goroutines at once, each with
// its own arena and restores, as a pool would: the allocator and the
// interrupt handler keep no state outside their arena (the race detector
// checks it under -race).
func TestSnapshotParallel(t *testing.T) {
	errs := make(chan error, 4)
	for g := range 4 {
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			errs <- parallelCalls(SnapMode(g%2), 200)
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// parallelCalls makes a VM and runs n polluting calls with a restore after
// each, checking every answer and the arena's bytes after the last.
func parallelCalls(mode SnapMode, n int) error {
	v, err := NewSnapVM(64<<20, mode)
	if err != nil {
		return err
	}
	defer v.Close()
	if err := v.Eval(Handler + isoState); err != nil {
		return err
	}
	if err := v.Snapshot(); err != nil {
		return err
	}
	for i := range n {
		if err := v.Eval(`globalThis.leak = __hits++; Object.prototype.polluted = 1; globalThis.b = new Array(1000).fill("x");`); err != nil {
			return err
		}
		out, err := v.CallHandler(Request)
		if err == nil {
			err = Check(out)
		}
		if err != nil {
			return fmt.Errorf("%v call %d: %w", mode, i, err)
		}
		end := v.Arena.Used()
		if err := v.Restore(); err != nil {
			return err
		}
		if off := v.Arena.Diff(end); off >= 0 {
			return fmt.Errorf("%v call %d: arena byte %d differs from the snapshot after restore", mode, i, off)
		}
	}
	return nil
}
