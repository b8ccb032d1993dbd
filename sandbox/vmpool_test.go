package sandbox

import (
	"runtime"
	"sync"
	"testing"
	"time"

	"modernc.org/quickjs"
)

// TestReadyVMNeverReused drives a Program that keeps VMs ready the way a
// busy agent is driven: calls one after another, each finding the pool
// full, then calls from many goroutines at once. Every call pollutes its
// VM (a global, Object.prototype, a frozen global object); every call
// must find none of it, every VM taken from the pool must be taken by
// exactly one call, and no VM a call used may be back among the ready.
func TestReadyVMNeverReused(t *testing.T) {
	p, err := Compile([]byte(`export function look() {
  const seen = [typeof globalThis.left, ({}).polluted === undefined, Object.isFrozen(globalThis)];
  globalThis.left = 1;
  Object.prototype.polluted = 1;
  Object.freeze(globalThis);
  return seen;
}`), CompileOptions{Ready: 2})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	taken := map[*quickjs.VM]int{}
	p.vms.mu.Lock()
	p.vms.taken = func(vm *quickjs.VM) {
		mu.Lock()
		taken[vm]++
		mu.Unlock()
	}
	p.vms.mu.Unlock()
	const fresh = `["undefined",true,false]`
	check := func(what string) {
		// A generous time limit: the test is about isolation, and runs
		// under -race on loaded machines.
		if got := mustCall(t, p, "look", nil, Env{}, Limits{Time: time.Minute}); got != fresh {
			t.Errorf("%s: the call saw %s, want a fresh VM's %s", what, got, fresh)
		}
	}
	const serial = 20
	for i := range serial {
		waitReady(t, p) // the pool is full before each call
		check("serial call")
		mu.Lock()
		n := len(taken)
		mu.Unlock()
		if n != i+1 {
			t.Fatalf("serial call %d: %d VMs taken from the pool so far, want %d", i, n, i+1)
		}
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 10 {
				check("concurrent call")
			}
		})
	}
	wg.Wait()
	p.vms.mu.Lock()
	var ready []*quickjs.VM
	for _, r := range p.vms.ready {
		ready = append(ready, r.vm)
	}
	p.vms.mu.Unlock()
	mu.Lock()
	defer mu.Unlock()
	for _, n := range taken {
		if n != 1 {
			t.Errorf("a ready VM was taken by %d calls, want 1", n)
		}
	}
	for _, vm := range ready {
		if taken[vm] != 0 {
			t.Error("a VM a call used is back among the ready ones")
		}
	}
	if len(taken) < serial {
		t.Errorf("%d VMs taken from the pool, want at least %d", len(taken), serial)
	}
}

// TestNoReadyVMsByDefault: a Program compiled without Ready keeps no VMs
// (a contract replica holds many programs) and still runs calls.
func TestNoReadyVMsByDefault(t *testing.T) {
	p := compile(t, `export function f() { return 1 }`, false)
	if p.vms != nil {
		t.Fatal("a Program compiled without Ready keeps a pool of VMs")
	}
	if got := mustCall(t, p, "f", nil, Env{}, Limits{}); got != "1" {
		t.Fatalf("call: %s, want 1", got)
	}
}

// waitReady fills p's pool and waits until it is full (another goroutine
// may be filling it: the one freeing the last call's VM).
func waitReady(t *testing.T, p *Program) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		p.vms.fill()
		p.vms.mu.Lock()
		full := len(p.vms.ready) >= p.vms.want
		p.vms.mu.Unlock()
		if full {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the pool was not filled within 10 s")
		}
		runtime.Gosched()
	}
}
