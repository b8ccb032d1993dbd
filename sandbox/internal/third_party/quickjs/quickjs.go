// Copyright 2024 The quickjs-go Authors. All rights reserved.
// Use of the source code is governed by a BSD-style
// license that can be found in the LICENSE file.

//go:generate go run generator.go

// Package quickjs is a pure Go embeddable Javascript engine. It supports the
// ECMA script 14 ([ES2023]) specification including modules, asynchronous
// generators, proxies and BigInt.
//
// See also the original [C QuickJS] library.
//
// # Internationalization
//
// The engine has no Intl. ECMA-402 is not implemented by the C library this
// package wraps, so a page or bundle reaching for Intl.DateTimeFormat gets a
// ReferenceError, and the toLocale* methods it ships ignore both their locale
// and their timeZone argument. Package [modernc.org/quickjs/intl] provides
// Intl.DateTimeFormat and Intl.NumberFormat, en-US over Go's time zone
// database, for a VM that opts in by calling its Register.
//
// # Performance
//
// Geomeans of time/op over a set of benchmarks, relative to CCGO, lower number
// is better. Detailed results available in the testdata/benchmarks directory.
//
//	 CCGO: modernc.org/libquickjs@v0.14.0
//	 GOJA: github.com/dop251/goja@v0.0.0-20261022125820-07c4b9d6265b
//	  QJS: github.com/fastschema/qjs@v0.0.6
//
//		                        CCGO     GOJA     QJS
//		-----------------------------------------------
//		        darwin/amd64    1.000    1.385    1.428
//		        darwin/arm64    1.000    1.258    1.473
//		       freebsd/amd64    1.000    1.243    1.461    (qemu)
//		       freebsd/arm64    1.000    1.314    1.107    (qemu)
//		           linux/386    1.000    2.422   95.035    (qemu)
//		         linux/amd64    1.000    1.768    1.480
//		           linux/arm    1.000    3.089  143.634
//		         linux/arm64    1.000    1.869    1.902
//		       linux/loong64    1.000    1.416   98.498
//		       linux/ppc64le    1.000    2.025   82.870
//		       linux/riscv64    1.000    1.197   67.580
//		         linux/s390x    1.000    1.426   73.033    (qemu)
//		       windows/amd64    1.000    1.435    1.650
//		       windows/arm64    1.000    1.662    1.878
//		-----------------------------------------------
//		                        CCGO     GOJA     QJS
//
// # Notes
//
// Parts of the documentation were copied from the quickjs documentation, see
// LICENSE-QUICKJS for details.
//
// # Supported platforms and architectures
//
// These combinations of GOOS and GOARCH are currently supported
//
//	OS      Arch
//	-------------
//	darwin  amd64
//	darwin  arm64
//	freebsd amd64
//	freebsd arm64
//	linux   386
//	linux   amd64
//	linux   arm
//	linux   arm64
//	linux   loong64
//	linux   ppc64le
//	linux   riscv64
//	linux   s390x
//	windows amd64
//	windows arm64
//
// # Builders
//
// Builder results are available [here].
//
// # Change Log
//
// 2026-07-27: Upgrade to QuickJS release 2026-06-04. The bytecode format
// changed, code produced by [VM.Compile] using an older release will no longer
// load.
//
// 2025-10-10: Upgrade to QuickJS release 2025-09-13.
//
// [C QuickJS]: https://bellard.org/quickjs
// [ES2023]: https://tc39.es/ecma262/2023/
// [here]: https://modern-c.appspot.com/-/builder/?importpath=modernc.org%2fquickjs
//
// [modernc.org/libquickjs]: https://pkg.go.dev/modernc.org/libquickjs
package quickjs // import "modernc.org/quickjs"

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
	"unsafe"

	"modernc.org/libc"
	lib "modernc.org/libquickjs"
)

var (
	_ json.Marshaler = (*Object)(nil)
	_ json.Marshaler = (*Value)(nil)

	staticMagic atomic.Int32

	goFuncsMu sync.Mutex
	goFuncs   = map[int32]*goFunc{}
	freeMagic []int32

	customLoadersMu sync.Mutex
	customLoaders   = map[uintptr]moduleLoaderState{}

	// UndefinedValue is a Value representing Javascript value 'undefined'. It is
	// not associated with any particular VM.
	UndefinedValue = Value{v: undefined}

	// callbackClassID is a global JS class ID for callback objects whose
	// lifetime is tied to a JS object's refcount. Each VM registers this
	// class ID once with its runtime. The class carries both an Fcall
	// handler (so the object is callable from JS) and an Ffinalizer (so the
	// goFuncs entry is released when the last JS reference drops).
	callbackClassID     lib.TJSClassID
	initCallbackClassID sync.Once
)

// runtime represents a Javascript runtime.
//
// Note: runtime is not safe for concurrent use by multiple goroutines.
type runtime struct {
	cRuntime          uintptr // lib.TJSRuntime
	tls               *libc.TLS
	callbackClassInit bool
	arena             *lib.Arena // sandbox patch: the heap, for NewArenaVM; nil: libc's allocator
}

// newRuntime returns a newly create Runtime
func newRuntime(arena *lib.Arena) (*runtime, error) {
	tls := libc.NewTLS()
	r := newCRuntime(tls, arena) // sandbox patch: was lib.XJS_NewRuntime(tls)
	if r == 0 {
		tls.Close()
		return nil, fmt.Errorf("failed to create a new Javascript runtime")
	}

	// In libquickjs v0.13.1 and older, JS_NewRuntime sets the stack size to
	// 1 MB, meant as bytes, but the stack check of the Go port counts
	// libc.TLS stack slots, roughly one per Javascript call frame. A million
	// of them overflow the goroutine stack first, which kills the process,
	// so recursing without end must hit the port's own limit instead and
	// throw. Newer versions start with that limit, and this call can go once
	// go.mod requires one.
	lib.XJS_SetMaxStackSize(tls, r, lib.MaxStackSlots)
	return &runtime{
		cRuntime: r,
		tls:      tls,
		arena:    arena,
	}, nil
}

// newVM returns a newly created VM.
func (r *runtime) newVM() (*VM, error) {
	tls := r.tls
	argv := libc.Xcalloc(tls, 2, libc.Tsize_t(sizeofJsValue))
	if argv == 0 {
		return nil, fmt.Errorf("OOM")
	}

	interruptData := libc.Xcalloc(tls, 1, libc.Tsize_t(unsafe.Sizeof(interruptData{})))
	if interruptData == 0 {
		libc.Xfree(tls, argv)
		return nil, fmt.Errorf("OOM")
	}

	c := lib.XJS_NewContext(tls, r.cRuntime)
	if c == 0 {
		libc.Xfree(tls, interruptData)
		libc.Xfree(tls, argv)
		return nil, fmt.Errorf("failed to create a new Javascript context")
	}

	return &VM{
		intr: &interrupter{data: interruptData},
		state: state{
			cContext:      c,
			int32_16:      lib.XNewInt32(r.tls, c, 16),
			int32_2:       lib.XNewInt32(r.tls, c, 2),
			interruptData: interruptData,
			runtime:       r,
			toStringArgv:  argv,
		},
	}, nil
}

// close releases the resources held by r.
func (r *runtime) close() error {
	lib.XJS_FreeRuntime(r.tls, r.cRuntime)
	r.tls.Close()
	*r = runtime{}
	return nil
}

func newInt32(n int32) (r lib.TJSValue) {
	return lib.XNewInt32(nil, 0, n)
}

// NewInt returns a new Value from 'n'.
//
// Note: See the [Value] documentation for details about manual memory
// management of Value objects.
func (m *VM) NewInt(n int) Value {
	if n >= math.MinInt32 && n <= math.MaxInt32 {
		return Value{vm: m, v: newInt32(int32(n))}
	}

	return m.NewFloat64(float64(n))
}

// NewFloat64 returns a new Value from 'n'.
//
// Note: See the [Value] documentation for details about manual memory
// management of Value objects.
func (m *VM) NewFloat64(n float64) Value {
	return Value{vm: m, v: newFloat(n)}
}

// NewString returns a new Value from 's'.
//
// Note: See the [Value] documentation for details about manual memory
// management of Value objects.
func (m *VM) NewString(s string) (r Value, err error) {
	m.usable()
	v, err := m.newString(s)
	if err != nil {
		return r, err
	}

	return Value{vm: m, v: v}, nil
}

// NewObjectValue returns a new Value representing '{}'.
func (m *VM) NewObjectValue() (r Value, err error) {
	m.usable()
	return Value{vm: m, v: lib.XJS_NewObject(m.runtime.tls, m.cContext)}, nil
}

func (m *VM) newString(s string) (r lib.TJSValue, err error) {
	tls := m.runtime.tls
	ctx := m.cContext
	s = m.toJS(s)
	p, err := libc.CString(s)
	if err != nil {
		return r, err
	}

	defer libc.Xfree(tls, p)

	return lib.XJS_NewStringLen(tls, ctx, p, lib.Tsize_t(len(s))), nil
}

func jsInt(n int64) lib.TJSValue {
	switch {
	case n >= math.MinInt32 && n <= math.MaxInt32:
		return newInt32(int32(n))
	default:
		return newFloat(float64(n))
	}
}

func jsUint(n uint64) lib.TJSValue {
	switch {
	case n <= math.MaxInt32:
		return newInt32(int32(n))
	default:
		return newFloat(float64(n))
	}
}

var (
	jsonFNC = [...]byte{'J', 'S', 'O', 'N', 0}
	jsonFN  = uintptr(unsafe.Pointer(&jsonFNC[0]))
)

func (m *VM) parseJSON(s string, flags int32) (r lib.TJSValue, err error) {
	tls := m.runtime.tls
	ctx := m.cContext

	cs, err := libc.CString(s)
	if err != nil {
		return r, err
	}

	defer libc.Xfree(tls, cs)

	r = lib.XJS_ParseJSON2(tls, ctx, cs, lib.Tsize_t(len(s)), jsonFN, flags)
	if isException(r) {
		err = m.errFromException()
	}
	return r, err
}

// Unsupported represents an unsupported Javascript value.
type Unsupported struct{}

// String implements fmt.Stringer.
func (u Unsupported) String() string {
	return "unsupported Javascript type"
}

// Undefined represents the Javascript value "undefined".
type Undefined struct{}

// String implements fmt.Stringer.
func (u Undefined) String() string {
	return "undefined"
}

// Error holds structured information from a JavaScript exception. The error
// returned by [VM.Eval], [VM.Call] and the other eval-family methods is an
// *Error; recover the fields with [errors.As]:
//
//	var e *quickjs.Error
//	if errors.As(err, &e) {
//		fmt.Println(e.Stack)
//	}
//
// Its Error method reports the same message string the engine has always
// returned, so existing code comparing the error text keeps working.
//
// Only parse/syntax errors carry the FileName, LineNumber and ColumnNumber
// properties. For runtime errors those fields are zero and the source location
// is available only from Stack.
type Error struct {
	raw string

	Name         string // e.g. "ReferenceError", "TypeError"
	Message      string // the error message
	Stack        string // stack trace, one "    at ...\n" frame per line
	LineNumber   int    // line where the error occurred (parse errors only)
	ColumnNumber int    // column where the error occurred (parse errors only)
	FileName     string // file name where the error occurred (parse errors only)
}

// Error implements the error interface. It returns the same string the engine
// produces for the exception, unchanged from earlier releases.
func (e *Error) Error() string { return e.raw }

// Object represents the value of a Javascript object, but not the javascript
// object instance itself. Do not compare instances of Object.
type Object struct {
	json string
}

// String implements fmt.Stringer.
func (o *Object) String() string {
	return o.json
}

// MarshalJSON implements encoding/json.Marshaler.
func (o *Object) MarshalJSON() (r []byte, err error) {
	return []byte(o.json), nil
}

// Into helps you quickly deserialize an Object into a native Go type.
// This uses encoding/json.Unmarshal internally, so the target type must be
// compatible with that package.
func (o *Object) Into(v any) error {
	return json.Unmarshal([]byte(o.json), v)
}

// return != 0 if the JS code needs to be interrupted
func interruptHandler(tls *libc.TLS, rt, opaque uintptr) int32 {
	if opaque == 0 {
		return 0
	}

	if atomic.LoadInt32(&(*interruptData)(unsafe.Pointer(opaque)).interrupt) != 0 {
		return 1
	}

	if timeLimit := (*interruptData)(unsafe.Pointer(opaque)).timeLimit; timeLimit != 0 && monotonic() >= timeLimit {
		return 1
	}

	return 0
}

// The eval timeout runs on the monotonic clock. A deadline on the wall clock
// moves when the system clock is set while a script runs: set back, the
// timeout fires that much later or never, set forward, it fires at once.
var monotonicBase = time.Now()

// monotonic returns the nanoseconds since monotonicBase, read from the
// monotonic clock.
func monotonic() int64 {
	return int64(time.Since(monotonicBase))
}

// deadline returns what monotonic will return 'd' from now. When that does
// not fit an int64, it returns the largest one, which is never reached,
// instead of wrapping around to the past.
func deadline(d time.Duration) int64 {
	now := monotonic()
	if int64(d) > math.MaxInt64-now {
		return math.MaxInt64
	}

	return now + int64(d)
}

type interruptData struct {
	interrupt int32 // Interrupt() pending
	timeLimit int64 // stop when monotonic() >= timeLimit, 0 for no limit
}

// interrupter is how Interrupt reaches the interrupt flag from any goroutine.
// The flag is in C memory, which Close frees, but the interrupter is Go memory
// that stays valid after Close. Close clears 'data' under 'mu' before freeing
// the flag, so Interrupt either sets the flag of a live VM or does nothing.
// The mutex also tells the race detector that the two are ordered: it does not
// see the atomic operations on the flag, which is not in Go memory.
type interrupter struct {
	mu   sync.Mutex
	data uintptr // *interruptData, 0 from the start of Close
}

// VM represents a Javascript context (or Realm). Each VM has its
// own global objects and system objects.
//
// Note: VM is not safe for concurrent use by multiple goroutines, except for
// [VM.Interrupt].
//
// A Go function that Javascript calls may panic: the Javascript stops, without
// running its catch or finally blocks, and the panic goes on in the Go code
// that called that Javascript. runtime.Goexit, which t.Fatal calls, cannot be
// stopped that way. It goes up through the engine and abandons the Javascript
// it was running, as does a panic in the engine itself. Such a VM can only be
// closed: every later method that uses the engine panics, [Value.Free] does
// nothing, and Close leaks the engine's memory.
type VM struct {
	// intr is set by NewVM and never written again, so that Interrupt can
	// read it while and after the VM closes.
	intr *interrupter
	state
	arena arenaState // sandbox patch: a VM of NewArenaVM, see snap.go
}

// state is everything in a VM that Close clears.
type state struct {
	cContext uintptr // lib.TJSContext
	goFuncs  map[string]int32
	// Safe to share, not reference counted
	int32_16      lib.TJSValue
	int32_2       lib.TJSValue
	runtime       *runtime
	timeout       time.Duration
	interruptData uintptr
	toStringArgv  uintptr

	// depth counts the calls into Javascript in progress, see enter.
	depth int
	// panicked holds what a Go function called from Javascript panicked
	// with, until the panic goes on in the Go code that called Javascript.
	// See hostPanic.
	panicked any
	// frame is the engine's stack frame where the Go code running now was
	// called: 0 outside of any Javascript, or the frame of the Javascript that
	// called a Go function. See hostEnter.
	frame uintptr
	// abandoned is set once a Go panic or runtime.Goexit went up through
	// engine functions. See enter.
	abandoned bool
	// wtf8 is set by SetWTF8, see toJS and fromJS.
	wtf8 bool
}

// NewVM returns a newly created VM.
func NewVM() (*VM, error) {
	return newVM(nil)
}

// newVM is NewVM with the runtime's heap in arena (nil: libc's allocator);
// sandbox patch.
func newVM(arena *lib.Arena) (*VM, error) {
	rt, err := newRuntime(arena)
	if err != nil {
		return nil, err
	}

	vm, err := rt.newVM()
	if err != nil {
		rt.close()
		return nil, err
	}

	lib.XJS_SetInterruptHandler(rt.tls, rt.cRuntime, fp(interruptHandler), vm.interruptData)
	return vm, nil
}

// SetEvalTimeout sets the timeout for the various eval functions. Passing
// zero 'd' disables timeouts.
//
// The timeout starts when Go calls into Javascript. A Go function that
// Javascript called and that evaluates more Javascript on 'm' gets no new
// timeout, it runs in what is left of the outer one. The timeout runs on the
// monotonic clock, so setting the system clock does not move it.
func (m *VM) SetEvalTimeout(d time.Duration) error {
	m.timeout = d
	return nil
}

// SetWTF8 sets whether strings cross between Go and Javascript on 'm' as
// WTF-8, which keeps a lone surrogate. A Javascript string is a sequence of
// UTF-16 code units and can hold one half of a surrogate pair without the
// other, for example where code cut a string inside an emoji or built it one
// code unit at a time. UTF-8 cannot encode a lone surrogate, so by default it
// becomes U+FFFD on the way to Go, and each byte of a Go string that does not
// start a valid UTF-8 sequence becomes U+FFFD on the way to Javascript. A lone
// surrogate then does not survive a round trip through Go, and two halves of a
// pair kept apart in Go do not make the character again.
//
// With 'on' true, a lone surrogate reaches Go as the three bytes of its code
// point, 0xED 0xA0-0xBF 0x80-0xBF, and a pair as the four bytes of the
// character it encodes. Go strings reach Javascript with those three bytes
// decoded as that code unit, so a high surrogate followed by a low one makes a
// pair, as when Go concatenates two strings that each hold one half. Any other
// byte that does not start a valid UTF-8 sequence still becomes U+FFFD. That
// applies to every string converted for 'm': values, arguments and results of
// Go functions, the keys and elements of the maps and slices they return,
// atoms, the names of functions registered after the call, the messages of
// errors and module names. Strings converted with encoding/json get U+FFFD
// either way: those in a struct a Go function returns, in a map, a slice or a
// struct passed to [VM.Call], [Value.Call], [VM.SetProperty] and the like, and
// in the result of [Object.Into].
//
// A Go string holding a lone surrogate is not valid UTF-8: a for range loop
// over it, utf8.ValidString and encoding/json see three invalid bytes.
func (m *VM) SetWTF8(on bool) {
	m.wtf8 = on
}

// Interrupt requests 'm' to interrupt Javascript evaluation. Interrupt
// can be called asynchronously, from any goroutine, at any time m is
// evaluating a script. The request stays pending until the Go call into
// Javascript returns: Javascript that a Go function called from Javascript
// evaluates on 'm' does not clear it. Interrupt can also be called while 'm'
// closes and after Close, where it does nothing.
func (m *VM) Interrupt() {
	m.intr.mu.Lock()
	if m.intr.data != 0 {
		atomic.StoreInt32(&(*interruptData)(unsafe.Pointer(m.intr.data)).interrupt, 1)
	}
	m.intr.mu.Unlock()
}

// enter marks the start of a call into Javascript and must be paired with a
// deferred leave. Only a call made from Go code that Javascript did not call
// arms the eval timeout and clears a pending Interrupt. A call made by a Go
// function that Javascript called runs within the timeout of the call that got
// there, and an Interrupt requested meanwhile must still stop that one.
//
// A Go panic in the engine itself, or runtime.Goexit in a Go function that
// Javascript called, goes up through the engine functions below it and
// abandons them. Their frames stay on the engine's stack, and closures over
// their variables point at memory that was freed. Any engine code that runs
// then, even to free an object, can write to that memory. So the VM is
// abandoned too: the engine runs no more code, enter panics with
// abandonedPanic from then on, and Close leaks the engine's memory.
func (m *VM) enter() {
	if m.abandoned || m.stackFrame() != m.frame {
		m.abandoned = true
		panic(abandonedPanic)
	}

	if m.depth == 0 {
		m.configureInterrupt()
	}
	m.depth++
}

// leave ends a call into Javascript started by enter. If a Go function called
// by that Javascript panicked, the panic goes on from here.
func (m *VM) leave() {
	m.depth--
	if m.stackFrame() != m.frame {
		// A Go panic or runtime.Goexit is going up through the engine.
		m.abandoned = true
	}
	if !m.abandoned {
		m.repanic()
	}
}

// abandonedPanic is what a VM panics with once it was abandoned, see enter.
const abandonedPanic = "quickjs: a Go panic or runtime.Goexit went up through the engine of this VM, which can now only be closed"

// usable panics with abandonedPanic if 'm' was abandoned, see enter.
func (m *VM) usable() {
	if m.abandoned {
		panic(abandonedPanic)
	}
}

// free frees 'v' unless 'm' was abandoned, see enter. The deferred frees of
// the Go code that called Javascript use it: they run also while a Go panic or
// runtime.Goexit goes up through the engine, before leave can mark the VM
// abandoned.
func (m *VM) free(v lib.TJSValue) {
	if m.abandoned || m.stackFrame() != m.frame {
		m.abandoned = true
		return
	}

	lib.XFreeValue(m.runtime.tls, m.cContext, v)
}

// stackFrame returns the engine's current stack frame.
func (m *VM) stackFrame() uintptr {
	return (*lib.TJSRuntime)(unsafe.Pointer(m.runtime.cRuntime)).Fcurrent_stack_frame
}

// hostEnter marks the start of Go code that Javascript called. It returns what
// the deferred hostEnded needs.
func (m *VM) hostEnter() (prev uintptr) {
	prev = m.frame
	m.frame = m.stackFrame()
	return prev
}

// hostEnded marks the end of Go code that Javascript called, started by
// hostEnter. It reports whether engine functions above the frame where the Go
// code was called were abandoned (see enter). The panic or runtime.Goexit that
// abandoned them then goes on up through the engine, as the engine must run no
// more code. If the Go code returned, it recovered from such a panic, and
// hostEnded panics with abandonedPanic instead.
func (m *VM) hostEnded(prev uintptr, returned bool) bool {
	frame := m.frame
	m.frame = prev
	if m.stackFrame() == frame {
		return false
	}

	m.abandoned = true
	if returned {
		panic(abandonedPanic)
	}

	return true
}

func (m *VM) configureInterrupt() {
	if m.interruptData != 0 {
		atomic.StoreInt32(&(*interruptData)(unsafe.Pointer(m.interruptData)).interrupt, 0)
		if m.timeout != 0 {
			(*interruptData)(unsafe.Pointer(m.interruptData)).timeLimit = deadline(m.timeout)
		} else {
			(*interruptData)(unsafe.Pointer(m.interruptData)).timeLimit = 0
		}
	}
}

// SetMemoryLimit limits m's maxmimum memory usage, in bytes. Small values of
// 'limit' are not honored because the VM needs to allocate memory also for the
// exception object itself.  The particular value of "small" is unspecified and
// subject to change without notice.
func (m *VM) SetMemoryLimit(limit uintptr) {
	lib.XJS_SetMemoryLimit(m.runtime.tls, m.runtime.cRuntime, max(libc.Tsize_t(limit), 128*1024))
}

// SetGCThreshold sets the memory threshold at which a GC will be performed, in bytes.
func (m *VM) SetGCThreshold(threshold uintptr) {
	lib.XJS_SetGCThreshold(m.runtime.tls, m.runtime.cRuntime, libc.Tsize_t(threshold))
}

// SetMaxStackSize limits the JS call depth, in libc.TLS stack slots (~one per JS
// call frame in the CGo-free port). Deep recursion then throws a catchable
// "InternalError: stack overflow" instead of overflowing the Go goroutine
// stack, which would kill the process. 0 restores the default, the
// MaxStackSlots constant of modernc.org/libquickjs, which a new VM starts
// with.
func (m *VM) SetMaxStackSize(threshold uintptr) {
	lib.XJS_SetMaxStackSize(m.runtime.tls, m.runtime.cRuntime, libc.Tsize_t(threshold))
}

// SetCanBlock configures m's blocking mode.
func (m *VM) SetCanBlock(value bool) {
	n := int32(0)
	if value {
		n = 1
	}
	lib.XJS_SetCanBlock(m.runtime.tls, m.runtime.cRuntime, n)
}

// Close releases the resources held by 'm'. That includes the module loader
// and normalizer set by [VM.SetModuleLoader]: Close removes them, so a closed
// VM keeps nothing they close over reachable.
func (m *VM) Close() error {
	tls := m.runtime.tls
	ctx := m.cContext

	// SetModuleLoader files the loader process-wide under the runtime
	// pointer, which is freed below and may be reused by a later runtime.
	// Drop the entry first, so the closures - and whatever host they
	// capture - do not outlive the VM. Nothing in the teardown loads a module.
	customLoadersMu.Lock()
	delete(customLoaders, m.runtime.cRuntime)
	customLoadersMu.Unlock()

	goFuncsMu.Lock()
	for _, magic := range m.goFuncs {
		if goFuncs[magic] != nil {
			delete(goFuncs, magic)
			freeMagic = append(freeMagic, magic)
		}
	}
	if m.abandoned {
		// The engine will never finalize the callbacks.
		for magic, f := range goFuncs {
			if f.vm == m {
				delete(goFuncs, magic)
				freeMagic = append(freeMagic, magic)
			}
		}
	}
	goFuncsMu.Unlock()

	// Interrupt can run concurrently: it must see the flag gone before the
	// flag is freed.
	m.intr.mu.Lock()
	m.intr.data = 0
	m.intr.mu.Unlock()

	libc.Xfree(tls, m.interruptData)
	libc.Xfree(tls, m.toStringArgv)
	r := m.runtime
	abandoned := m.abandoned
	m.state = state{}
	if r.arena != nil {
		// Sandbox patch: the whole heap is the arena; unmapping it frees it.
		return r.closeArena(m)
	}
	if abandoned {
		// Freeing the objects can write to freed memory, see enter.
		r.tls.Close()
		*r = runtime{}
		return nil
	}

	lib.XJS_FreeContext(tls, ctx)
	return r.close()
}

// Eval flags.
const (
	EvalGlobal = lib.MJS_EVAL_TYPE_GLOBAL // global code
	EvalModule = lib.MJS_EVAL_TYPE_MODULE // module code
)

var evalFN = [...]byte{'<', 'e', 'v', 'a', 'l', '>', 0}

// Eval evaluates a script or module source in 'javascript'.
//
//	Javascript result type  Go result type                          Go result error
//	-------------------------------------------------------------------------------
//	exception               nil                                     non-nil
//	null                    nil                                     nil
//	undefined               Undefined                               nil
//	string                  string                                  nil
//	int                     int                                     nil
//	bool                    bool                                    nil
//	float64                 float64                                 nil
//	BigInt                  *math/big.Int                           nil
//	object                  *Object                                 nil
//	any other type          Unsupported                             nil
func (m *VM) Eval(javascript string, flags int) (r any, err error) {
	tls := m.runtime.tls
	ctx := m.cContext
	ps, err := libc.CString(javascript)
	if err != nil {
		return nil, fmt.Errorf("OOM")
	}

	defer libc.Xfree(tls, ps)

	m.enter()
	defer m.leave()
	return m.value(lib.XJS_Eval(tls, ctx, ps, libc.Tsize_t(len(javascript)), uintptr(unsafe.Pointer(&evalFN)), int32(flags)), true)
}

// ExecutePendingJobs runs queued Javascript jobs — Promise reactions (the
// .then/.catch/.finally callbacks) and async/await continuations — until the
// queue is empty, returning the number of jobs executed. The runtime does not run
// these itself: an embedding event loop calls ExecutePendingJobs at the end of
// each turn to drain the microtask queue (so a resolved Promise's .then runs, a
// pending await resumes, etc.). An exception thrown by a job is returned as an
// error — the first one — while the remaining jobs still run; a self-feeding job
// queue is bounded so it cannot hang the host. An interrupt, by Interrupt or the
// eval timeout, ends the drain: the remaining jobs stay queued.
func (m *VM) ExecutePendingJobs() (n int, err error) {
	tls := m.runtime.tls
	rt := m.runtime.cRuntime

	// pctx receives the context of a throwing job; with a single context per VM its
	// value is not otherwise needed. It is a pointer to one JSContext*.
	pctx := libc.Xcalloc(tls, 1, libc.Tsize_t(unsafe.Sizeof(uintptr(0))))
	if pctx == 0 {
		return 0, fmt.Errorf("OOM")
	}

	defer libc.Xfree(tls, pctx)

	// Re-arm the eval-timeout deadline, as the Eval* functions do. Draining runs JS
	// (Promise reactions and async continuations), so without this the whole drain
	// inherits a stale deadline from the last Eval — one that has kept
	// ticking through idle time — and is spuriously interrupted.
	m.enter()
	defer m.leave()

	const maxJobs = 1 << 20 // bound a self-feeding microtask loop so it cannot hang the host
	for n < maxJobs {
		r := lib.XJS_ExecutePendingJob(tls, rt, pctx)
		if r == 0 {
			return n, err // queue drained
		}

		n++
		if m.panicked != nil {
			// A Go function the job called panicked. The jobs left are
			// page code that must not run now, and the panic goes on in
			// leave, also when a promise took the exception thrown in its
			// place.
			return n, err
		}

		if r < 0 {
			if e := m.errFromException(); e != nil && err == nil {
				err = e // report the first failure, keep draining the rest
			}
		}

		if m.interruptData != 0 && interruptHandler(tls, 0, m.interruptData) != 0 {
			// Interrupt or the eval timeout stopped the job, also when a
			// promise took the exception the engine threw for it, and the
			// job so did not fail. The jobs left must not run now, they
			// stay queued.
			if err == nil {
				err = &Error{raw: "InternalError: interrupted", Name: "InternalError", Message: "interrupted"}
			}
			return n, err
		}
	}

	if err == nil {
		err = fmt.Errorf("quickjs: aborted draining after %d pending jobs", maxJobs)
	}
	return n, err
}

// EvalThis is like eval but sets javascript 'this' to 'obj'.
func (m *VM) EvalThis(obj Value, javascript string, flags int) (r any, err error) {
	defer obj.Free()

	tls := m.runtime.tls
	ctx := m.cContext
	ps, err := libc.CString(javascript)
	if err != nil {
		return nil, fmt.Errorf("OOM")
	}

	defer libc.Xfree(tls, ps)

	m.enter()
	defer m.leave()
	return m.value(lib.XJS_EvalThis(tls, ctx, obj.v, ps, libc.Tsize_t(len(javascript)), uintptr(unsafe.Pointer(&evalFN)), int32(flags)), true)
}

// EvalValue evaluates a script or module source in 'javascript' and returns
// the resulting Value, or an error, if any.
//
// Exceptions thrown during evaluation of the script are returned as Go errors.
//
// If no error is returned, the caller must properly handle the returned Value
// using Dup/Free.
//
// Note: See the [Value] documentation for details about manual memory
// management of Value objects.
func (m *VM) EvalValue(javascript string, flags int) (r Value, err error) {
	tls := m.runtime.tls
	ctx := m.cContext
	ps, err := libc.CString(javascript)
	if err != nil {
		return r, fmt.Errorf("OOM")
	}

	defer libc.Xfree(tls, ps)

	m.enter()
	defer m.leave()
	v := lib.XJS_Eval(tls, ctx, ps, libc.Tsize_t(len(javascript)), uintptr(unsafe.Pointer(&evalFN)), int32(flags))
	if isException(v) {
		lib.XFreeValue(tls, ctx, v)
		return r, m.errFromException()
	}

	return Value{vm: m, v: v}, nil
}

// EvalThisValue is like EvalValue but sets javascript 'this' to obj.
func (m *VM) EvalThisValue(obj Value, javascript string, flags int) (r Value, err error) {
	defer obj.Free()

	tls := m.runtime.tls
	ctx := m.cContext
	ps, err := libc.CString(javascript)
	if err != nil {
		return r, fmt.Errorf("OOM")
	}

	defer libc.Xfree(tls, ps)

	m.enter()
	defer m.leave()
	v := lib.XJS_EvalThis(tls, ctx, obj.v, ps, libc.Tsize_t(len(javascript)), uintptr(unsafe.Pointer(&evalFN)), int32(flags))
	if isException(v) {
		lib.XFreeValue(tls, ctx, v)
		return r, m.errFromException()
	}

	return Value{vm: m, v: v}, nil
}

// EvalBytecode is like Eval but uses QuickJS bytecode.
//
// Note: The bytecode format is linked to a given QuickJS version. Moreover, no security check is done before
// its execution. Hence the bytecode should not be loaded from untrusted sources.
//
// Note: Javascript 'this' is always set to the global context.
func (m *VM) EvalBytecode(bytecode []byte) (r any, err error) {
	v, err := m.EvalBytecodeValue(bytecode)
	if err != nil {
		return nil, err
	}

	return m.value(v.v, true)
}

// EvalBytecodeValue is like EvalValue but operates on QuickJS bytecode.
//
// Exceptions thrown during evaluation of the script are returned as Go errors.
//
// If no error is returned, the caller must properly handle the returned Value
// using Dup/Free.
//
// Note: See the [Value] documentation for details about manual memory
// management of Value objects.
func (m *VM) EvalBytecodeValue(bytecode []byte) (r Value, err error) {
	m.usable()
	tls := m.runtime.tls
	ctx := m.cContext
	ps, err := libc.CString(string(bytecode))
	if err != nil {
		return r, fmt.Errorf("OOM")
	}

	defer libc.Xfree(tls, ps)

	// https://github.com/bellard/quickjs/blob/eb2c89087def1829ed99630cb14b549d7a98408c/quickjs-libc.c#L4292
	obj := lib.XJS_ReadObject(tls, ctx, ps, lib.Tsize_t(len(bytecode)), lib.MJS_READ_OBJ_BYTECODE)
	if isException(obj) {
		return r, m.errFromException()
	}

	m.enter()
	defer m.leave()

	var v lib.TJSValue
	if tag(obj) == lib.EJS_TAG_MODULE {
		if lib.XJS_ResolveModule(tls, ctx, obj) < 0 {
			lib.XFreeValue(tls, ctx, obj)
			return r, m.errFromException()
		}

		lib.Xjs_module_set_import_meta(tls, ctx, obj, 0, 1)
		// 'this' is set to ctx->global_obj
		// see https://github.com/bellard/quickjs/blob/eb2c89087def1829ed99630cb14b549d7a98408c/quickjs.c#L36045
		v = lib.XJS_EvalFunction(tls, ctx, obj)
		v = lib.Xjs_std_await(tls, ctx, v)
	} else {
		v = lib.XJS_EvalFunction(tls, ctx, obj)
	}

	if isException(v) {
		lib.XFreeValue(tls, ctx, v)
		return r, m.errFromException()
	}

	return Value{vm: m, v: v}, nil
}

// Compile compiles the bytecode representation of the passed script.
//
// The returned bytecode can be later executed using EvalBytecode or EvalBytecodeValue.
//
// Note: The bytecode format is linked to a given QuickJS version.
func (m *VM) Compile(javascript string, flags int) ([]byte, error) {
	m.usable()
	tls := m.runtime.tls
	ctx := m.cContext
	// https://github.com/bellard/quickjs/blob/eb2c89087def1829ed99630cb14b549d7a98408c/qjsc.c#L346-L360

	flags |= lib.MJS_EVAL_FLAG_COMPILE_ONLY

	v, err := m.eval(javascript, flags)
	if err != nil {
		return nil, err
	}

	defer m.free(v)

	if isException(v) {
		return nil, m.errFromException()
	}

	// https://github.com/bellard/quickjs/blob/eb2c89087def1829ed99630cb14b549d7a98408c/qjsc.c#L193
	flags2 := int32(lib.MJS_WRITE_OBJ_BYTECODE)
	usize := int(unsafe.Sizeof(libc.Tsize_t(0)))
	plen := tls.Alloc(usize)
	defer tls.Free(usize)

	p := lib.XJS_WriteObject(tls, ctx, plen, v, flags2)
	if p == 0 {
		if lib.XJS_HasException(tls, ctx) != 0 {
			return nil, m.errFromException()
		}

		return nil, fmt.Errorf("cannot write the bytecode")
	}

	plen2 := int(*(*libc.Tsize_t)(unsafe.Pointer(plen)))
	b := libc.GoBytes(p, plen2)
	bcopy := make([]byte, len(b))
	copy(bcopy, b)

	lib.Xjs_free(tls, ctx, p)
	return bcopy, nil
}

func (m *VM) eval(js string, flags int) (r lib.TJSValue, err error) {
	tls := m.runtime.tls
	ctx := m.cContext
	ps, err := libc.CString(js)
	if err != nil {
		return r, fmt.Errorf("OOM")
	}

	defer libc.Xfree(tls, ps)

	m.enter()
	defer m.leave()
	return lib.XJS_Eval(tls, ctx, ps, libc.Tsize_t(len(js)), uintptr(unsafe.Pointer(&evalFN)), int32(flags)), nil
}

// GlobalObject returns m's global object.
//
// Note: See the [Value] documentation for details about manual memory
// management of Value objects.
func (m *VM) GlobalObject() (r Value) {
	m.usable()
	return Value{vm: m, v: m.globalObject()}
}

func (m *VM) globalObject() lib.TJSValue {
	return lib.XJS_GetGlobalObject(m.runtime.tls, m.cContext)
}

// Call evaluates 'function(args...)' and returns the resulting (value, error).
//
// Argument types must be one of:
//
//	Go argument type                        Javascript argument type
//	----------------------------------------------------------------
//	nil                                     null
//	Undefined                               undefined
//	string                                  string
//	int*/uint* (value in int32 range)       int
//	int*/uint* (value out of int32 range)   float
//	bool                                    bool
//	float64                                 float64
//	*math/big.Int                           BigInt
//	*Object                                 object
//	Value                                   native Javascript Value
//	any other type                          object from JSON produced by encoding.json/Marshall(arg)
func (m *VM) Call(function string, args ...any) (r any, err error) {
	tls := m.runtime.tls
	ctx := m.cContext
	ps, err := libc.CString(function)
	if err != nil {
		return nil, fmt.Errorf("OOM")
	}

	defer libc.Xfree(tls, ps)

	// Re-arm the eval-timeout deadline, as the Eval* functions do: Call runs JS (it
	// evaluates the function reference and invokes it), so without this the
	// deadline set by the last Eval keeps ticking through idle time and interrupts a
	// later Call that has not itself run long.
	m.enter()
	defer m.leave()

	f := lib.XJS_Eval(tls, ctx, ps, libc.Tsize_t(len(function)), uintptr(unsafe.Pointer(&evalFN)), int32(EvalGlobal))
	if isException(f) {
		// Evaluating 'function' threw, for example a ReferenceError for a
		// name that is not defined. That is the error, not that the result
		// is not a function.
		return nil, m.errFromException()
	}

	defer m.free(f)

	g := m.globalObject()

	defer m.free(g)

	return m.call(f, g, args...)
}

// CallValue is like Call but returns (Value, error) like EvalValue
//
// Note: See the [Value] documentation for details about manual memory
// management of Value objects.
func (m *VM) CallValue(function string, args ...any) (r Value, err error) {
	tls := m.runtime.tls
	ctx := m.cContext
	ps, err := libc.CString(function)
	if err != nil {
		return r, fmt.Errorf("OOM")
	}

	defer libc.Xfree(tls, ps)

	// Re-arm the eval-timeout deadline, as the Eval* functions do (see Call).
	m.enter()
	defer m.leave()

	f := lib.XJS_Eval(tls, ctx, ps, libc.Tsize_t(len(function)), uintptr(unsafe.Pointer(&evalFN)), int32(EvalGlobal))
	if isException(f) {
		return r, m.errFromException() // see Call
	}

	defer m.free(f)

	g := m.globalObject()

	defer m.free(g)

	return m.callValue(f, g, args...)
}

func (m *VM) convertArgs(goArgs ...any) (jsArgs, free []lib.TJSValue, err error) {
	tls := m.runtime.tls
	ctx := m.cContext

	defer func() {
		if err != nil && len(free) != 0 {
			for _, v := range free {
				m.free(v)
			}
			free = nil
		}
	}()

	for _, v := range goArgs {
		switch x := v.(type) {
		case nil:
			jsArgs = append(jsArgs, null)
		case Value:
			if x.vm != m && tag(x.v) < 0 {
				return nil, free, fmt.Errorf("cannot use a Value from a different VM")
			}

			dup := x.Dup().v
			free = append(free, dup)
			jsArgs = append(jsArgs, dup)
		case Undefined:
			jsArgs = append(jsArgs, undefined)
		case int8:
			jsArgs = append(jsArgs, newInt32(int32(x)))
		case uint8:
			jsArgs = append(jsArgs, newInt32(int32(x)))
		case int16:
			jsArgs = append(jsArgs, newInt32(int32(x)))
		case uint16:
			jsArgs = append(jsArgs, newInt32(int32(x)))
		case int32:
			jsArgs = append(jsArgs, newInt32(int32(x)))
		case uint32:
			switch {
			case x <= math.MaxInt32:
				jsArgs = append(jsArgs, newInt32(int32(x)))
			default:
				jsArgs = append(jsArgs, newFloat(float64(x)))
			}
		case int:
			switch {
			case x >= math.MinInt32 && x <= math.MaxInt32:
				jsArgs = append(jsArgs, newInt32(int32(x)))
			default:
				jsArgs = append(jsArgs, newFloat(float64(x)))
			}
		case uint:
			switch {
			case x <= math.MaxInt32:
				jsArgs = append(jsArgs, newInt32(int32(x)))
			default:
				jsArgs = append(jsArgs, newFloat(float64(x)))
			}
		case int64:
			switch {
			case x >= math.MinInt32 && x <= math.MaxInt32:
				jsArgs = append(jsArgs, newInt32(int32(x)))
			default:
				jsArgs = append(jsArgs, newFloat(float64(x)))
			}
		case uint64:
			switch {
			case x <= math.MaxInt32:
				jsArgs = append(jsArgs, newInt32(int32(x)))
			default:
				jsArgs = append(jsArgs, newFloat(float64(x)))
			}
		case bool:
			jsArgs = append(jsArgs, newBool(x))
		case string:
			x = m.toJS(x)
			p, err := libc.CString(x)
			if err != nil {
				return nil, free, err
			}

			defer libc.Xfree(tls, p)

			jv := lib.XJS_NewStringLen(tls, ctx, p, libc.Tsize_t(len(x)))
			free = append(free, jv)
			jsArgs = append(jsArgs, jv)
		case *big.Int:
			s := x.String() + "n"
			jv, err := m.eval(s, EvalGlobal)
			if err != nil {
				return nil, free, err
			}

			free = append(free, jv)
			jsArgs = append(jsArgs, jv)
		default:
			b, err := json.Marshal(x)
			if err != nil {
				return nil, free, err
			}

			p, err := libc.CString(string(b))
			if err != nil {
				return nil, free, err
			}

			defer libc.Xfree(tls, p)

			jv := lib.XJS_ParseJSON(tls, ctx, p, libc.Tsize_t(len(b)), uintptr(unsafe.Pointer(&evalFN)))
			free = append(free, jv)
			jsArgs = append(jsArgs, jv)
		}
	}
	return jsArgs, free, nil
}

// Note: See the [Value] documentation for details about manual memory
// management of Value objects.
func (m *VM) callValue(f, this lib.TJSValue, args ...any) (r Value, err error) {
	tls := m.runtime.tls
	ctx := m.cContext
	if lib.XJS_IsFunction(tls, ctx, f) == 0 {
		return r, fmt.Errorf("cannot call a non-function")
	}

	jsArgs, free, err := m.convertArgs(args...)
	if err != nil {
		return r, err
	}

	if len(free) != 0 {
		defer func() {
			for _, v := range free {
				m.free(v)
			}
		}()
	}
	var argv uintptr
	if len(jsArgs) != 0 {
		sz := libc.Tsize_t(sizeofJsValue * uintptr(len(jsArgs)))
		argv = libc.Xmalloc(tls, sz)

		defer libc.Xfree(tls, argv)

		for i, v := range jsArgs {
			unsafe.Slice((*lib.TJSValue)(unsafe.Pointer(argv)), len(jsArgs))[i] = v
		}

	}
	v := lib.XJS_Call(tls, ctx, f, this, int32(len(jsArgs)), argv)
	if isException(v) {
		lib.XFreeValue(tls, ctx, v)
		return r, m.errFromException()
	}

	return Value{vm: m, v: v}, nil
}

func (m *VM) call(f, this lib.TJSValue, args ...any) (r any, err error) {
	tls := m.runtime.tls
	ctx := m.cContext
	if lib.XJS_IsFunction(tls, ctx, f) == 0 {
		return nil, fmt.Errorf("cannot call a non-function")
	}

	jsArgs, free, err := m.convertArgs(args...)
	if err != nil {
		return nil, err
	}

	if len(free) != 0 {
		defer func() {
			for _, v := range free {
				m.free(v)
			}
		}()
	}
	var argv uintptr
	if len(jsArgs) != 0 {
		sz := libc.Tsize_t(sizeofJsValue * uintptr(len(jsArgs)))
		argv = libc.Xmalloc(tls, sz)

		defer libc.Xfree(tls, argv)

		for i, v := range jsArgs {
			unsafe.Slice((*lib.TJSValue)(unsafe.Pointer(argv)), len(jsArgs))[i] = v
		}

	}
	return m.value(lib.XJS_Call(tls, ctx, f, this, int32(len(jsArgs)), argv), true)
}

// goString converts the JS value 'v' to a Go string; the JS -> Go half of the
// string bridge, JS_NewStringLen being the other.
//
// It is length-based on purpose. JS_ToCString hands out a NUL-terminated
// buffer, but a JavaScript string is a sequence of UTF-16 code units and U+0000
// is an ordinary one - a binary string built with String.fromCharCode, btoa's
// argument, pixel data - so libc.GoString over that buffer cut every such string
// at its first NUL, and a host function could not tell a truncated argument
// from a short one. JS_ToCStringLen2 reports the length instead, and the bytes
// are copied out before the buffer is released.
//
// The conversion can throw: the UTF-8 copy, which a string with non-ASCII
// characters or one built by concatenation needs, can run out of memory, and a
// value that is not a string has its toString called. 'ok' is then false and
// the exception is left pending, see [VM.goString] and errString.
func (m *VM) cString(v lib.TJSValue) (s string, ok bool) {
	tls := m.runtime.tls
	ctx := m.cContext
	// The out-parameter lives on the emulated C stack, never the Go stack: the
	// transpiled callee holds it as a uintptr, which a Go stack move would leave
	// dangling.
	usize := int(unsafe.Sizeof(libc.Tsize_t(0)))
	plen := tls.Alloc(usize)

	defer tls.Free(usize)

	p := lib.XJS_ToCStringLen2(tls, ctx, plen, v, 0)
	if p == 0 {
		return "", false
	}

	defer lib.XJS_FreeCString(tls, ctx, p)

	return m.fromJS(unsafe.Slice((*byte)(unsafe.Pointer(p)), *(*libc.Tsize_t)(unsafe.Pointer(plen)))), true
}

// goString is cString for a caller that returns the failure as its error: it
// takes the exception out of the context, for example the engine's out of
// memory error, and returns it.
func (m *VM) goString(v lib.TJSValue) (string, error) {
	s, ok := m.cString(v)
	if !ok {
		return "", m.errFromException()
	}

	return s, nil
}

// errString is cString for ErrorFromValue, which has no error result and which
// errFromException calls, so a failure cannot become an error without
// recursing. errString drops the exception of a failed conversion and returns
// "": the exception being read is the one to report, and one left pending
// would be reported by the next unrelated call that finds it.
func (m *VM) errString(v lib.TJSValue) string {
	s, ok := m.cString(v)
	if !ok {
		dropException(m.runtime.tls, m.cContext)
	}

	return s
}

// dropException frees the exception pending in 'ctx'.
func dropException(tls *libc.TLS, ctx uintptr) {
	lib.XFreeValue(tls, ctx, lib.XJS_GetException(tls, ctx))
}

// cGoString returns the NUL terminated string 'p', which the engine wrote from
// a Javascript string, as a Go string. See fromJS.
func (m *VM) cGoString(tls *libc.TLS, p uintptr) string {
	return m.fromJS(unsafe.Slice((*byte)(unsafe.Pointer(p)), libc.Xstrlen(tls, p)))
}

// fromJS returns 'b', UTF-8 the engine wrote from a Javascript string, as a Go
// string: as it is, which is WTF-8, when 'm' is set to keep lone surrogates,
// see [VM.SetWTF8], and through wellFormed otherwise.
func (m *VM) fromJS(b []byte) string {
	if m.wtf8 {
		return string(b)
	}

	return wellFormed(b)
}

// toJS returns 's' as 'm' hands a Go string to the engine: through validWTF8
// when 'm' is set to keep lone surrogates, see [VM.SetWTF8], and through
// validUTF8 otherwise.
func (m *VM) toJS(s string) string {
	if m.wtf8 {
		return validWTF8(s)
	}

	return validUTF8(s)
}

// wellFormed returns 'b', UTF-8 the engine wrote from a Javascript string, as a
// Go string with U+FFFD for each lone surrogate. A Javascript string is UTF-16
// and can hold one half of a surrogate pair without the other, for example
// where code cut a string inside an emoji. The engine writes a pair as the one
// character it encodes, but a lone surrogate as the three bytes of its code
// point, 0xED 0xA0-0xBF 0x80-0xBF, which is not UTF-8: the Go string would
// carry bytes that decode as three U+FFFD. Go's utf16.Decode, a browser's
// TextEncoder and Node's Buffer make one U+FFFD of a lone surrogate, and so
// does wellFormed. In valid UTF-8, 0xED is never followed by a byte above 0x9F,
// and U+FFFD takes three bytes too, so the result is as long as 'b'.
func wellFormed(b []byte) string {
	var r []byte
	for i := 0; ; {
		j := bytes.IndexByte(b[i:], 0xed)
		if j < 0 {
			break
		}

		i += j
		if i+2 >= len(b) {
			break
		}

		if b[i+1] < 0xa0 {
			i++
			continue
		}

		if r == nil {
			r = bytes.Clone(b)
		}
		copy(r[i:], "\uFFFD")
		i += 3
	}
	if r == nil {
		return string(b)
	}

	return unsafe.String(unsafe.SliceData(r), len(r))
}

// validUTF8 returns 's' with U+FFFD for each byte that does not start a valid
// UTF-8 sequence, the Go -> Javascript counterpart of wellFormed. That is how
// Go decodes a string, in a for range loop, to []rune or with utf16.Encode,
// and how encoding/json writes one, so a string reaches Javascript the same
// way whether it is passed as it is or inside a value converted through JSON.
// Given invalid UTF-8, the engine skipped the bytes after an invalid one,
// ASCII included, and decoded the three-byte form of a surrogate (CESU-8) as
// that surrogate.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}

	var b strings.Builder
	b.Grow(len(s) + 2*utf8.UTFMax)
	for _, r := range s { // an invalid byte comes as utf8.RuneError
		b.WriteRune(r)
	}
	return b.String()
}

// validWTF8 is validUTF8 that keeps the three-byte form of a surrogate, which
// the engine decodes as that code unit. Unlike in WTF-8, a high surrogate
// followed by a low one may come in that form too, as when Go concatenates
// two strings that each hold one half of a pair. In Javascript the two make
// the pair. See [VM.SetWTF8].
func validWTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}

	var b strings.Builder
	b.Grow(len(s) + 2*utf8.UTFMax)
	for i := 0; i < len(s); {
		if isSurrogate(s[i:]) {
			b.WriteString(s[i : i+3])
			i += 3
			continue
		}

		r, n := utf8.DecodeRuneInString(s[i:]) // an invalid byte comes as utf8.RuneError
		b.WriteRune(r)
		i += n
	}
	return b.String()
}

// isSurrogate reports whether 's' starts with the three bytes of a surrogate's
// code point, 0xED 0xA0-0xBF 0x80-0xBF, which the engine writes for a lone
// one.
func isSurrogate(s string) bool {
	return len(s) >= 3 && s[0] == 0xed && s[1] >= 0xa0 && s[1] <= 0xbf && s[2] >= 0x80 && s[2] <= 0xbf
}

func (m *VM) newObject(v lib.TJSValue) (r *Object, err error) {
	tls := m.runtime.tls
	ctx := m.cContext
	json := lib.XJS_JSONStringify(tls, ctx, v, undefined, undefined)

	defer m.free(json)

	if isException(json) {
		return nil, m.errFromException()
	}

	s, err := m.goString(json)
	if err != nil {
		return nil, err
	}

	return &Object{json: s}, nil
}

var (
	toStringC = [...]byte{'t', 'o', 'S', 't', 'r', 'i', 'n', 'g', 0}
	toString  = uintptr(unsafe.Pointer(&toStringC[0]))

	// C string property names, read by ErrorFromValue.
	messageC  = [...]byte{'m', 'e', 's', 's', 'a', 'g', 'e', 0}
	nameC     = [...]byte{'n', 'a', 'm', 'e', 0}
	stackC    = [...]byte{'s', 't', 'a', 'c', 'k', 0}
	lineNumC  = [...]byte{'l', 'i', 'n', 'e', 'N', 'u', 'm', 'b', 'e', 'r', 0}
	colNumC   = [...]byte{'c', 'o', 'l', 'u', 'm', 'n', 'N', 'u', 'm', 'b', 'e', 'r', 0}
	fileNameC = [...]byte{'f', 'i', 'l', 'e', 'N', 'a', 'm', 'e', 0}
)

// value "unpacks" 'v'. FreeValue(v) is called before returning, 'v' must not
// be used afterwards.
func (m *VM) value(v lib.TJSValue, free bool) (r any, err error) {
	tls := m.runtime.tls
	ctx := m.cContext
	if free && tag(v) < 0 {
		// all tags with a reference count are negative
		defer m.free(v)
	}

	switch tag(v) {
	case
		lib.EJS_TAG_BIG_INT,       // -9,
		lib.EJS_TAG_SHORT_BIG_INT: // 7,

		ps := lib.XJS_GetPropertyStr(tls, ctx, v, toString)
		if isException(ps) {
			return nil, m.errFromException()
		}

		defer m.free(ps)

		if tag(ps) != lib.EJS_TAG_OBJECT {
			return nil, fmt.Errorf("failed to get BigInt.toString()")
		}

		*(*lib.TJSValue)(unsafe.Pointer(m.toStringArgv)) = m.int32_16
		jsString := lib.XJS_Call(tls, ctx, ps, v, 1, m.toStringArgv)
		if isException(jsString) {
			return nil, m.errFromException()
		}

		defer m.free(jsString)

		s, err := m.goString(jsString)
		if err != nil {
			return nil, err
		}

		n := big.NewInt(0)
		if _, ok := n.SetString(s, 16); !ok {
			return nil, fmt.Errorf("big.Int.SetString failed")
		}

		return n, nil
	case
		lib.EJS_TAG_STRING_ROPE, // -6,
		lib.EJS_TAG_STRING:      // -7,

		return m.goString(v)
	case lib.EJS_TAG_OBJECT: // -1
		return m.newObject(v)
	case lib.EJS_TAG_INT: //  0,
		return int(jsvToInt32(v)), nil
	case lib.EJS_TAG_BOOL: //  1,
		return jsvToInt32(v) != 0, nil
	case lib.EJS_TAG_NULL: //  2,
		return nil, nil
	case lib.EJS_TAG_UNDEFINED: //  3,
		return Undefined{}, nil
	case lib.EJS_TAG_EXCEPTION: // 6,
		return nil, m.errFromException()
		panic(todo(""))
	case lib.EJS_TAG_FLOAT64: // 8,
		return jsvToFloat64(v), nil
	}
	return Unsupported{}, nil
}

// errStrProp reads the string-valued property 'name' from error value 'v',
// returning "" when the property is absent or not a string, or when reading or
// converting it throws. That exception is dropped, see errString. 'v' is
// borrowed.
func (m *VM) errStrProp(v lib.TJSValue, name uintptr) (r string) {
	tls := m.runtime.tls
	ctx := m.cContext
	vr := lib.XJS_GetPropertyStr(tls, ctx, v, name)
	if isException(vr) {
		// A getter threw, or 'v' has no properties, as after 'throw null'.
		dropException(tls, ctx)
		return ""
	}

	defer m.free(vr)

	if tag(vr) == lib.EJS_TAG_STRING || tag(vr) == lib.EJS_TAG_STRING_ROPE {
		return m.errString(vr)
	}

	return ""
}

// errIntProp reads the integer-valued property 'name' from error value 'v',
// returning 0 when the property is absent or not numeric, or when reading it
// throws. That exception is dropped, see errString. 'v' is borrowed.
func (m *VM) errIntProp(v lib.TJSValue, name uintptr) (r int) {
	tls := m.runtime.tls
	ctx := m.cContext
	vr := lib.XJS_GetPropertyStr(tls, ctx, v, name)
	if isException(vr) {
		dropException(tls, ctx)
		return 0
	}

	defer m.free(vr)

	switch tag(vr) {
	case lib.EJS_TAG_INT:
		return int(jsvToInt32(vr))
	case lib.EJS_TAG_FLOAT64:
		return int(jsvToFloat64(vr))
	}

	return 0
}

// ErrorFromValue extracts structured error information from JavaScript error
// value 'v', typically an Error instance caught from a JS exception.
//
// 'v' is borrowed: ErrorFromValue does not free it and the caller remains
// responsible for its lifetime. Like all VM operations it must be called from
// the VM's own goroutine. See [Error] for which fields are populated.
//
// A field that cannot be read stays empty: the result of the Error method when
// the toString of 'v' throws, a property whose getter throws, any property of
// a value that has none, such as null, and a string when there is no memory
// to convert it. ErrorFromValue drops the exceptions that reading throws, so
// it leaves none pending.
func ErrorFromValue(v Value) *Error {
	m := v.vm
	m.enter() // toString and getters run Javascript
	defer m.leave()

	return &Error{
		raw:          m.errString(v.v),
		Name:         m.errStrProp(v.v, uintptr(unsafe.Pointer(&nameC[0]))),
		Message:      m.errStrProp(v.v, uintptr(unsafe.Pointer(&messageC[0]))),
		Stack:        m.errStrProp(v.v, uintptr(unsafe.Pointer(&stackC[0]))),
		LineNumber:   m.errIntProp(v.v, uintptr(unsafe.Pointer(&lineNumC[0]))),
		ColumnNumber: m.errIntProp(v.v, uintptr(unsafe.Pointer(&colNumC[0]))),
		FileName:     m.errStrProp(v.v, uintptr(unsafe.Pointer(&fileNameC[0]))),
	}
}

func (m *VM) errFromException() error {
	tls := m.runtime.tls
	ctx := m.cContext
	e := lib.XJS_GetException(tls, ctx)

	defer m.free(e)

	// The exception hostPanic threw in place of a panic is not an error: the
	// panic goes on.
	m.repanic()
	return ErrorFromValue(Value{vm: m, v: e})
}

// hostPanic keeps 'p', what Go code that Javascript called panicked with, and
// throws an uncatchable InternalError in its place, as the engine does for an
// interrupt: no catch or finally block of the script runs for it. 'what' names
// the Go code in the message. A panic must not unwind through the engine. It
// left the engine pointing at stack frames that were gone, the next error the
// engine made walked them, and the VM no longer stopped at its eval timeout,
// or crashed the process. The panic goes on with the same value in the Go code
// that called Javascript, see leave and errFromException. That can be a Go
// function one level up, which then panics the same way.
func (m *VM) hostPanic(tls *libc.TLS, ctx uintptr, what string, p any) lib.TJSValue {
	if m.panicked == nil {
		m.panicked = p
	}
	return m.throwUncatchable(tls, ctx, fmt.Sprintf("panic in %s: %v", what, p))
}

// hostDone is called when Go code that Javascript called returns. If 'm' is
// interrupted, by Interrupt or the eval timeout, it throws what the engine
// throws then, returns the exception and reports true: the Javascript that
// called the Go code must end too, whatever the Go code returned. The engine
// checks for an interrupt only now and then, and it could find it inside
// Javascript the Go code evaluated on 'm' every time. The Go code got that as
// an error and could take it for one of its own, so the script calling it in a
// loop never ended.
func (m *VM) hostDone(tls *libc.TLS, ctx uintptr) (r lib.TJSValue, interrupted bool) {
	if m.interruptData == 0 || interruptHandler(tls, 0, m.interruptData) == 0 {
		return r, false
	}

	return m.throwUncatchable(tls, ctx, "interrupted"), true
}

// hostCall runs 'f', Go code that Javascript called and that has no other
// recovery, and reports whether it failed, by a panic or an interrupt. The
// exception is then pending. See hostPanic and hostDone.
func (m *VM) hostCall(tls *libc.TLS, ctx uintptr, what string, f func()) (failed bool) {
	prev := m.hostEnter()
	returned := false
	defer func() {
		switch {
		case m.hostEnded(prev, returned):
			// The panic or runtime.Goexit goes on up through the engine.
		case returned:
			_, failed = m.hostDone(tls, ctx)
		default:
			if p := recover(); p != nil {
				m.hostPanic(tls, ctx, what, p)
				failed = true
				return
			}

			// runtime.Goexit, which goes on up through the engine.
			m.abandoned = true
		}
	}()

	f()
	returned = true
	return false
}

// throwUncatchable throws an InternalError with 'msg' that no catch or
// finally block of a script runs for, as the engine does for an interrupt.
func (m *VM) throwUncatchable(tls *libc.TLS, ctx uintptr, msg string) lib.TJSValue {
	r := m.throwInternalError(tls, ctx, msg)
	lib.XJS_SetUncatchableException(tls, ctx, 1)
	return r
}

// repanic goes on with the panic hostPanic kept, if any. It first drops the
// exception thrown in place of the panic, when it is still pending, and clears
// the uncatchable flag, so that the VM can be used again once the panic is
// recovered.
func (m *VM) repanic() {
	p := m.panicked
	if p == nil {
		return
	}

	m.panicked = nil
	tls := m.runtime.tls
	ctx := m.cContext
	if lib.XJS_HasException(tls, ctx) != 0 {
		dropException(tls, ctx)
	}
	lib.XJS_SetUncatchableException(tls, ctx, 0)
	panic(p)
}

// StdAddHelpers adds the 'print' and 'console' global objects to 'm'.
func (m *VM) StdAddHelpers() error {
	m.usable()
	tls := m.runtime.tls
	ctx := m.cContext
	lib.Xjs_std_add_helpers(tls, ctx, -1, 0)
	return nil
}

var (
	// The C format string used for all messages produced on the Go side. The
	// message must never be passed as the format itself, it is not a literal
	// and any '%' in it would be taken for a conversion specification.
	percentSC = [...]byte{'%', 's', 0}
	percentS  = uintptr(unsafe.Pointer(&percentSC[0]))
)

func (m *VM) throwTypeError(tls *libc.TLS, ctx uintptr, msg string) (r lib.TJSValue) {
	return throwError(tls, ctx, lib.XJS_ThrowTypeError, m.toJS(msg))
}

func (m *VM) throwInternalError(tls *libc.TLS, ctx uintptr, msg string) (r lib.TJSValue) {
	return throwError(tls, ctx, lib.XJS_ThrowInternalError, m.toJS(msg))
}

// throwError throws the error of 'throw', lib.XJS_ThrowTypeError or the like,
// with 'msg', which toJS returned or which is ASCII.
func throwError(tls *libc.TLS, ctx uintptr, throw func(*libc.TLS, uintptr, uintptr, uintptr) lib.TJSValue, msg string) (r lib.TJSValue) {
	p, err := libc.CString(msg)
	if err != nil {
		return throw(tls, ctx, 0, 0)
	}

	defer libc.Xfree(tls, p)

	bp := tls.Alloc(16)

	defer tls.Free(16)

	return throw(tls, ctx, percentS, libc.VaList(bp+8, p))
}

type goFunc struct {
	f            reflect.Value
	in           []reflect.Type
	name         string
	out          []reflect.Type
	variadicType reflect.Type
	vm           *VM

	minArgs int
	maxArgs int

	wantThis bool
	hostFunc bool
}

// RegisterFunc registers a Go function 'f' and makes it callable from
// Javascript.
//
// The 'f' argument can be a regular Go function, a closure, a method
// expression or a method value. All of them are called 'Go function' below.
//
// The Go function can have zero or more parameters. If 'wantThis' is true then
// the first parameter of the Go function will get the Javascript value of
// 'this'.  Depending on context, 'this' can be Javascript null or undefined.
//
// Go functions with multiple results return them as an Javascript array.
//
// Go nil errors are converted to Javascript null.
//
// Go non-nil errors are converted to Javascript strings using the Error()
// method.
//
// Any Go <-> Javascript failing type conversion between arguments/return
// values throws a Javascript type error exception.
//
// There is a limit on the total number of currently registered Go
// functions.
//
// The Go function becomes the property 'name' of the global object, writable,
// configurable and not enumerable. It replaces a configurable property of that
// name, such as one a script assigned or a built-in like Array. A property
// that is not configurable, such as undefined, NaN or one a script declared
// with var or function, stays, and RegisterFunc returns an error, as it does
// when the global object is not extensible. A name registered before on the
// same VM is an error too, even when a script has since deleted or replaced
// that function. 'name' is the string Javascript sees, with invalid UTF-8
// replaced as for any other Go string, so two Go strings can be the same name.
// A NUL byte in 'name' is an error.
//
// Note: The 'name' argument should be a valid Javascript identifier. It is not
// currently enforced but this may change later.
//
// For binding host objects (a DOM, console, fetch, …) prefer RegisterHostFunc,
// which gives the more convenient single-return / error-throws-exception shape.
func (m *VM) RegisterFunc(name string, f any, wantThis bool) error {
	return m.registerFunc(name, f, wantThis, false)
}

// HostFunc is a Go function exposed to JavaScript by RegisterHostFunc. It
// receives the call arguments already converted to Go values and returns a
// single value to convert back to JS, or a non-nil error which is thrown as a
// JavaScript exception.
type HostFunc func(args []any) (any, error)

// RegisterHostFunc exposes fn to JavaScript as a global function named name,
// using the calling convention an embedding host wants: every JS call argument
// arrives in the single []any slice (already converted to Go values), fn returns
// exactly one value to convert back to JS, and a non-nil error is thrown as a
// JavaScript exception.
//
// This differs from RegisterFunc, whose reflection mapping turns a Go
// multiple-return into a JS array and converts a returned error like any other
// value (so a (value, error) pair becomes the array [value, error] rather than a
// value-or-throw). RegisterHostFunc is the better fit for binding host objects;
// RegisterFunc remains for direct, typed Go calls.
//
// 'name' is handled as by RegisterFunc, also when the global object already
// has it.
func (m *VM) RegisterHostFunc(name string, fn HostFunc) error {
	if fn == nil {
		return fmt.Errorf("host func %q cannot be nil", name)
	}

	// Register a variadic adapter so every JS argument is collected into the one
	// []any; the host flag makes callGo return fn's value directly and throw on a
	// non-nil error, instead of array-wrapping the (value, error) pair.
	return m.registerFunc(name, func(args ...any) (any, error) { return fn(args) }, false, true)
}

func (m *VM) registerFunc(name string, f any, wantThis, host bool) (err error) {
	m.usable()
	if name == "" {
		return fmt.Errorf("func name cannot be empty")
	}

	jsName := m.toJS(name)
	if strings.IndexByte(jsName, 0) >= 0 {
		return fmt.Errorf("func name cannot contain a NUL byte: %q", name)
	}

	if _, ok := m.goFuncs[jsName]; ok {
		return fmt.Errorf("func already registered: %s", name)
	}

	val := reflect.ValueOf(f)
	typ := reflect.TypeOf(f)
	if typ.Kind() != reflect.Func {
		return fmt.Errorf("%s is not a function", name)
	}

	if wantThis && typ.NumIn() == 0 {
		return fmt.Errorf("'wantThis' is true but 'f' has zero parameters")
	}

	minArgs := typ.NumIn()
	if wantThis {
		minArgs--
	}
	maxArgs := minArgs
	var vt reflect.Type
	if typ.IsVariadic() {
		maxArgs = -1
		sliceT := typ.In(typ.NumIn() - 1)
		vt = sliceT.Elem()
		minArgs--
	}
	info := &goFunc{
		f:            val,
		maxArgs:      maxArgs,
		minArgs:      minArgs,
		name:         name,
		variadicType: vt,
		vm:           m,
		wantThis:     wantThis,
		hostFunc:     host,
	}
	for i := 0; i < typ.NumIn(); i++ {
		info.in = append(info.in, typ.In(i))
	}
	if maxArgs < 0 {
		info.in = info.in[:len(info.in)-1]
	}
	for i := 0; i < typ.NumOut(); i++ {
		info.out = append(info.out, typ.Out(i))
	}

	magic, err := registerCallback(info)
	if err != nil {
		return err
	}

	argc := int32(typ.NumIn()) - 1
	if argc < 0 {
		argc = 0
	}
	if err := m.defineFunc(jsName, magic, argc); err != nil {
		releaseMagic(magic)
		return fmt.Errorf("cannot register func %s: %w", name, err)
	}

	if m.goFuncs == nil {
		m.goFuncs = map[string]int32{}
	}
	m.goFuncs[jsName] = magic
	return nil
}

// defineFunc makes the global property 'name' a function of 'length' arguments
// that calls the Go function registered as 'magic'. See RegisterFunc for how
// the property is defined. It does not use JS_SetPropertyFunctionList, which
// is meant for objects that do not have the property yet: it aborted the
// process when the global object had it, as after 'globalThis.f = 1', and for
// built-ins like Array.
func (m *VM) defineFunc(name string, magic, length int32) error {
	tls := m.runtime.tls
	ctx := m.cContext
	cName, err := libc.CString(name)
	if err != nil {
		return err
	}

	// The function and the property copy the name.
	defer libc.Xfree(tls, cName)

	fn := lib.XJS_NewCFunction2(tls, ctx, fp(callGo), cName, length, lib.EJS_CFUNC_generic_magic, magic)
	if isException(fn) {
		return m.errFromException()
	}

	g := m.globalObject()

	defer m.free(g)

	// JS_DefinePropertyValueStr takes over 'fn', also when it fails.
	if lib.XJS_DefinePropertyValueStr(tls, ctx, g, cName, fn, lib.MJS_PROP_WRITABLE|lib.MJS_PROP_CONFIGURABLE|lib.MJS_PROP_THROW) < 0 {
		return m.errFromException()
	}

	return nil
}

// registerCallback allocates a magic number for the given goFunc and stores
// it in the global goFuncs map. It returns the allocated magic number or an error.
func registerCallback(info *goFunc) (int32, error) {
	goFuncsMu.Lock()
	defer goFuncsMu.Unlock()
	if n := len(freeMagic); n > 0 {
		k := freeMagic[n-1]
		freeMagic = freeMagic[:n-1]
		goFuncs[k] = info
		info.track(k)
		return k, nil
	}
	magic := staticMagic.Add(1)
	if magic > math.MaxInt16 {
		staticMagic.Add(-1)
		return -1, fmt.Errorf("too many registered functions")
	}
	goFuncs[magic] = info
	info.track(magic)
	return magic, nil
}

// releaseMagic removes the Go function associated with magic from the global
// tables, returning it to the free pool.
func releaseMagic(magic int32) {
	goFuncsMu.Lock()
	// Append only if the magic was actually registered. freeMagic is a slice,
	// so unlike the old map it does not dedup: a double release would queue the
	// same magic twice and later hand it to two live callbacks at once.
	if f, ok := goFuncs[magic]; ok && !f.onArena() {
		delete(goFuncs, magic)
		freeMagic = append(freeMagic, magic)
	}
	goFuncsMu.Unlock()
}

var rvt = reflect.TypeOf(Value{})

func isNative(t reflect.Type) bool {
	return t == rvt
}

// canBeNil reports whether nil is a valid value of type 't'. Javascript null
// converts to a Go nil, so it can be passed only to a parameter able to hold
// one. Coercing it to the zero value of, say, string or int would silently
// make f(null) indistinguishable from f("") or f(0).
func canBeNil(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Chan, reflect.Func, reflect.Interface, reflect.Map, reflect.Pointer, reflect.Slice, reflect.UnsafePointer:
		return true
	}

	return false
}

func fp(f interface{}) uintptr {
	type iface [2]uintptr
	return (*iface)(unsafe.Pointer(&f))[1]
}

// typedef JSValue JSCFunctionMagic(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic);
func callGo(tls *libc.TLS, ctx uintptr, this lib.TJSValue, argc int32, argv uintptr, magic int32) (r lib.TJSValue) {
	goFuncsMu.Lock()
	info := goFuncs[magic]
	goFuncsMu.Unlock()

	if info == nil {
		// No VM to convert the message for, and it is ASCII.
		return throwError(tls, ctx, lib.XJS_ThrowInternalError, fmt.Sprintf("callback id=%d not registered", magic))
	}

	m := info.vm
	prev := m.hostEnter()
	returned := false
	defer func() {
		switch {
		case m.hostEnded(prev, returned):
			// The panic or runtime.Goexit goes on up through the engine.
		case returned:
			if e, ok := m.hostDone(tls, ctx); ok {
				if !isException(r) {
					lib.XFreeValue(tls, ctx, r)
				}
				r = e
			}
		default:
			if p := recover(); p != nil {
				r = m.hostPanic(tls, ctx, "Go function "+info.name, p)
				return
			}

			// runtime.Goexit, which goes on up through the engine.
			m.abandoned = true
		}
	}()

	r = m.callGoFunc(info, this, argc, argv)
	returned = true
	return r
}

// callGoFunc converts the arguments of a call of 'info' from Javascript, calls
// it and converts its results.
func (m *VM) callGoFunc(info *goFunc, this lib.TJSValue, argc int32, argv uintptr) (r lib.TJSValue) {
	tls := m.runtime.tls
	ctx := m.cContext
	haveArgs := int(argc)
	if haveArgs < info.minArgs {
		return m.throwTypeError(tls, ctx, fmt.Sprintf("not enough arguments in call to %s", info.name))
	}

	if info.maxArgs >= 0 && haveArgs > info.maxArgs {
		return m.throwTypeError(tls, ctx, fmt.Sprintf("too many arguments in call to %s", info.name))
	}

	var in []reflect.Value
	i := 0
	if info.wantThis {
		switch {
		case isNative(info.in[0]):
			dup := lib.XDupValue(tls, ctx, this)
			defer m.free(dup)
			in = append(in, reflect.ValueOf(Value{vm: m, v: dup}))
		default:
			v, err := m.value(this, false)
			if err != nil {
				return m.throwTypeError(tls, ctx, fmt.Sprintf("calling %s: argument conversion error: %v", info.name, err))
			}

			rv := reflect.ValueOf(v)
			switch {
			case !rv.IsValid(): // Javascript null, m.value returns a nil any for it.
				if !canBeNil(info.in[0]) {
					return m.throwTypeError(tls, ctx, fmt.Sprintf("calling %s: cannot assign null to %s", info.name, info.in[0]))
				}

				rv = reflect.Zero(info.in[0])
			case !rv.Type().AssignableTo(info.in[0]):
				return m.throwTypeError(tls, ctx, fmt.Sprintf("calling %s: cannot assign %s to %s", info.name, rv.Type(), info.in[0]))
			}

			in = append(in, rv)
		}
		i++
	}
	types := info.in[i:]
	for i := 0; i < int(argc); i++ {
		var typ reflect.Type
		switch {
		case i < len(types):
			typ = types[i]
		default:
			typ = info.variadicType
		}
		switch {
		case isNative(typ):
			dup := lib.XDupValue(tls, ctx, *(*lib.TJSValue)(unsafe.Pointer(argv)))
			defer m.free(dup)
			in = append(in, reflect.ValueOf(Value{vm: m, v: dup}))
		default:
			v, err := m.value(*(*lib.TJSValue)(unsafe.Pointer(argv)), false)
			if err != nil {
				return m.throwTypeError(tls, ctx, fmt.Sprintf("calling %s: argument conversion error: %v", info.name, err))
			}

			rv := reflect.ValueOf(v)
			switch {
			case !rv.IsValid(): // Javascript null, m.value returns a nil any for it.
				if !canBeNil(typ) {
					return m.throwTypeError(tls, ctx, fmt.Sprintf("calling %s: cannot assign null to %s", info.name, typ))
				}

				rv = reflect.Zero(typ)
			case !rv.Type().AssignableTo(typ):
				return m.throwTypeError(tls, ctx, fmt.Sprintf("calling %s: cannot assign %s to %s", info.name, rv.Type(), typ))
			}

			in = append(in, rv)
		}
		argv += sizeofJsValue
	}

	out := info.f.Call(in)
	var err error

	// A host function (RegisterHostFunc) has the fixed shape func(...any) (any,
	// error): return its single value, or throw a JS exception for a non-nil
	// error — rather than array-wrapping the (value, error) pair.
	if info.hostFunc {
		if e, _ := out[1].Interface().(error); e != nil {
			return m.throwTypeError(tls, ctx, e.Error())
		}
		r, err = m.jsValue(out[0])
		if err != nil {
			return m.throwTypeError(tls, ctx, fmt.Sprintf("callback %s: %v", info.name, err))
		}
		return r
	}

	switch len(info.out) {
	case 0:
		return undefined
	case 1:
		switch {
		case isNative(info.out[0]):
			x, ok := out[0].Interface().(Value)
			if !ok {
				return m.throwTypeError(tls, ctx, fmt.Sprintf("internal error: native Javascript value does not have type 'Value' (%v:)", origin(1)))
			}

			r = x.v
		default:
			r, err = m.jsValue(out[0])
			if err != nil {
				return m.throwTypeError(tls, ctx, fmt.Sprintf("cannot convert value: %v", err))
			}
		}
	default:
		r, err = m.jsArray(out)
	}
	if err != nil {
		return m.throwTypeError(tls, ctx, fmt.Sprintf("callback %s: %v", info.name, err))
	}

	return r
}

func (m *VM) jsValue(in reflect.Value) (out lib.TJSValue, err error) {
	tls := m.runtime.tls
	ctx := m.cContext
	defer func() {
		if isException(out) && err == nil {
			err = m.errFromException()
		}
	}()

	switch x := in.Interface().(type) {
	case nil:
		return null, nil
	case Undefined:
		return undefined, nil
	case error:
		return m.newString(x.Error())
	}

	switch in.Kind() {
	case reflect.Pointer:
		return m.jsPtrValue(in)
	case reflect.Bool:
		return newBool(in.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return jsInt(in.Int()), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return jsUint(in.Uint()), nil
	case reflect.Float64, reflect.Float32:
		return newFloat(in.Float()), nil
	case reflect.String:
		return m.newString(in.String())
	case reflect.Struct:
		b, err := json.Marshal(in.Interface())
		if err != nil {
			return out, err
		}

		p, err := libc.CString(string(b))
		if err != nil {
			return out, err
		}

		defer libc.Xfree(tls, p)

		v := lib.XJS_ParseJSON(tls, ctx, p, libc.Tsize_t(len(b)), uintptr(unsafe.Pointer(&evalFN)))
		if isException(v) {
			return out, m.errFromException()
		}

		return v, nil
	case reflect.Interface:
		return m.jsInterfaceValue(in)
	case reflect.Map:
		return m.jsMap(in)
	case reflect.Slice:
		var a []reflect.Value
		for i := 0; i < in.Len(); i++ {
			a = append(a, in.Index(i))
		}
		return m.jsArray(a)
	default:
		return out, fmt.Errorf("internal error: %v (%v:)", in.Kind(), origin(1))
	}
}

func (m *VM) jsInterfaceValue(in reflect.Value) (out lib.TJSValue, err error) {
	if in.IsNil() {
		return null, nil
	}

	return m.jsValue(in.Elem())
}

func (m *VM) jsPtrValue(in reflect.Value) (out lib.TJSValue, err error) {
	if in.IsNil() {
		return null, nil
	}

	switch x := in.Interface().(type) {
	case *Object:
		return m.parseJSON(x.json, 0)
	case *big.Int:
		s := x.String() + "n"
		return m.eval(s, EvalGlobal)
	default:
		ev := in.Elem()
		if ev.Kind() == reflect.Pointer { // avoid unbound recursion
			return out, fmt.Errorf("type not supported: %T", x)
		}

		return m.jsValue(ev)
	}
}

// jsMap converts a Go map to a Javascript object. Like jsArray, and unlike the
// JSON round trip used for structs, it converts every value with jsValue, so a
// Value stays a live reference and a *big.Int stays a BigInt.
func (m *VM) jsMap(in reflect.Value) (out lib.TJSValue, err error) {
	if in.IsNil() {
		return null, nil
	}

	// Javascript property names are strings. Integer keys stringify the same way
	// they do in JSON and the same way obj[1] and obj["1"] are the same property
	// in Javascript. Collect and validate them before creating the object so a
	// bad key needs no cleanup.
	type kv struct {
		key string
		val reflect.Value
	}
	var a []kv
	for _, k := range in.MapKeys() {
		var key string
		switch k.Kind() {
		case reflect.String:
			key = k.String()
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			key = strconv.FormatInt(k.Int(), 10)
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			key = strconv.FormatUint(k.Uint(), 10)
		default:
			return out, fmt.Errorf("unsupported map key type: %s", k.Type())
		}

		a = append(a, kv{key, in.MapIndex(k)})
	}

	// Javascript property order is observable, via Object.keys, JSON.stringify or
	// for-in, while Go map iteration order is randomized. Sort so the same map
	// always produces the same object, which is what encoding/json does too.
	sort.Slice(a, func(i, j int) bool { return a[i].key < a[j].key })

	tls := m.runtime.tls
	ctx := m.cContext
	obj := lib.XJS_NewObject(tls, ctx)
	if isException(obj) {
		return out, m.errFromException()
	}

	for _, kv := range a {
		// Like jsArray, a Value is passed on as is rather than converted, and the
		// reference it holds is the one handed over below.
		var jv lib.TJSValue
		switch x := kv.val.Interface().(type) {
		case Value:
			jv = x.v
		default:
			if jv, err = m.jsValue(kv.val); err != nil {
				lib.XFreeValue(tls, ctx, obj)
				return out, err
			}
		}

		p, err2 := libc.CString(m.toJS(kv.key))
		if err2 != nil {
			lib.XFreeValue(tls, ctx, jv)
			lib.XFreeValue(tls, ctx, obj)
			return out, err2
		}

		// JS_SetPropertyStr takes over the reference to jv, it does not take over
		// the property name.
		rc := lib.XJS_SetPropertyStr(tls, ctx, obj, p, jv)
		libc.Xfree(tls, p)
		if rc < 0 {
			lib.XFreeValue(tls, ctx, obj)
			return out, m.errFromException()
		}
	}

	return obj, nil
}

func (m *VM) jsArray(a []reflect.Value) (out lib.TJSValue, err error) {
	var s []lib.TJSValue
	for _, v := range a {
		switch x := v.Interface().(type) {
		case Value:
			s = append(s, x.v)
		default:
			jv, err := m.jsValue(v)
			if err != nil {
				return out, err
			}

			s = append(s, jv)
		}
	}
	return m.jsArrayOf(s)
}

func (m *VM) jsArrayOf(a []lib.TJSValue) (out lib.TJSValue, err error) {
	tls := m.runtime.tls
	ctx := m.cContext
	argv := libc.Xmalloc(tls, lib.Tsize_t(len(a))*lib.Tsize_t(sizeofJsValue))

	defer libc.Xfree(tls, argv)

	p := argv
	for _, v := range a {
		*(*lib.TJSValue)(unsafe.Pointer(p)) = v
		p += sizeofJsValue
	}
	out = lib.Xjs_array_of(tls, ctx, undefined, int32(len(a)), argv)
	if isException(out) {
		err = m.errFromException()
	}
	for _, v := range a {
		lib.XFreeValue(tls, ctx, v)
	}
	return out, err
}

// SetDefaultModuleLoader will enable loading module using the default module
// loader.
func (m *VM) SetDefaultModuleLoader() {
	lib.XJS_SetModuleLoaderFunc2(m.runtime.tls, m.runtime.cRuntime, 0, fp(lib.Xjs_module_loader), 0, 0)
}

// Atom is an unique identifier of, for example, a string value. Atom values
// are VM-specific.
type Atom = lib.TJSAtom

// NewAtom returns an unique indentifier of 's' or an error, if any.
func (m *VM) NewAtom(s string) (r Atom, err error) {
	m.usable()
	tls := m.runtime.tls
	ctx := m.cContext
	p, err := libc.CString(m.toJS(s))
	if err != nil {
		return lib.MJS_ATOM_NULL, fmt.Errorf("OOM")
	}

	defer libc.Xfree(tls, p)

	if r = lib.XJS_NewAtom(tls, ctx, p); r == lib.MJS_ATOM_NULL {
		err = fmt.Errorf("OOM")
	}

	return r, err
}

// SetPropertyValue sets this.prop = val.
func (m *VM) SetPropertyValue(this Value, prop Atom, val Value) (err error) {
	tls := m.runtime.tls
	ctx := m.cContext
	m.enter() // a setter or a proxy runs Javascript
	defer m.leave()
	dup := val.Dup()
	if lib.XSetProperty(tls, ctx, this.v, prop, dup.v) < 0 {
		return fmt.Errorf("failed to set property")
	}

	return nil
}

// SetProperty sets this.prop = val.
func (m *VM) SetProperty(this Value, prop Atom, val any) (err error) {
	m.enter()
	defer m.leave()
	jsArgs, free, err := m.convertArgs(val)
	if err != nil {
		return err
	}

	if len(free) != 0 {
		defer func() {
			for _, v := range free {
				m.free(v)
			}
		}()
	}

	return m.SetPropertyValue(this, prop, Value{vm: m, v: jsArgs[0]})
}

// GetPropertyValue returns this.prop.
//
// Note: See the [Value] documentation for details about manual memory
// management of Value objects.
func (m *VM) GetPropertyValue(this Value, prop Atom) (r Value, err error) {
	tls := m.runtime.tls
	ctx := m.cContext
	m.enter() // a getter or a proxy runs Javascript
	defer m.leave()
	v := lib.XGetProperty(tls, ctx, this.v, prop)
	if isException(v) {
		err = m.errFromException()
	}
	return Value{vm: m, v: v}, err
}

// GetProperty returns this.prop.
func (m *VM) GetProperty(this Value, prop Atom) (r any, err error) {
	tls := m.runtime.tls
	ctx := m.cContext
	m.enter()
	defer m.leave()
	return m.value(lib.XGetProperty(tls, ctx, this.v, prop), true)
}

// Value represents a native Javascript value. Values are reference counted and
// their lifetime is managed by an independent Javascript garbage collector.
// To avoid memory corruption/leaks caused by tripping the Javascript GC, a
// Value must not
//
//   - be copied. Use the Dup method instead.
//   - become unreachable without calling its Free method.
//   - be used after its Free() method was called.
//   - outlive its VM.
//
// It is recommended to use native Go values instead of Value where possible.
//
// When passing a Value down the call stack use Dup. For example in main
//
//	v, _ := EvalValue(someScript)
//	defer v.Free()
//	foo(v.Dup()) // Instead of foo(v)
//
// In 'foo' Free must be used. For example
//
//	func foo(v Value) {
//	        defer v.Free()
//	        ...
//	}
//
// This ensures the/only topmost Free marks 'v' eligible for garbage collection.
//
// Beware that the correct setup/handling becomes more complicated when using
// closures, Values are sent through a channel etc. In particular, if a
// goroutine 1 passes a Dup of 'v' to goroutine 2 and goroutine 1 completes and
// thus frees 'v' before goroutine 2 completes, the reference counting
// mechanism will fail. In other words, every Free must be strictly paired with
// the Dup that preceded obtaining the Value and the Dup/Free calls must
// respect the original nesting. This is correct.
//
//	Dup             // in main
//	        Dup     // in foo
//	        Free    // in foo
//	Free            // in main
//
// This will fail, for example in the above discussed goroutines scenario.
//
//	Dup            // in g1
//	        Dup    // in g2
//	Free           // in g1
//	        Free   // in g2
//
// The fix might be in this case to arrange goroutine 1 to wait for goroutine 2
// to complete before executing Free in goroutine 1.
//
// See TestMemgrind for an example of how to detect memory leaks caused not
// only by improper Value use.
type Value struct {
	vm *VM
	v  lib.TJSValue
}

// VM returns the VM associated with 'v'.
func (v *Value) VM() *VM {
	return v.vm
}

// SetProperty sets v.prop = val.
func (v Value) SetProperty(prop Atom, val any) (err error) {
	return v.vm.SetProperty(v, prop, val)
}

// SetPropertyValue sets v.prop = val.
func (v Value) SetPropertyValue(prop Atom, val Value) (err error) {
	return v.vm.SetPropertyValue(v, prop, val)
}

// GetPropertyValue returns v.prop.
func (v Value) GetPropertyValue(prop Atom) (r Value, err error) {
	return v.vm.GetPropertyValue(v, prop)
}

// GetProperty returns v.prop. The 'this' argument is ignored.
//
// Deprecated: The 'this' argument is vestigial, the property is always looked
// up on 'v'. Use [Value.Property] instead.
func (v Value) GetProperty(this Value, prop Atom) (r any, err error) {
	return v.vm.GetProperty(v, prop)
}

// Property returns v.prop. It is [Value.GetProperty] without the vestigial
// 'this' argument.
func (v Value) Property(prop Atom) (r any, err error) {
	return v.vm.GetProperty(v, prop)
}

// MarshalJSON implements encoding/json.Marshaler.
func (v Value) MarshalJSON() (r []byte, err error) {
	tls := v.vm.runtime.tls
	ctx := v.vm.cContext
	v.vm.enter() // toJSON runs Javascript
	defer v.vm.leave()
	json := lib.XJS_JSONStringify(tls, ctx, v.v, undefined, undefined)

	defer v.vm.free(json)

	if isException(json) {
		return nil, v.vm.errFromException()
	}

	// A copy: the JS buffer is released before this returns.
	s, err := v.vm.goString(json)
	if err != nil {
		return nil, err
	}

	return []byte(s), nil
}

// Dup returns a copy of 'v' while updating its reference count.
func (v Value) Dup() Value {
	return Value{
		vm: v.vm,
		v:  lib.XDupValue(v.vm.runtime.tls, v.vm.cContext, v.v),
	}
}

// Free marks 'v' as no longer used and updates its reference count. 'v' must
// not be used afterwards.
//
// Free does nothing if the VM of 'v' was abandoned, see [VM].
func (v *Value) Free() {
	if !v.vm.abandoned {
		lib.XFreeValue(v.vm.runtime.tls, v.vm.cContext, v.v)
	}
	*v = Value{}
}

// Any attemtps to convert 'v' to any using the same rules as there are for
// the return value of VM.Eval.
func (v Value) Any() (r any, err error) {
	v.vm.enter() // toJSON and toString run Javascript
	defer v.vm.leave()
	return v.vm.value(v.v, false)
}

// IsUndefined reports whether 'v' represents the Javascript value 'undefined'.
func (v Value) IsUndefined() bool {
	return tag(v.v) == lib.EJS_TAG_UNDEFINED
}

// Call evaluates 'v(args...)' with 'this' as the receiver and returns the
// resulting (value, error). 'v' must be a Javascript function. Pass
// [UndefinedValue] as 'this' when the function does not use it.
//
//	resolve.Call(quickjs.UndefinedValue, "done")
//	reject.Call(quickjs.UndefinedValue, err.Error())
//
// Argument types are converted using the same rules as in [VM.Call] and the
// result is unpacked using the same rules as there are for the return value of
// [VM.Eval]. Note that a Go error is not one of the recognized types, so it is
// marshaled to JSON like any other value — and because the standard error
// types have no exported fields that yields '{}'. Pass err.Error() instead.
//
// Note: A Value passed to a Go function registered by [VM.RegisterFunc] is
// valid only for the duration of that call. To call it later, for example to
// settle a promise after the Go function has returned, retain it using
// [Value.Dup] and release it using [Value.Free] when done.
//
// Note: See the [Value] documentation for details about manual memory
// management of Value objects.
func (v Value) Call(this Value, args ...any) (r any, err error) {
	if err = v.checkCall(this); err != nil {
		return nil, err
	}

	// Re-arm the eval-timeout deadline, as the Eval* functions do (see VM.Call).
	v.vm.enter()
	defer v.vm.leave()
	return v.vm.call(v.v, this.v, args...)
}

// newCallback creates a JS function object backed by fn and stores fn in the
// global Go-function table keyed by a fresh magic number. The returned
// TJSValue is a custom-class object whose finalizer calls releaseMagic when
// the last JS reference is dropped, so the goFuncs entry is freed even when
// the callback never fires (e.g. the sibling handler in a .then(f, g)).
//
// Callers must free the returned TJSValue when it is no longer needed.
func (m *VM) newCallback(name string, fn func(Value)) (lib.TJSValue, int32, error) {
	var zero lib.TJSValue
	if err := m.ensureCallbackClass(); err != nil {
		return zero, -1, err
	}

	magic, err := registerCallback(&goFunc{
		f:       reflect.ValueOf(fn),
		maxArgs: 1,
		minArgs: 1,
		name:    name,
		vm:      m,
		in:      []reflect.Type{rvt},
	})
	if err != nil {
		return zero, -1, err
	}

	tls := m.runtime.tls
	ctx := m.cContext

	obj := lib.XJS_NewObjectClass(tls, ctx, int32(callbackClassID))
	if isException(obj) {
		lib.XFreeValue(tls, ctx, obj)
		releaseMagic(magic)
		return zero, -1, m.errFromException()
	}
	lib.XJS_SetOpaque(tls, obj, uintptr(magic))
	return obj, magic, nil
}

// ensureCallbackClass registers the custom callback class on m's runtime if
// not already done. The class is callable from JS (via Fcall) and has a
// finalizer (via Ffinalizer) that releases the magic when the JS object's
// refcount reaches zero — this is what makes Then leak-free.
func (m *VM) ensureCallbackClass() error {
	if m.runtime.callbackClassInit {
		return nil
	}

	var initErr error
	initCallbackClassID.Do(func() {
		if lib.XJS_NewClassID(m.runtime.tls, uintptr(unsafe.Pointer(&callbackClassID))) == 0 {
			initErr = fmt.Errorf("failed to allocate callback class ID")
		}
	})
	if initErr != nil {
		return initErr
	}

	tls := m.runtime.tls
	cName, err := libc.CString("GoCallback")
	if err != nil {
		return err
	}
	defer libc.Xfree(tls, cName)

	// Allocate the class def on the C heap so the uintptr passed to
	// XJS_NewClass stays valid even if Go's stack grows.
	defSize := int(unsafe.Sizeof(lib.TJSClassDef{}))
	defPtr := libc.Xcalloc(tls, 1, libc.Tsize_t(defSize))
	if defPtr == 0 {
		return fmt.Errorf("OOM")
	}
	defer libc.Xfree(tls, defPtr)

	*(*lib.TJSClassDef)(unsafe.Pointer(defPtr)) = lib.TJSClassDef{
		Fclass_name: cName,
		Ffinalizer:  fp(callbackFinalizer),
		Fcall:       fp(callbackCall),
	}

	if lib.XJS_NewClass(tls, m.runtime.cRuntime, callbackClassID, defPtr) < 0 {
		return fmt.Errorf("failed to register callback class")
	}

	m.runtime.callbackClassInit = true
	return nil
}

// callbackCall is the JSClassCall handler for callback-class objects. It reads
// the magic from the object's opaque storage and dispatches through the
// existing callGo path.
func callbackCall(tls *libc.TLS, ctx uintptr, funcObj lib.TJSValue, this lib.TJSValue, argc int32, argv uintptr, flags int32) lib.TJSValue {
	magic := int32(lib.XJS_GetOpaque(tls, funcObj, callbackClassID))
	return callGo(tls, ctx, this, argc, argv, magic)
}

// callbackFinalizer is the JSClassFinalizer for callback-class objects. It
// reads the magic from the object's opaque storage and releases the global
// goFuncs entry so that the magic can be reused.
func callbackFinalizer(tls *libc.TLS, rt uintptr, val lib.TJSValue) {
	magic := int32(lib.XJS_GetOpaque(tls, val, callbackClassID))
	releaseMagic(magic)
}

// Then attaches fulfillment and rejection handlers to the Promise v,
// returning the new promise for chaining. Either onFulfilled or onRejected
// may be nil.
func (v Value) Then(onFulfilled, onRejected func(Value)) (_ Value, err error) {
	if v.vm == nil {
		return Value{}, fmt.Errorf("cannot call Then on a Value not associated with a VM")
	}
	m := v.vm
	m.usable()
	tls := m.runtime.tls
	ctx := m.cContext

	fns := [2]func(Value){onFulfilled, onRejected}
	names := [2]string{"onFulfilled", "onRejected"}

	// Allocate on the C heap so the pointer stays valid if Go's stack grows.
	jsArgsSize := 2 * int(sizeofJsValue)
	jsArgsPtr := libc.Xcalloc(tls, 1, libc.Tsize_t(jsArgsSize))
	if jsArgsPtr == 0 {
		return Value{}, fmt.Errorf("OOM")
	}
	defer libc.Xfree(tls, jsArgsPtr)
	jsArgs := unsafe.Slice((*lib.TJSValue)(unsafe.Pointer(jsArgsPtr)), 2)

	// magics[i] >= 0 marks a slot for which we created a callback and so own a
	// reference to jsArgs[i]; -1 means a nil handler or a slot whose callback
	// was never created (e.g. newCallback failed on the other slot).
	magics := [2]int32{-1, -1}

	defer func() {
		for i := range jsArgs {
			if magics[i] < 0 {
				continue
			}
			m.free(jsArgs[i])
		}
	}()

	for i, fn := range fns {
		if fn == nil {
			jsArgs[i] = undefined
			magics[i] = -1
			continue
		}
		jsFn, magic, err := m.newCallback(names[i], fn)
		if err != nil {
			return Value{}, err
		}
		jsArgs[i] = jsFn
		magics[i] = magic
	}

	// Re-arm the eval-timeout deadline, as the Eval*/Call entry points do:
	// fetching and invoking .then runs Javascript (a then getter or a
	// user-overridden then), so without this the deadline from the last Eval
	// keeps ticking through idle time and could interrupt this call.
	m.enter()
	defer m.leave()
	thenFn := lib.XGetProperty(tls, ctx, v.v, lib.EJS_ATOM_then)
	result := lib.XJS_Call(tls, ctx, thenFn, v.v, 2, jsArgsPtr)
	lib.XFreeValue(tls, ctx, thenFn)
	if isException(result) {
		lib.XFreeValue(tls, ctx, result)
		err = m.errFromException()
		return
	}

	return Value{vm: m, v: result}, nil
}

// CallValue is like [Value.Call] but returns (Value, error) like
// [VM.EvalValue].
//
// Note: See the [Value] documentation for details about manual memory
// management of Value objects.
func (v Value) CallValue(this Value, args ...any) (r Value, err error) {
	if err = v.checkCall(this); err != nil {
		return r, err
	}

	// Re-arm the eval-timeout deadline, as the Eval* functions do (see VM.Call).
	v.vm.enter()
	defer v.vm.leave()
	return v.vm.callValue(v.v, this.v, args...)
}

// checkCall validates the receiver and 'this' of the Value call methods. It
// reports the problem as an error rather than panicking in v.vm because both
// callers already return one.
func (v Value) checkCall(this Value) error {
	if v.vm == nil {
		return fmt.Errorf("cannot call a Value not associated with a VM")
	}

	// Same test as in convertArgs: values with a reference count, ie. those
	// belonging to a particular runtime heap, must not cross VMs.
	if this.vm != v.vm && tag(this.v) < 0 {
		return fmt.Errorf("cannot use a Value from a different VM")
	}

	return nil
}

// Version returns the underlying QuickJS version.
func Version() string {
	return lib.MCONFIG_VERSION
}

// ModuleLoaderFunc defines the signature for a custom module loader.
// It must return the module's source code (Javascript).
type ModuleLoaderFunc func(vm *VM, moduleName string) (string, error)

// ModuleNormalizeFunc defines the signature for a custom module normalizer.
// It receives the base name (the module making the import) and the requested name,
// and should return the normalized, absolute module name.
type ModuleNormalizeFunc func(vm *VM, moduleBaseName, moduleName string) (string, error)

type moduleLoaderState struct {
	vm        *VM
	loader    ModuleLoaderFunc
	normalize ModuleNormalizeFunc
}

// jsMallocString allocates a C string using the QuickJS allocator so that QuickJS
// can safely call js_free() on it. We use lib.Xjs_strdup to let the C side handle
// the 32-bit/64-bit memory tracking alignment natively.
func (m *VM) jsMallocString(tls *libc.TLS, ctx uintptr, s string) uintptr {
	temp, err := libc.CString(m.toJS(s))
	if err != nil {
		return 0
	}
	defer libc.Xfree(tls, temp)

	// Duplicate the string natively into the QuickJS memory pool
	return lib.Xjs_strdup(tls, ctx, temp)
}

// SetModuleLoader configures custom Go functions to load and normalize Javascript modules.
// Passing nil for 'loader' removes the custom loader, and so does Close; until then the
// engine keeps 'loader' and 'normalize', and whatever they close over, reachable. If
// 'normalize' is nil, the engine falls back to the default QuickJS module normalizer.
func (m *VM) SetModuleLoader(loader ModuleLoaderFunc, normalize ModuleNormalizeFunc) {
	customLoadersMu.Lock()
	defer customLoadersMu.Unlock()

	if loader == nil {
		delete(customLoaders, m.runtime.cRuntime)
		lib.XJS_SetModuleLoaderFunc2(m.runtime.tls, m.runtime.cRuntime, 0, 0, 0, 0)
		return
	}

	customLoaders[m.runtime.cRuntime] = moduleLoaderState{
		vm:        m,
		loader:    loader,
		normalize: normalize,
	}

	var normFp uintptr
	if normalize != nil {
		normFp = fp(customModuleNormalize)
	}

	lib.XJS_SetModuleLoaderFunc2(
		m.runtime.tls,
		m.runtime.cRuntime,
		normFp,
		fp(customModuleLoader),
		0,
		m.runtime.cRuntime, // opaque
	)
}

func customModuleNormalize(tls *libc.TLS, ctx uintptr, module_base_name, module_name uintptr, opaque uintptr) uintptr {
	customLoadersMu.Lock()
	state, ok := customLoaders[opaque]
	customLoadersMu.Unlock()

	if !ok || state.normalize == nil {
		return 0
	}

	baseName := ""
	if module_base_name != 0 {
		baseName = state.vm.cGoString(tls, module_base_name)
	}
	name := ""
	if module_name != 0 {
		name = state.vm.cGoString(tls, module_name)
	}

	var normName string
	var err error
	if state.vm.hostCall(tls, ctx, "module normalizer", func() { normName, err = state.normalize(state.vm, baseName, name) }) {
		return 0
	}

	if err != nil {
		state.vm.throwTypeError(tls, ctx, fmt.Sprintf("module normalization failed: %v", err))
		return 0
	}

	return state.vm.jsMallocString(tls, ctx, normName)
}

func customModuleLoader(tls *libc.TLS, ctx uintptr, module_name uintptr, opaque uintptr, attrs lib.TJSValue) uintptr {
	customLoadersMu.Lock()
	state, ok := customLoaders[opaque]
	customLoadersMu.Unlock()

	if !ok || state.loader == nil {
		return 0
	}

	name := ""
	if module_name != 0 {
		name = state.vm.cGoString(tls, module_name)
	}

	var source string
	var err error
	if state.vm.hostCall(tls, ctx, "module loader", func() { source, err = state.loader(state.vm, name) }) {
		return 0
	}

	if err != nil {
		state.vm.throwTypeError(tls, ctx, fmt.Sprintf("module load failed: %v", err))
		return 0
	}

	ps, err := libc.CString(source)
	if err != nil {
		state.vm.throwInternalError(tls, ctx, "OOM")
		return 0
	}
	defer libc.Xfree(tls, ps)

	flags := int32(lib.MJS_EVAL_TYPE_MODULE | lib.MJS_EVAL_FLAG_COMPILE_ONLY)
	v := lib.XJS_Eval(tls, ctx, ps, libc.Tsize_t(len(source)), module_name, flags)

	if isException(v) {
		lib.XFreeValue(tls, ctx, v)
		return 0
	}

	ptr := jsvToPtr(v)
	lib.XFreeValue(tls, ctx, v)

	return ptr
}
