package sandbox

import (
	"runtime"
	"sync"

	"modernc.org/quickjs"
)

// VMs made ahead of calls. Creating a VM (the engine's runtime and a
// context with all its intrinsics) and freeing it are about a third of a
// trivial call's CPU. A Program compiled with CompileOptions.Ready keeps
// that many VMs created ahead: a call finds one ready instead of creating
// it, and hands its used VM to another goroutine, which frees it and
// creates the next ready one. On a machine with an idle core both leave
// the call's latency (not its CPU). A ready VM has run no code at all: it is exactly what
// quickjs.NewVM returns, taken by one call and freed after it, never
// given to a second (TestReadyVMNeverReused), so a call sees nothing of any
// other, as with a VM created for it.

// vmPool holds a Program's ready VMs. It does not refer to the Program, so
// a cleanup can free the VMs of a Program nothing uses any more.
type vmPool struct {
	mu      sync.Mutex
	ready   []*quickjs.VM
	want    int  // how many VMs to keep ready
	filling bool // a goroutine is creating VMs
	closed  bool // the Program is gone: free instead of keeping
	// taken, for tests, sees each VM a call takes from the pool.
	taken func(*quickjs.VM)
}

// newVMPool returns the pool of a Program keeping want VMs ready, or nil
// for none; the pool's VMs are freed once p is unreachable.
func newVMPool(p *Program, want int) *vmPool {
	if want <= 0 {
		return nil
	}
	pool := &vmPool{want: want}
	runtime.AddCleanup(p, (*vmPool).close, pool)
	return pool
}

// take returns a VM for one call: a ready one if there is one, else a new
// one.
func (pool *vmPool) take() (*quickjs.VM, error) {
	if pool == nil {
		return quickjs.NewVM()
	}
	pool.mu.Lock()
	var vm *quickjs.VM
	if n := len(pool.ready); n > 0 {
		vm, pool.ready[n-1] = pool.ready[n-1], nil
		pool.ready = pool.ready[:n-1]
	}
	taken := pool.taken
	pool.mu.Unlock()
	if vm == nil {
		return quickjs.NewVM()
	}
	if taken != nil {
		taken(vm)
	}
	return vm, nil
}

// fill creates VMs until want are ready, unless another goroutine is at
// it.
func (pool *vmPool) fill() {
	pool.mu.Lock()
	if pool.filling {
		pool.mu.Unlock()
		return
	}
	pool.filling = true
	defer func() {
		pool.mu.Lock()
		pool.filling = false
		pool.mu.Unlock()
	}()
	for !pool.closed && len(pool.ready) < pool.want {
		pool.mu.Unlock()
		vm, err := quickjs.NewVM()
		if err != nil {
			return // calls create their own VMs; the next free tries again
		}
		pool.mu.Lock()
		if pool.closed || len(pool.ready) >= pool.want {
			pool.mu.Unlock()
			closeVM(vm)
			return
		}
		pool.ready = append(pool.ready, vm)
	}
	pool.mu.Unlock()
}

// free frees a VM a call is done with and makes the next ones ready: on
// another goroutine when the Program keeps VMs ready, so the call returns
// without waiting for either, and between one call of a caller and its
// next the work runs on an idle core.
func (pool *vmPool) free(vm *quickjs.VM) {
	if pool == nil {
		closeVM(vm)
		return
	}
	go func() {
		closeVM(vm)
		pool.fill()
	}()
}

// close frees the ready VMs and keeps no more.
func (pool *vmPool) close() {
	pool.mu.Lock()
	ready := pool.ready
	pool.ready, pool.closed = nil, true
	pool.mu.Unlock()
	for _, vm := range ready {
		closeVM(vm)
	}
}

// closeVM frees vm; a panic in the engine's teardown is not the call's
// failure.
func closeVM(vm *quickjs.VM) {
	defer func() { _ = recover() }()
	_ = vm.Close()
}
