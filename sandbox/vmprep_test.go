package sandbox

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"
)

// compileReady compiles src keeping one VM ready, or fails the test.
func compileReady(t *testing.T, src string) *Program {
	t.Helper()
	p, err := Compile([]byte(src), CompileOptions{Ready: 1})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPreparedVMSkipsPrelude: once a call showed the pool its Env, the
// ready VM has the bootstrap and the prelude run in it, so the next call
// does not run them: a prelude that takes 300 ms makes the first call
// slow and, with the VM made ahead, not the next.
func TestPreparedVMSkipsPrelude(t *testing.T) {
	p := compileReady(t, `export default () => globalThis.prepared;`)
	env := Env{Prelude: `{ const end = Date.now() + 300; while (Date.now() < end) {} globalThis.prepared = true; }`}
	lim := Limits{Time: time.Minute}
	if got := mustCall(t, p, "default", nil, env, lim); got != "true" {
		t.Fatalf("first call: %s, want true", got)
	}
	for i := range 3 {
		waitReady(t, p)
		var got string
		if d := elapsed(func() { got = mustCall(t, p, "default", nil, env, lim) }); d >= 300*time.Millisecond {
			t.Errorf("call %d took %v with a VM ready: the 300 ms prelude ran in the call", i, d)
		}
		if got != "true" {
			t.Errorf("call %d: %s, want true (the prelude's global)", i, got)
		}
	}
}

// TestPreparedVMServesOneCall: the host functions of a VM prepared before
// any call reach the call that took it, and only that one; each call, one
// after another and many at once, finds its own host function, a fresh
// global object whatever the calls before it did to theirs, and the
// prelude's work done. The VM serves one call at a time: after each its
// heap is byte-identical to its snapshot (restoreWatch), and the calls
// after the first do run in restored VMs.
func TestPreparedVMServesOneCall(t *testing.T) {
	p := compileReady(t, `export function look() {
  const seen = [who(), typeof globalThis.left, ({}).polluted === undefined, Object.isFrozen(globalThis), typeof shared];
  globalThis.left = 1;
  Object.prototype.polluted = 1;
  Object.freeze(globalThis);
  return seen;
}`)
	envFor := func(id int) Env {
		return Env{
			Prelude: `globalThis.shared = {};`,
			Funcs:   map[string]HostFunc{"who": func([]any) (any, error) { return id, nil }},
		}
	}
	check := func(id int) {
		got := mustCall(t, p, "look", nil, envFor(id), Limits{Time: time.Minute})
		if want := fmt.Sprintf(`[%d,"undefined",true,false,"object"]`, id); got != want {
			t.Errorf("call %d saw %s, want %s", id, got, want)
		}
	}
	restores := watchRestores(t, p)
	check(0)
	for i := 1; i <= 10; i++ {
		waitReady(t, p)
		p.vms.mu.Lock()
		prepared := p.vms.ready[0].shape != nil
		p.vms.mu.Unlock()
		if !prepared {
			t.Fatalf("call %d: the ready VM is bare, want one prepared for the calls' Env", i)
		}
		check(i)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 10 {
				check(100 + 10*g + i)
			}
		})
	}
	wg.Wait()
	if n := restores.count(); n < 10 {
		t.Errorf("%d calls ended in a restored VM, want at least the 10 serial ones", n)
	}
}

// TestPreparedVMShapeChange: a call whose Env has another prelude (or other
// host functions) than the ready VM was prepared for gets a VM with its
// own prelude, and the pool prepares the next VMs for the new Env.
func TestPreparedVMShapeChange(t *testing.T) {
	p := compileReady(t, `export default () => [which, typeof extra];`)
	a := Env{Prelude: `globalThis.which = "A";`}
	b := Env{Prelude: `globalThis.which = "B";`}
	c := Env{Prelude: `globalThis.which = "B";`, Funcs: map[string]HostFunc{"extra": func([]any) (any, error) { return nil, nil }}}
	lim := Limits{Time: time.Minute}
	for i, tc := range []struct {
		env  Env
		want string
	}{{a, `["A","undefined"]`}, {a, `["A","undefined"]`}, {b, `["B","undefined"]`}, {b, `["B","undefined"]`},
		{c, `["B","function"]`}, {c, `["B","function"]`}, {a, `["A","undefined"]`}} {
		waitReady(t, p)
		if got := mustCall(t, p, "default", nil, tc.env, lim); got != tc.want {
			t.Errorf("call %d: %s, want %s", i, got, tc.want)
		}
	}
	waitReady(t, p)
	p.vms.mu.Lock()
	defer p.vms.mu.Unlock()
	if s := p.vms.ready[0].shape; s == nil || s.prelude != a.Prelude || len(s.funcs) != 0 {
		t.Errorf("after calls with Env a, the ready VM is prepared for %+v", s)
	}
}

// TestCallStartHook: what a prelude reads through __sbx_on_call it reads
// when the call starts, even in a VM prepared long before; the hook's
// global is gone before the module runs.
func TestCallStartHook(t *testing.T) {
	p := compileReady(t, `export default () => [start(), typeof globalThis["__s" + "bx_on_call"]];`)
	env := Env{Prelude: `{ let t0 = Date.now(); globalThis.__sbx_on_call(() => { t0 = Date.now(); }); globalThis.start = () => t0; }`}
	mustCall(t, p, "default", nil, env, Limits{})
	waitReady(t, p)
	time.Sleep(50 * time.Millisecond)
	before := time.Now().UnixMilli()
	var got []any
	if err := json.Unmarshal([]byte(mustCall(t, p, "default", nil, env, Limits{})), &got); err != nil {
		t.Fatal(err)
	}
	if start, _ := got[0].(float64); int64(start) < before {
		t.Errorf("the hook read the clock %d ms before the call started", before-int64(start))
	}
	if got[1] != "undefined" {
		t.Errorf("the module sees __sbx_on_call: typeof is %v", got[1])
	}
}

// TestIdlePoolEmptied: ready VMs that no call takes for the pool's idle
// time are freed, and the next call's end makes new ones.
func TestIdlePoolEmptied(t *testing.T) {
	p := compileReady(t, `export default () => 1;`)
	p.vms.mu.Lock()
	p.vms.idleFor = 50 * time.Millisecond
	p.vms.mu.Unlock()
	mustCall(t, p, "default", nil, Env{Prelude: "1"}, Limits{})
	waitReady(t, p)
	deadline := time.Now().Add(10 * time.Second)
	for {
		p.vms.mu.Lock()
		n := len(p.vms.ready)
		p.vms.mu.Unlock()
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d ready VMs kept 10 s after the last call, idle time 50 ms", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	mustCall(t, p, "default", nil, Env{Prelude: "1"}, Limits{})
	waitReady(t, p)
}

// TestPreludeCallingHostStaysCold: a prelude that calls a host function as
// it loads cannot run before its call; its calls run it in their own VM,
// each seeing its own host function, and the pool stops preparing VMs for
// it (they would all fail) and keeps bare ones.
func TestPreludeCallingHostStaysCold(t *testing.T) {
	p := compileReady(t, `export default () => seen;`)
	for i := range 5 {
		env := Env{
			Prelude: `globalThis.seen = who();`,
			Funcs:   map[string]HostFunc{"who": func([]any) (any, error) { return i, nil }},
		}
		waitReady(t, p)
		if got, want := mustCall(t, p, "default", nil, env, Limits{Time: time.Minute}), fmt.Sprint(i); got != want {
			t.Errorf("call %d: %s, want %s", i, got, want)
		}
	}
	waitReady(t, p)
	p.vms.mu.Lock()
	defer p.vms.mu.Unlock()
	if p.vms.shape != nil || p.vms.failed == nil {
		t.Errorf("the pool still prepares VMs for a prelude that fails ahead of its call")
	}
	for _, r := range p.vms.ready {
		if r.shape != nil {
			t.Errorf("a ready VM is prepared for a prelude that cannot be")
		}
	}
}
