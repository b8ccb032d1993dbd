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
// must find none of it. A prepared VM serves many calls now, but never
// anything a call left: after every call its heap is byte-identical to
// its snapshot before it is back among the ready (the name's intent, one
// call's VM never seen by another, in its stronger form), and the serial
// calls after the first do reuse it. A bare VM is taken by one call only.
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
	bare := map[*quickjs.VM]bool{} // no arena when taken (Close clears it)
	p.vms.mu.Lock()
	p.vms.taken = func(vm *quickjs.VM) {
		mu.Lock()
		taken[vm]++
		bare[vm] = vm.Arena() == nil
		mu.Unlock()
	}
	p.vms.mu.Unlock()
	restores := watchRestores(t, p)
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
		n := 0
		for _, k := range taken {
			n += k
		}
		mu.Unlock()
		if n != i+1 {
			t.Fatalf("serial call %d: %d VMs taken from the pool so far, want %d", i, n, i+1)
		}
	}
	// The first call shows the pool its shape; the VMs prepared after it
	// serve the rest, restored after each.
	if n := restores.count(); n < serial-2 {
		t.Fatalf("%d of %d serial calls ended in a restored VM, want at least %d", n, serial, serial-2)
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
	for vm, n := range taken {
		if bare[vm] && n != 1 {
			t.Errorf("a bare VM was taken by %d calls, want 1", n)
		}
	}
	for _, vm := range ready {
		if taken[vm] != 0 && !restores.saw(vm) {
			t.Error("a VM a call used is back among the ready ones without a restore")
		}
	}
}

// restoreWatch checks every VM the pool restores after a call: its arena
// must equal the snapshot byte for byte, up to what the call had used.
type restoreWatch struct {
	mu sync.Mutex
	n  int
	vm map[*quickjs.VM]bool
}

// watchRestores installs a restoreWatch on p's pool.
func watchRestores(t *testing.T, p *Program) *restoreWatch {
	w := &restoreWatch{vm: map[*quickjs.VM]bool{}}
	p.vms.mu.Lock()
	p.vms.restored = func(vm *quickjs.VM, used uint64) {
		if off := vm.Arena().Diff(used); off >= 0 {
			t.Errorf("after a call, byte %d of the VM's heap differs from its snapshot", off)
		}
		w.mu.Lock()
		w.n++
		w.vm[vm] = true
		w.mu.Unlock()
	}
	p.vms.mu.Unlock()
	return w
}

// count returns how many restores the watch saw.
func (w *restoreWatch) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}

// saw reports whether vm was restored.
func (w *restoreWatch) saw(vm *quickjs.VM) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.vm[vm]
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
