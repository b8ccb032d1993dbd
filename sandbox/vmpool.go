package sandbox

import (
	"runtime"
	"slices"
	"sync"
	"time"

	"modernc.org/quickjs"
)

// VMs made ahead of calls. Creating a VM (the engine's runtime and a
// context with all its intrinsics), running the bootstrap and the prelude
// in it, and freeing it are most of a trivial call's CPU. A Program
// compiled with CompileOptions.Ready keeps that many VMs made ahead: a call
// finds one ready instead of making it, and hands its used VM to another
// goroutine, which frees it and makes the next ready one. On a machine with
// an idle core all of it leaves the call's latency (not its CPU).
//
// Once a call of an unmetered Program with the real clock has shown the
// pool its Env's shape (the prelude, whether it has lazy scripts, the host
// functions' names), the ready VMs are prepared for that shape: the
// bootstrap and the prelude have run in them, with host functions that
// reach whichever call takes the VM (callSlot). Nothing else has run in
// them: no agent code, no call. A call whose Env has another shape frees
// the ready VM and makes its own, and the next ready VMs take the new
// shape.
//
// A prepared VM's heap is an arena (quickjs.NewArenaVM, the sandbox patch
// of the vendored binding) snapshotted once its setup ran. When a call is
// done with it, the heap is put back to the snapshot byte for byte, and the
// VM is ready again for the next call of its shape: the next call starts
// from exactly the bytes a VM made for it would have after the same setup,
// so it sees nothing of any call before (TestReadyVMNeverReused,
// TestPreparedVMServesOneCall check the heap after every call against the
// snapshot). A VM that cannot be restored (a Go panic went through its
// engine) is freed, and a new one made. A bare VM is taken by one call and
// freed after it. Why, and what it costs: docs/engines.md, "Restoring a VM
// from a snapshot".

// idleDrain is how long a pool keeps ready VMs that no call takes.
const idleDrain = time.Minute

// arenaSize is the address space of a prepared VM's heap, reserved, not
// committed: pages are taken as a call touches them. A call's memory limit
// above it ends at the arena's end, as out of memory.
const arenaSize = 1 << 30

// prepareTime bounds the bootstrap and the prelude run in a VM made ahead,
// which no call's limit covers yet.
const prepareTime = time.Second

// vmPool holds a Program's ready VMs. It does not refer to the Program, so
// a cleanup can free the VMs of a Program nothing uses any more.
type vmPool struct {
	mu      sync.Mutex
	ready   []*readyVM
	want    int           // how many VMs to keep ready
	shape   *envShape     // what the next VMs are prepared for; nil: bare VMs
	failed  *envShape     // a shape whose preparation failed: not tried again
	filling bool          // a goroutine is making VMs
	closed  bool          // the Program is gone: free instead of keeping
	used    time.Time     // when a call last took a VM
	idleFor time.Duration // how long ready VMs no call takes are kept
	idle    *time.Timer   // frees the ready VMs after idleFor without calls
	// taken, for tests, sees each VM a call takes from the pool.
	taken func(*quickjs.VM)
	// restored, for tests, sees each VM restored after a call, with the top
	// of its arena before the restore.
	restored func(vm *quickjs.VM, used uint64)
}

// readyVM is a VM made ahead of a call, with what the bootstrap left in it
// when it was prepared.
type readyVM struct {
	vm    *quickjs.VM
	shape *envShape // nil: a bare VM, nothing run in it
	slot  *callSlot // the call the VM's host functions serve
	box   quickjs.Value
	funcs map[string]quickjs.Value
}

// callSlot is the call a VM's host functions serve: set when a call takes
// a prepared VM, so that the functions registered before it reach it.
type callSlot struct{ c *call }

// envShape is what of an Env the bootstrap and the prelude depend on: a VM
// prepared for one shape serves any call whose Env has the same.
type envShape struct {
	prelude   string
	preludeBC []byte // the prelude compiled (Program.trusted)
	lazy      bool
	funcs     []string
	async     []string
}

// same reports whether a VM prepared for s can serve a call of shape o.
func (s *envShape) same(o *envShape) bool {
	return s == o || s != nil && o != nil && s.prelude == o.prelude && s.lazy == o.lazy &&
		slices.Equal(s.funcs, o.funcs) && slices.Equal(s.async, o.async)
}

// newVMPool returns the pool of a Program keeping want VMs ready, or nil
// for none; the pool's VMs are freed once p is unreachable.
func newVMPool(p *Program, want int) *vmPool {
	if want <= 0 {
		return nil
	}
	pool := &vmPool{want: want, idleFor: idleDrain}
	runtime.AddCleanup(p, (*vmPool).close, pool)
	return pool
}

// take returns a VM for a call whose Env has the given shape (nil: one
// that cannot use a prepared VM): a ready one if there is one that fits,
// else a bare new one. A ready VM of another shape is freed, and the
// shape is what the next ready VMs are prepared for.
func (pool *vmPool) take(shape *envShape) (*readyVM, error) {
	if pool == nil {
		return newBareVM()
	}
	pool.mu.Lock()
	var r *readyVM
	if n := len(pool.ready); n > 0 {
		r, pool.ready[n-1] = pool.ready[n-1], nil
		pool.ready = pool.ready[:n-1]
	}
	if shape != nil && !shape.same(pool.shape) && !shape.same(pool.failed) {
		pool.shape = shape
	}
	pool.used = time.Now()
	taken := pool.taken
	pool.mu.Unlock()
	if r != nil && r.shape != nil && !r.shape.same(shape) {
		go r.free()
		r = nil
	}
	if r == nil {
		return newBareVM()
	}
	if taken != nil {
		taken(r.vm)
	}
	return r, nil
}

// newBareVM makes a VM with nothing run in it.
func newBareVM() (*readyVM, error) {
	vm, err := quickjs.NewVM()
	if err != nil {
		return nil, err
	}
	return &readyVM{vm: vm}, nil
}

// fill makes VMs until want are ready, unless another goroutine is at it.
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
		shape := pool.shape
		pool.mu.Unlock()
		r, err := prepareVM(shape)
		pool.mu.Lock()
		if err != nil {
			// Calls make their own VMs. A prelude that fails ahead of a
			// call (one that calls a host function as it loads) would fail
			// again: VMs of that shape stay bare.
			if shape != nil && shape.same(pool.shape) {
				pool.shape, pool.failed = nil, shape
			}
			pool.mu.Unlock()
			return
		}
		if pool.closed || len(pool.ready) >= pool.want || !shape.same(pool.shape) {
			pool.mu.Unlock()
			r.free()
			return
		}
		pool.ready = append(pool.ready, r)
		pool.armIdle()
	}
	pool.mu.Unlock()
}

// armIdle starts the timer that frees ready VMs no call takes; pool.mu is
// held.
func (pool *vmPool) armIdle() {
	if pool.idle == nil {
		pool.idle = time.AfterFunc(pool.idleFor, pool.drainIdle)
	}
}

// drainIdle frees the ready VMs if no call took one for idleFor, and
// looks again later otherwise. The next call's free makes new ones.
func (pool *vmPool) drainIdle() {
	pool.mu.Lock()
	var ready []*readyVM
	if since := time.Since(pool.used); since >= pool.idleFor || pool.closed {
		ready, pool.ready, pool.idle = pool.ready, nil, nil
	} else {
		pool.idle.Reset(pool.idleFor - since)
	}
	pool.mu.Unlock()
	for _, r := range ready {
		r.free()
	}
}

// release takes back the VM a call is done with. A prepared VM is restored
// to its snapshot and ready again, unless the pool has no room or no use
// for it. Any other is freed, and the next VMs made ready: on another
// goroutine when the Program keeps VMs ready, so the call returns without
// waiting for either, and between one call of a caller and its next the
// work runs on an idle core.
func (pool *vmPool) release(r *readyVM) {
	if pool == nil {
		closeVM(r.vm)
		return
	}
	if r.restore(pool.restoredHook()) && pool.keep(r) {
		return
	}
	go func() {
		pool.fill() // first: the next call may be on its way
		closeVM(r.vm)
	}()
}

// restoredHook returns the test hook restored.
func (pool *vmPool) restoredHook() func(*quickjs.VM, uint64) {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	return pool.restored
}

// keep puts a restored VM back among the ready ones if the pool wants it:
// not closed, not full, and the VM of the shape calls have now.
func (pool *vmPool) keep(r *readyVM) bool {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	if pool.closed || len(pool.ready) >= pool.want || !r.shape.same(pool.shape) {
		return false
	}
	pool.ready = append(pool.ready, r)
	pool.armIdle()
	return true
}

// restore puts a prepared VM back to its snapshot after a call and detaches
// the call from its host functions; it reports false for a VM that has no
// snapshot or cannot be restored (see quickjs.VM.Restore), which must be
// freed.
func (r *readyVM) restore(hook func(*quickjs.VM, uint64)) bool {
	if r.shape == nil || r.vm.Arena() == nil {
		return false
	}
	r.slot.c = nil
	used := r.vm.Arena().Used()
	if err := r.vm.Restore(); err != nil {
		return false
	}
	if hook != nil {
		hook(r.vm, used)
	}
	return true
}

// close frees the ready VMs and keeps no more.
func (pool *vmPool) close() {
	pool.mu.Lock()
	ready := pool.ready
	pool.ready, pool.closed = nil, true
	if pool.idle != nil {
		pool.idle.Stop()
	}
	pool.mu.Unlock()
	for _, r := range ready {
		r.free()
	}
}

// free frees a ready VM no call took, with the values its bootstrap left
// (in an arena VM they go with the arena).
func (r *readyVM) free() {
	if r.vm.Arena() != nil {
		closeVM(r.vm)
		return
	}
	func() {
		defer func() { _ = recover() }()
		for _, f := range r.funcs {
			f.Free()
		}
		if r.shape != nil {
			r.box.Free()
		}
	}()
	closeVM(r.vm)
}

// closeVM frees vm; a panic in the engine's teardown is not the call's
// failure.
func closeVM(vm *quickjs.VM) {
	defer func() { _ = recover() }()
	_ = vm.Close()
}
