package engines

import (
	"fmt"
	"math/bits"
	"unsafe"

	"golang.org/x/sys/unix"
	"modernc.org/libc"
	lib "modernc.org/libquickjs"
)

// An Arena is one fixed, mmap'd region that holds the whole heap of one
// QuickJS runtime, the allocator's own state included, so that the heap can
// be saved and put back byte for byte: every pointer the engine stores
// points into the arena (whose address never changes) or at static data and
// functions of the program. The allocator is a segregated free list over a
// bump pointer; its state (the top and the heads of the lists) lives in the
// arena's first bytes, so restoring those bytes restores the allocator.
type Arena struct {
	mem  []byte // the whole reservation
	base uintptr
	snap []byte // copy mode: the used bytes at the snapshot
	top  uint64 // the top at the snapshot
	fd   int    // memfd mode: the snapshot's file, or -1
}

// arenaHeader is the allocator's state at the start of the arena.
type arenaHeader struct {
	magic uint64
	top   uint64 // offset of the first never-used byte
	size  uint64 // the arena's size
	// polls is the interrupt handler's budget: how many more polls the
	// running call may take (0: no limit); set by the host before a call.
	polls   int64
	stopped int64                // 1 once the handler has stopped the running call
	free    [arenaClasses]uint64 // offset of the first free block of each class
}

const (
	arenaMagic   = 0x736e617073686f74 // "snapshot"
	arenaClasses = 192
	blockHeader  = 16 // bytes before each block: its class; keeps 16-byte alignment
	pageSize     = 4096
)

// arenaStart is the offset of the first block: the header, rounded to a page
// so that the header's page is the only one the allocator dirties on its own.
var arenaStart = (uint64(unsafe.Sizeof(arenaHeader{})) + pageSize - 1) &^ (pageSize - 1)

// NewArena reserves size bytes of address space (committed as touched).
func NewArena(size int) (*Arena, error) {
	mem, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
	if err != nil {
		return nil, fmt.Errorf("arena: mmap: %w", err)
	}
	a := &Arena{mem: mem, base: uintptr(unsafe.Pointer(&mem[0])), fd: -1}
	h := a.header()
	h.magic, h.top, h.size = arenaMagic, arenaStart, uint64(size)
	return a, nil
}

// Close unmaps the arena; no pointer into it may be used afterwards.
func (a *Arena) Close() error {
	if a.fd >= 0 {
		unix.Close(a.fd)
	}
	return unix.Munmap(a.mem)
}

func (a *Arena) header() *arenaHeader { return (*arenaHeader)(at(a.base)) }

// Used returns how many bytes of the arena the allocator has ever handed
// out since the last restore (its top).
func (a *Arena) Used() uint64 { return a.header().top }

// Contains reports whether p points into the arena.
func (a *Arena) Contains(p uintptr) bool { return p >= a.base && p < a.base+uintptr(len(a.mem)) }

// mallocFuncs returns the JSMallocFunctions of the arena allocator: the
// addresses of top-level Go functions, which ccgo calls as C function
// pointers and which never move.
func mallocFuncs() lib.TJSMallocFunctions {
	return lib.TJSMallocFunctions{
		Fjs_malloc:             cfunc(arenaMalloc),
		Fjs_free:               cfunc(arenaFree),
		Fjs_realloc:            cfunc(arenaRealloc),
		Fjs_malloc_usable_size: cfunc(arenaUsable),
	}
}

// cfunc returns the C function pointer ccgo uses for the top-level Go
// function f (as ccgo's __ccgo_fp does): the address of its static funcval.
func cfunc(f any) uintptr { return (*[2]uintptr)(unsafe.Pointer(&f))[1] }

// classOf returns the size class of a block of n bytes, header included:
// multiples of 16 up to 1 KiB, then four classes per power of two.
func classOf(n uint64) int {
	if n <= 1024 {
		return int((n + 15) >> 4)
	}
	e := bits.Len64(n - 1) // 2**(e-1) < n <= 2**e
	step := uint64(1) << (e - 3)
	return 65 + (e-11)*4 + int((n+step-1)/step) - 5
}

// classSize is the size of a block of class c, header included.
func classSize(c int) uint64 {
	if c <= 64 {
		return uint64(c) << 4
	}
	k := c - 65
	e := 11 + k/4
	return uint64(k%4+5) << (e - 3)
}

// mallocState is QuickJS's JSMallocState, which the allocator keeps up to
// date as js_def_malloc does (the engine's GC threshold and memory limit
// read it).
func mallocState(s uintptr) *lib.TJSMallocState { return (*lib.TJSMallocState)(at(s)) }

// arenaMalloc is JSMallocFunctions.js_malloc: s is the runtime's malloc
// state, whose opaque is the arena's base.
func arenaMalloc(tls *libc.TLS, s uintptr, size uint64) uintptr {
	st := mallocState(s)
	if st.Fmalloc_size+size > st.Fmalloc_limit {
		return 0
	}
	p := arenaAlloc(st.Fopaque, size)
	if p == 0 {
		return 0
	}
	st.Fmalloc_count++
	st.Fmalloc_size += arenaUsable(tls, p) + lib.MMALLOC_OVERHEAD
	return p
}

// arenaAlloc takes a block for size bytes from the arena at base: from its
// class's free list, or from the top; 0 when the arena is full.
func arenaAlloc(base uintptr, size uint64) uintptr {
	h := (*arenaHeader)(at(base))
	c := classOf(size + blockHeader)
	if c >= arenaClasses {
		return 0
	}
	off := h.free[c]
	if off != 0 {
		h.free[c] = *(*uint64)(at(base + uintptr(off) + blockHeader))
	} else {
		off = h.top
		end := off + classSize(c)
		if end > h.size {
			return 0
		}
		h.top = end
	}
	*(*uint64)(at(base + uintptr(off))) = uint64(c)
	return base + uintptr(off) + blockHeader
}

// arenaFree is JSMallocFunctions.js_free.
func arenaFree(tls *libc.TLS, s uintptr, p uintptr) {
	if p == 0 {
		return
	}
	st := mallocState(s)
	st.Fmalloc_count--
	st.Fmalloc_size -= arenaUsable(tls, p) + lib.MMALLOC_OVERHEAD
	base := st.Fopaque
	h := (*arenaHeader)(at(base))
	c := *(*uint64)(at(p - blockHeader))
	*(*uint64)(at(p)) = h.free[c]
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
	copy(unsafe.Slice((*byte)(at(q)), old), unsafe.Slice((*byte)(at(p)), old))
	arenaFree(tls, s, p)
	return q
}

// arenaUsable is JSMallocFunctions.js_malloc_usable_size.
func arenaUsable(_ *libc.TLS, p uintptr) uint64 {
	if p == 0 {
		return 0
	}
	return classSize(int(*(*uint64)(at(p - blockHeader)))) - blockHeader
}

// at is the address p as a Go pointer: memory of the arena, of libc or of a
// libc.TLS stack, none of which the Go collector manages, or Go memory the
// VM keeps alive (its host state). The uintptr's bits are read as a
// pointer, not converted, so that neither go vet's unsafeptr check nor the
// race detector's checkptr, both meant for Go memory, refuse it.
func at(p uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&p)) }
