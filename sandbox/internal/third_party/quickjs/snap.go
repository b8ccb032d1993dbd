// Copyright 2026 The phala Authors. All rights reserved.
// Use of this source code is governed by the BSD-style license in LICENSE.

// Sandbox patch: VMs whose heap can be put back to a snapshot byte for byte
// (docs/engines.md, "Restoring a VM from a snapshot").

package quickjs // import "modernc.org/quickjs"

import (
	"errors"
	"fmt"
	"sync/atomic"
	"unsafe"

	"modernc.org/libc"
	lib "modernc.org/libquickjs"
)

// arenaState is the Go side of a VM made by NewArenaVM that a restore must
// put back with the heap.
type arenaState struct {
	// magics are the goFuncs entries of the VM, in the order registered.
	// They are released only by Restore (those after the snapshot's mark)
	// and Close: a callback object the engine finalizes during a call comes
	// back with the heap, so its magic must still be the VM's.
	magics []int32
	mark   int  // len(magics) at the snapshot
	snap   bool // a snapshot was taken
	// callbackClassInit at the snapshot: the class registration is in the
	// heap, so it goes with a restore.
	callbackInit bool
}

// onArena reports whether f belongs to a VM of NewArenaVM; goFuncsMu is held.
func (f *goFunc) onArena() bool {
	return f.vm != nil && f.vm.runtime != nil && f.vm.runtime.arena != nil
}

// track records magic as f's VM's when that VM is an arena VM; goFuncsMu is
// held.
func (f *goFunc) track(magic int32) {
	if f.onArena() {
		f.vm.arena.magics = append(f.vm.arena.magics, magic)
	}
}

// newCRuntime makes the engine's runtime: on arena's allocator, or libc's
// when arena is nil.
func newCRuntime(tls *libc.TLS, arena *lib.Arena) uintptr {
	if arena == nil {
		return lib.XJS_NewRuntime(tls)
	}
	// The functions are copied into the runtime; they are passed in C
	// memory so that no Go pointer is held as a uintptr across the call.
	n := int(unsafe.Sizeof(lib.TJSMallocFunctions{}))
	mf := tls.Alloc(n)
	defer tls.Free(n)
	*(*lib.TJSMallocFunctions)(unsafe.Pointer(mf)) = lib.MallocFunctions()
	return lib.XJS_NewRuntime2(tls, mf, arena.Base())
}

// NewArenaVM returns a VM like NewVM whose runtime's whole heap, the
// runtime and the context included, is a new arena of size bytes of address
// space, so that Snapshot and Restore can save and put it back.
func NewArenaVM(size int) (*VM, error) {
	a, err := lib.NewArena(size)
	if err != nil {
		return nil, err
	}
	m, err := newVM(a)
	if err != nil {
		_ = a.Close()
		return nil, err
	}
	return m, nil
}

// Arena returns the heap of a VM made by NewArenaVM, or nil.
func (m *VM) Arena() *lib.Arena {
	if m.runtime == nil {
		return nil
	}
	return m.runtime.arena
}

// errNotArena is what Snapshot and Restore return for a VM of NewVM.
var errNotArena = errors.New("quickjs: not a VM of NewArenaVM")

// Snapshot records the VM's heap and the Go state that goes with it; every
// Restore puts them back. Take it only after code run from bytecode: source
// compiled before it leaves pointers into libc's memory in the heap. It
// must be called outside any call into Javascript.
func (m *VM) Snapshot() error {
	switch {
	case m.Arena() == nil:
		return fmt.Errorf("snapshot: %w", errNotArena)
	case m.abandoned || m.depth != 0:
		return errors.New("quickjs: snapshot: the VM is inside Javascript or abandoned")
	}
	m.arena.mark = len(m.arena.magics)
	m.arena.callbackInit = m.runtime.callbackClassInit
	m.arena.snap = true
	m.Arena().Snapshot()
	return nil
}

// Restore puts the heap back to the snapshot byte for byte, releases the Go
// functions registered since (callbacks the call made), clears a pending
// Interrupt and the eval timeout, and leaves the VM as Snapshot found it. A
// VM that was abandoned (see VM) cannot be restored: close it.
func (m *VM) Restore() error {
	switch {
	case m.Arena() == nil:
		return fmt.Errorf("restore: %w", errNotArena)
	case !m.arena.snap:
		return errors.New("quickjs: restore: no snapshot was taken")
	case m.abandoned || m.depth != 0:
		return errors.New("quickjs: restore: the VM is inside Javascript or abandoned")
	}
	if err := m.Arena().Restore(); err != nil {
		return err
	}
	goFuncsMu.Lock()
	for _, magic := range m.arena.magics[m.arena.mark:] {
		if f := goFuncs[magic]; f != nil && f.vm == m {
			delete(goFuncs, magic)
			freeMagic = append(freeMagic, magic)
		}
	}
	m.arena.magics = m.arena.magics[:m.arena.mark]
	goFuncsMu.Unlock()
	m.runtime.callbackClassInit = m.arena.callbackInit
	m.panicked, m.frame, m.timeout = nil, 0, 0
	atomic.StoreInt32(&(*interruptData)(unsafe.Pointer(m.interruptData)).interrupt, 0)
	(*interruptData)(unsafe.Pointer(m.interruptData)).timeLimit = 0
	return nil
}

// closeArena releases the Go functions of m, which Close has cleared, and
// unmaps its heap: freeing the runtime's objects one by one is work the
// unmapping makes needless.
func (r *runtime) closeArena(m *VM) error {
	goFuncsMu.Lock()
	for _, magic := range m.arena.magics {
		if f := goFuncs[magic]; f != nil && f.vm == m {
			delete(goFuncs, magic)
			freeMagic = append(freeMagic, magic)
		}
	}
	m.arena = arenaState{}
	goFuncsMu.Unlock()
	r.tls.Close()
	err := r.arena.Close()
	*r = runtime{}
	return err
}

// GoFuncs returns how many Go functions are registered for m: what a
// restore must bring back to the snapshot's count; for tests.
func (m *VM) GoFuncs() (n int) {
	goFuncsMu.Lock()
	defer goFuncsMu.Unlock()
	for _, f := range goFuncs {
		if f.vm == m {
			n++
		}
	}
	return n
}
