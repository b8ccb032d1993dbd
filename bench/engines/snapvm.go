package engines

import (
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
	"modernc.org/libc"
	lib "modernc.org/libquickjs"
)

// SnapMode is how a SnapVM puts its heap back after a call.
type SnapMode int

const (
	// SnapCopy keeps a copy of the arena's used bytes and copies them back.
	SnapCopy SnapMode = iota
	// SnapMemfd maps the snapshot, written to a memfd, privately over the
	// arena; a restore drops the call's private pages (MADV_DONTNEED), so the
	// kernel copies back only the pages the next call touches.
	SnapMemfd
)

// String names the mode in benchmark names.
func (m SnapMode) String() string { return [...]string{"copy", "memfd"}[m] }

// A SnapVM is one QuickJS runtime and context whose whole heap is an Arena,
// taken once after its setup and put back after every call, so that each
// call starts from the same bytes (docs/engines.md, "Restoring a VM from a
// snapshot"). It is used from one goroutine, locked to its thread.
type SnapVM struct {
	Arena   *Arena
	tls     *libc.TLS
	rt, ctx uintptr
	mode    SnapMode
	meter   lib.SbxMeter // attached to the runtime; its steps are put back too
	steps   int64        // the meter's steps at the snapshot
	names   [2]uintptr   // "__call", "__result" as C strings, outside the arena
	// host is what the global __host reaches, through the context's opaque
	// pointer: Go memory the VM keeps, which each call points at its own
	// function and a restore detaches.
	host *snapHost
}

// snapHost is the Go side of __host: the running call's function.
type snapHost struct {
	fn func(string) string
}

// ErrInterrupted is what a call stopped by its poll budget returns.
var ErrInterrupted = errors.New("interrupted")

// NewSnapVM makes a runtime and a context (all intrinsics) in a new arena
// of size bytes, with the arena's interrupt handler and a step meter.
func NewSnapVM(size int, mode SnapMode) (*SnapVM, error) {
	a, err := NewArena(size)
	if err != nil {
		return nil, err
	}
	v := &SnapVM{Arena: a, tls: libc.NewTLS(), mode: mode}
	mf := mallocFuncs()
	v.rt = lib.XJS_NewRuntime2(v.tls, uintptr(unsafe.Pointer(&mf)), a.base)
	if v.rt == 0 {
		v.Close()
		return nil, fmt.Errorf("snapvm: JS_NewRuntime2 failed")
	}
	v.ctx = lib.XJS_NewContext(v.tls, v.rt)
	if v.ctx == 0 {
		v.Close()
		return nil, fmt.Errorf("snapvm: JS_NewContext failed")
	}
	lib.XJS_SetInterruptHandler(v.tls, v.rt, cfunc(arenaInterrupt), a.base)
	lib.SbxSetMeter(v.rt, &v.meter)
	if err := v.defineHost(); err != nil {
		v.Close()
		return nil, err
	}
	for i, s := range []string{"__call", "__result"} {
		if v.names[i], err = libc.CString(s); err != nil {
			v.Close()
			return nil, fmt.Errorf("snapvm: %w", err)
		}
	}
	return v, nil
}

// defineHost defines the global __host(s), a C function object (a static Go
// function and no Go memory in the heap) that calls the running call's Go
// function, which the context's opaque pointer reaches.
func (v *SnapVM) defineHost() error {
	v.host = &snapHost{}
	lib.XJS_SetContextOpaque(v.tls, v.ctx, uintptr(unsafe.Pointer(v.host)))
	name, err := libc.CString("__host")
	if err != nil {
		return fmt.Errorf("snapvm: %w", err)
	}
	defer libc.Xfree(v.tls, name)
	f := lib.XJS_NewCFunction2(v.tls, v.ctx, cfunc(hostCall), name, 1, lib.EJS_CFUNC_generic, 0)
	g := lib.XJS_GetGlobalObject(v.tls, v.ctx)
	defer lib.XFreeValue(v.tls, v.ctx, g)
	if lib.XJS_SetPropertyStr(v.tls, v.ctx, g, name, f) < 0 {
		return fmt.Errorf("snapvm: defining __host failed")
	}
	return nil
}

// SetHost makes __host(s) call fn in the running call; a restore detaches
// it, as the snapshot had none.
func (v *SnapVM) SetHost(fn func(string) string) { v.host.fn = fn }

// hostCall is __host's C function: its argument as a string to the call's
// Go function, and its answer back; undefined when no call is attached.
func hostCall(tls *libc.TLS, ctx uintptr, _ lib.TJSValue, argc int32, argv uintptr) lib.TJSValue {
	h := (*snapHost)(at(lib.XJS_GetContextOpaque(tls, ctx)))
	if h.fn == nil || argc < 1 {
		return lib.TJSValue{Ftag: lib.EJS_TAG_UNDEFINED}
	}
	plen := tls.Alloc(8)
	defer tls.Free(8)
	p := lib.XJS_ToCStringLen2(tls, ctx, plen, *(*lib.TJSValue)(at(argv)), 0)
	if p == 0 {
		return lib.TJSValue{Ftag: lib.EJS_TAG_EXCEPTION}
	}
	arg := string(unsafe.Slice((*byte)(at(p)), *(*uint64)(at(plen))))
	lib.XJS_FreeCString(tls, ctx, p)
	out := h.fn(arg)
	buf := tls.Alloc(len(out) + 1)
	defer tls.Free(len(out) + 1)
	copy(unsafe.Slice((*byte)(at(buf)), len(out)), out)
	return lib.XJS_NewStringLen(tls, ctx, buf, uint64(len(out)))
}

// Close frees the TLS and unmaps the arena (the runtime is not freed: its
// memory is the arena's).
func (v *SnapVM) Close() {
	for _, p := range v.names {
		if p != 0 {
			libc.Xfree(v.tls, p)
		}
	}
	if v.rt != 0 {
		lib.SbxSetMeter(v.rt, nil)
	}
	v.tls.Close()
	v.Arena.Close()
}

// arenaInterrupt is the runtime's interrupt handler: opaque is the arena's
// base, whose header holds the running call's poll budget.
func arenaInterrupt(_ *libc.TLS, _ uintptr, opaque uintptr) int32 {
	h := (*arenaHeader)(at(opaque))
	if h.polls <= 0 {
		return 0
	}
	h.polls--
	if h.polls == 0 {
		h.stopped = 1
		return 1
	}
	return 0
}

// SetPollBudget stops the running call at its n-th interrupt poll (about
// every 10,000 JavaScript calls and jumps, or a few thousand steps of native
// work); 0 is no limit. A restore sets it back to the snapshot's 0.
func (v *SnapVM) SetPollBudget(n int64) { v.Arena.header().polls = n }

// SetMemoryLimit sets the runtime's memory limit (JS_SetMemoryLimit).
func (v *SnapVM) SetMemoryLimit(n uint64) { lib.XJS_SetMemoryLimit(v.tls, v.rt, n) }

// Steps is the meter's count of native work since the snapshot.
func (v *SnapVM) Steps() int64 { return v.meter.Steps - v.steps }

// JobPending reports whether the runtime's promise job queue is not empty.
func (v *SnapVM) JobPending() bool { return lib.XJS_IsJobPending(v.tls, v.rt) != 0 }

// Snapshot records the heap as it is now; every Restore puts it back.
func (v *SnapVM) Snapshot() error {
	v.steps = v.meter.Steps
	return v.Arena.snapshot(v.mode)
}

// Restore puts the heap back to the snapshot, the meter to its count then,
// and detaches the call's host function.
func (v *SnapVM) Restore() error {
	v.meter.Steps = v.steps
	v.host.fn = nil
	return v.Arena.restore(v.mode)
}

// Eval runs src as a global script and frees its result.
func (v *SnapVM) Eval(src string) error {
	r, err := v.evalValue(src)
	if err != nil {
		return err
	}
	lib.XFreeValue(v.tls, v.ctx, r)
	return nil
}

func (v *SnapVM) evalValue(src string) (lib.TJSValue, error) {
	p, err := libc.CString(src)
	if err != nil {
		return lib.TJSValue{}, fmt.Errorf("snapvm: %w", err)
	}
	defer libc.Xfree(v.tls, p)
	file, err := libc.CString("<eval>")
	if err != nil {
		return lib.TJSValue{}, fmt.Errorf("snapvm: %w", err)
	}
	defer libc.Xfree(v.tls, file)
	r := lib.XJS_Eval(v.tls, v.ctx, p, uint64(len(src)), file, lib.MJS_EVAL_TYPE_GLOBAL)
	return r, v.check(r, "eval")
}

// EvalBytecode runs global code compiled to bytecode and returns its value.
func (v *SnapVM) EvalBytecode(bc []byte) (lib.TJSValue, error) {
	buf := libc.Xmalloc(v.tls, uint64(len(bc)))
	if buf == 0 {
		return lib.TJSValue{}, fmt.Errorf("snapvm: bytecode: malloc failed")
	}
	defer libc.Xfree(v.tls, buf)
	copy(unsafe.Slice((*byte)(at(buf)), len(bc)), bc)
	obj := lib.XJS_ReadObject(v.tls, v.ctx, buf, uint64(len(bc)), lib.MJS_READ_OBJ_BYTECODE)
	if err := v.check(obj, "read bytecode"); err != nil {
		return obj, err
	}
	r := lib.XJS_EvalFunction(v.tls, v.ctx, obj)
	return r, v.check(r, "eval bytecode")
}

// check returns the pending exception's message if r is the exception.
func (v *SnapVM) check(r lib.TJSValue, what string) error {
	if r.Ftag != lib.EJS_TAG_EXCEPTION {
		return nil
	}
	ex := lib.XJS_GetException(v.tls, v.ctx)
	defer lib.XFreeValue(v.tls, v.ctx, ex)
	msg := v.goString(ex)
	if msg == "InternalError: interrupted" {
		return fmt.Errorf("snapvm: %s: %w", what, ErrInterrupted)
	}
	return fmt.Errorf("snapvm: %s: %s", what, msg)
}

// goString converts a value to a Go string (as String() would).
func (v *SnapVM) goString(x lib.TJSValue) string {
	plen := v.tls.Alloc(8)
	defer v.tls.Free(8)
	p := lib.XJS_ToCStringLen2(v.tls, v.ctx, plen, x, 0)
	if p == 0 {
		return "<no string>"
	}
	defer lib.XJS_FreeCString(v.tls, v.ctx, p)
	return string(unsafe.Slice((*byte)(at(p)), *(*uint64)(at(plen))))
}

// newString makes a JavaScript string of s.
func (v *SnapVM) newString(s string) lib.TJSValue {
	n := len(s)
	buf := v.tls.Alloc(n + 1)
	defer v.tls.Free(n + 1)
	copy(unsafe.Slice((*byte)(at(buf)), n), s)
	return lib.XJS_NewStringLen(v.tls, v.ctx, buf, uint64(n))
}

// CallHandler does what runModernc does on a quickjs.VM: __call(req), the
// promise jobs, then __result(), whose string it returns.
func (v *SnapVM) CallHandler(req string) (string, error) {
	g := lib.XJS_GetGlobalObject(v.tls, v.ctx)
	defer lib.XFreeValue(v.tls, v.ctx, g)
	call := lib.XJS_GetPropertyStr(v.tls, v.ctx, g, v.names[0])
	defer lib.XFreeValue(v.tls, v.ctx, call)
	if _, err := v.call(call, g, v.newString(req)); err != nil {
		return "", err
	}
	if err := v.RunJobs(); err != nil {
		return "", err
	}
	result := lib.XJS_GetPropertyStr(v.tls, v.ctx, g, v.names[1])
	defer lib.XFreeValue(v.tls, v.ctx, result)
	out, err := v.call(result, g)
	if err != nil {
		return "", err
	}
	return out, nil
}

// call calls f on this with args (which it frees) and returns the result
// as a string.
func (v *SnapVM) call(f, this lib.TJSValue, args ...lib.TJSValue) (string, error) {
	var argv uintptr
	if len(args) > 0 {
		argv = v.tls.Alloc(len(args) * int(unsafe.Sizeof(lib.TJSValue{})))
		defer v.tls.Free(len(args) * int(unsafe.Sizeof(lib.TJSValue{})))
		copy(unsafe.Slice((*lib.TJSValue)(at(argv)), len(args)), args)
	}
	r := lib.XJS_Call(v.tls, v.ctx, f, this, int32(len(args)), argv)
	for _, a := range args {
		lib.XFreeValue(v.tls, v.ctx, a)
	}
	if err := v.check(r, "call"); err != nil {
		return "", err
	}
	defer lib.XFreeValue(v.tls, v.ctx, r)
	if r.Ftag != lib.EJS_TAG_STRING {
		return "", nil
	}
	return v.goString(r), nil
}

// RunJobs runs the promise jobs until none is left.
func (v *SnapVM) RunJobs() error {
	pctx := v.tls.Alloc(8)
	defer v.tls.Free(8)
	for {
		r := lib.XJS_ExecutePendingJob(v.tls, v.rt, pctx)
		// An uncatchable error in a promise reaction job rejects the job's
		// promise instead of ending ExecutePendingJob with it, so the
		// handler's own record is what says the call was stopped.
		if v.Arena.header().stopped != 0 {
			return fmt.Errorf("snapvm: promise job: %w", ErrInterrupted)
		}
		switch {
		case r == 0:
			return nil
		case r < 0:
			ex := lib.XJS_GetException(v.tls, v.ctx)
			defer lib.XFreeValue(v.tls, v.ctx, ex)
			if msg := v.goString(ex); msg != "InternalError: interrupted" {
				return fmt.Errorf("snapvm: promise job: %s", msg)
			}
			return fmt.Errorf("snapvm: promise job: %w", ErrInterrupted)
		}
	}
}

// RunAgentSetup runs the agent setup from bytecode as runSetup does on a
// quickjs.VM: the stubs, the bootstrap called with cfg, the prelude.
func (v *SnapVM) RunAgentSetup(stubs, boot, prelude []byte, cfg string) error {
	if _, err := v.EvalBytecode(stubs); err != nil {
		return fmt.Errorf("stubs: %w", err)
	}
	f, err := v.EvalBytecode(boot)
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	defer lib.XFreeValue(v.tls, v.ctx, f)
	if _, err := v.call(f, lib.TJSValue{Ftag: lib.EJS_TAG_UNDEFINED}, v.newString(cfg)); err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	if _, err := v.EvalBytecode(prelude); err != nil {
		return fmt.Errorf("prelude: %w", err)
	}
	return nil
}

// snapshot records the used part of the arena: a copy, or a memfd mapped
// privately over it.
func (a *Arena) snapshot(mode SnapMode) error {
	a.top = a.header().top
	n := roundPage(a.top)
	// The copy is what the copy mode restores from, and what tests compare
	// the arena with in both modes.
	a.snap = append(a.snap[:0], a.mem[:a.top]...)
	if mode == SnapCopy {
		return nil
	}
	fd, err := unix.MemfdCreate("qjs-snapshot", unix.MFD_CLOEXEC)
	if err != nil {
		return fmt.Errorf("arena snapshot: memfd_create: %w", err)
	}
	a.fd = fd
	if _, err := unix.Pwrite(fd, a.mem[:n], 0); err != nil {
		return fmt.Errorf("arena snapshot: write: %w", err)
	}
	// Map the file over the arena's first n bytes, at the same address.
	_, _, errno := unix.Syscall6(unix.SYS_MMAP, a.base, uintptr(n), unix.PROT_READ|unix.PROT_WRITE,
		unix.MAP_PRIVATE|unix.MAP_FIXED, uintptr(fd), 0)
	if errno != 0 {
		return fmt.Errorf("arena snapshot: mmap memfd: %w", errno)
	}
	return nil
}

// restoreZeroMax is the most the copy mode clears by hand of what a call
// added past the snapshot's top; more is handed back to the kernel, which
// clears it and keeps the arena's resident memory from growing.
const restoreZeroMax = 1 << 20

// restore puts the arena back to the snapshot: every byte, the allocator's
// state included, as it was when the snapshot was taken, and zero past it.
func (a *Arena) restore(mode SnapMode) error {
	cur := a.header().top
	if mode == SnapMemfd {
		if err := unix.Madvise(a.mem[:roundPage(cur)], unix.MADV_DONTNEED); err != nil {
			return fmt.Errorf("arena restore: madvise: %w", err)
		}
		return nil
	}
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

// Diff returns the offset of the first byte of the arena that differs
// from the snapshot (zero past the snapshot's top, up to the top before
// the last restore, or up to end), or -1 if none does.
func (a *Arena) Diff(end uint64) int64 {
	for i, b := range a.mem[:a.top] {
		if a.snap[i] != b {
			return int64(i)
		}
	}
	for i, b := range a.mem[a.top:end] {
		if b != 0 {
			return int64(a.top) + int64(i)
		}
	}
	return -1
}

func roundPage(n uint64) uint64 { return (n + pageSize - 1) &^ (pageSize - 1) }
