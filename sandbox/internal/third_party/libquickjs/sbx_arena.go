// Copyright 2026 The phala Authors. All rights reserved.
// Use of this source code is governed by the BSD-style license in LICENSE.

package libquickjs // import "modernc.org/libquickjs"

import (
	"fmt"
	"math/bits"
	"unsafe"

	"golang.org/x/sys/unix"
	"modernc.org/libc"
)

// An Arena is one fixed, mmap'd region that holds the whole heap of one
// runtime made with JS_NewRuntime2 and the arena's MallocFunctions, the
// allocator's own state included, so that the heap can be saved and put back
// byte for byte: every pointer the engine stores points into the arena (whose
// address never changes) or at static data and functions of the program. The
// allocator is a segregated free list over a bump pointer; its state lives in
// the arena's first bytes, so restoring those bytes restores the allocator.
// Why, and what it costs: docs/engines.md, "Restoring a VM from a snapshot".
type Arena struct {
	mem  []byte // the whole reservation
	base uintptr
	snap []byte // the used bytes at the snapshot
	top  uint64 // the top at the snapshot
}

// arenaHeader is the allocator's state at the start of the arena.
type arenaHeader struct {
	magic uint64
	top   uint64               // offset of the first never-used byte
	size  uint64               // the arena's size
	free  [arenaClasses]uint64 // offset of the first free block of each class
}

const (
	arenaMagic     = 0x736e617073686f74 // "snapshot"
	arenaClasses   = 192
	blockHeader    = 16 // bytes before each block: its class; keeps 16-byte alignment
	arenaPage      = 4096
	restoreZeroMax = 1 << 20 // past this, a restore gives the call's pages back instead of clearing them
)

// arenaStart is the offset of the first block: the header, rounded to a page
// so that the header's page is the only one the allocator dirties on its own.
var arenaStart = roundPage(uint64(unsafe.Sizeof(arenaHeader{})))

func roundPage(n uint64) uint64 { return (n + arenaPage - 1) &^ (arenaPage - 1) }

// NewArena reserves size bytes of address space (committed as touched).
func NewArena(size int) (*Arena, error) {
	mem, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON|unix.MAP_NORESERVE)
	if err != nil {
		return nil, fmt.Errorf("arena: mmap: %w", err)
	}
	a := &Arena{mem: mem, base: uintptr(unsafe.Pointer(&mem[0]))}
	h := a.header()
	h.magic, h.top, h.size = arenaMagic, arenaStart, uint64(size)
	return a, nil
}

// Close unmaps the arena; no pointer into it may be used afterwards.
func (a *Arena) Close() error { return unix.Munmap(a.mem) }

func (a *Arena) header() *arenaHeader { return (*arenaHeader)(arenaAt(a.base)) }

// Base is the arena's address: the opaque pointer of its MallocFunctions.
func (a *Arena) Base() uintptr { return a.base }

// Used returns how many bytes of the arena the allocator has handed out
// since the last restore (its top).
func (a *Arena) Used() uint64 { return a.header().top }

// SnapshotSize returns how many bytes the last Snapshot kept.
func (a *Arena) SnapshotSize() uint64 { return a.top }

// Contains reports whether p points into the arena.
func (a *Arena) Contains(p uintptr) bool { return p >= a.base && p < a.base+uintptr(len(a.mem)) }

// MallocFunctions returns the JSMallocFunctions of the arena allocator, to
// pass with Base to JS_NewRuntime2: the addresses of top-level Go functions,
// which ccgo calls as C function pointers and which never move.
func MallocFunctions() TJSMallocFunctions {
	return TJSMallocFunctions{
		Fjs_malloc:             arenaFunc(arenaMalloc),
		Fjs_free:               arenaFunc(arenaFree),
		Fjs_realloc:            arenaFunc(arenaRealloc),
		Fjs_malloc_usable_size: arenaFunc(arenaUsable),
	}
}

// arenaFunc returns the C function pointer ccgo uses for the top-level Go
// function f (as ccgo's __ccgo_fp does): the address of its static funcval.
func arenaFunc(f any) uintptr { return (*[2]uintptr)(unsafe.Pointer(&f))[1] }

// Snapshot records the arena's used bytes; every Restore puts them back.
func (a *Arena) Snapshot() {
	a.top = a.header().top
	a.snap = append(a.snap[:0], a.mem[:a.top]...)
}

// Restore puts the arena back to the snapshot: every byte, the allocator's
// state included, as it was when the snapshot was taken, and zero past it.
func (a *Arena) Restore() error {
	cur := a.header().top
	copy(a.mem[:a.top], a.snap)
	if cur <= a.top {
		return nil
	}
	if cur-a.top <= restoreZeroMax {
		clear(a.mem[a.top:cur])
		return nil
	}
	clear(a.mem[a.top:roundPage(a.top)])
	if err := unix.Madvise(a.mem[roundPage(a.top):roundPage(cur)], unix.MADV_DONTNEED); err != nil {
		return fmt.Errorf("arena restore: madvise: %w", err)
	}
	return nil
}

// Diff returns the offset of the first byte that differs from the snapshot,
// below the snapshot's top, or is not zero, from there to end; -1 if none.
func (a *Arena) Diff(end uint64) int64 {
	for i, b := range a.mem[:a.top] {
		if a.snap[i] != b {
			return int64(i)
		}
	}
	for i, b := range a.mem[a.top:max(end, a.top)] {
		if b != 0 {
			return int64(a.top) + int64(i)
		}
	}
	return -1
}

// arenaClassOf returns the size class of a block of n bytes, header
// included: multiples of 16 up to 1 KiB, then four classes per power of two.
func arenaClassOf(n uint64) int {
	if n <= 1024 {
		return int((n + 15) >> 4)
	}
	e := bits.Len64(n - 1) // 2**(e-1) < n <= 2**e
	step := uint64(1) << (e - 3)
	return 65 + (e-11)*4 + int((n+step-1)/step) - 5
}

// arenaClassSize is the size of a block of class c, header included.
func arenaClassSize(c int) uint64 {
	if c <= 64 {
		return uint64(c) << 4
	}
	k := c - 65
	e := 11 + k/4
	return uint64(k%4+5) << (e - 3)
}

// arenaState is the runtime's JSMallocState, which the allocator keeps up to
// date as js_def_malloc does (the GC threshold and the memory limit read it).
func arenaState(s uintptr) *TJSMallocState { return (*TJSMallocState)(arenaAt(s)) }

// arenaMalloc is JSMallocFunctions.js_malloc: s is the runtime's malloc
// state, whose opaque is the arena's base.
func arenaMalloc(tls *libc.TLS, s uintptr, size uint64) uintptr {
	st := arenaState(s)
	if st.Fmalloc_size+size > st.Fmalloc_limit {
		return 0
	}
	p := arenaAlloc(st.Fopaque, size)
	if p == 0 {
		return 0
	}
	st.Fmalloc_count++
	st.Fmalloc_size += arenaUsable(tls, p) + MMALLOC_OVERHEAD
	return p
}

// arenaAlloc takes a block for size bytes from the arena at base: from its
// class's free list, or from the top; 0 when the arena is full.
func arenaAlloc(base uintptr, size uint64) uintptr {
	h := (*arenaHeader)(arenaAt(base))
	c := arenaClassOf(size + blockHeader)
	if c >= arenaClasses {
		return 0
	}
	off := h.free[c]
	if off != 0 {
		h.free[c] = *(*uint64)(arenaAt(base + uintptr(off) + blockHeader))
	} else {
		off = h.top
		end := off + arenaClassSize(c)
		if end > h.size {
			return 0
		}
		h.top = end
	}
	*(*uint64)(arenaAt(base + uintptr(off))) = uint64(c)
	return base + uintptr(off) + blockHeader
}

// arenaFree is JSMallocFunctions.js_free.
func arenaFree(tls *libc.TLS, s uintptr, p uintptr) {
	if p == 0 {
		return
	}
	st := arenaState(s)
	st.Fmalloc_count--
	st.Fmalloc_size -= arenaUsable(tls, p) + MMALLOC_OVERHEAD
	base := st.Fopaque
	h := (*arenaHeader)(arenaAt(base))
	c := *(*uint64)(arenaAt(p - blockHeader))
	*(*uint64)(arenaAt(p)) = h.free[c]
	h.free[c] = uint64(p - blockHeader - base)
}

// arenaRealloc is JSMallocFunctions.js_realloc, with js_def_realloc's
// accounting: a block that still fits stays where it is.
func arenaRealloc(tls *libc.TLS, s uintptr, p uintptr, size uint64) uintptr {
	if p == 0 {
		if size == 0 {
			return 0
		}
		return arenaMalloc(tls, s, size)
	}
	if size == 0 {
		arenaFree(tls, s, p)
		return 0
	}
	old := arenaUsable(tls, p)
	if size <= old {
		return p
	}
	q := arenaMalloc(tls, s, size)
	if q == 0 {
		return 0
	}
	copy(unsafe.Slice((*byte)(arenaAt(q)), old), unsafe.Slice((*byte)(arenaAt(p)), old))
	arenaFree(tls, s, p)
	return q
}

// arenaUsable is JSMallocFunctions.js_malloc_usable_size.
func arenaUsable(_ *libc.TLS, p uintptr) uint64 {
	if p == 0 {
		return 0
	}
	return arenaClassSize(int(*(*uint64)(arenaAt(p - blockHeader)))) - blockHeader
}

// arenaAt is the address p as a Go pointer: memory of the arena, which the
// Go collector does not manage. The uintptr's bits are read as a pointer,
// not converted, so that neither go vet's unsafeptr check nor the race
// detector's checkptr, both meant for Go memory, refuse it.
func arenaAt(p uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&p)) }
