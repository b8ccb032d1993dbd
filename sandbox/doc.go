// Package sandbox runs untrusted JavaScript and TypeScript: confidential
// contracts, which must be deterministic and metered, and AI agents, which
// call the host asynchronously.
//
// # Pipeline
//
// Bundle turns a set of TypeScript or JavaScript files into one ES module
// with esbuild, in process; imports may name only the given files. Compile
// checks that module, instruments it for gas if asked, and compiles it once
// to QuickJS bytecode (modernc.org/quickjs, a pure Go port of QuickJS). A
// Program then runs any number of Calls, concurrently if need be: each one
// evaluates the bytecode in a fresh VM, calls one export with JSON
// arguments, runs the event loop until the returned promise settles, and
// returns the JSON of the result.
//
// # A fresh VM per call
//
// Nothing survives a Call: no global a script changed, no prototype it
// patched, no timer or promise it left behind, no memory it leaked. So one
// call cannot spy on or corrupt the next (agents serve many callers) and a
// contract's result depends only on its inputs, never on what ran before on
// that replica. A VM costs about 0.3 ms to create, load and close; bytecode
// makes loading a module several times cheaper than parsing it again, and
// Env.Lazy keeps a large prelude API out of the calls that never touch it;
// CompileOptions.Ready has VMs made ahead, with the bootstrap and the
// prelude of the last call's Env already run in them. For an unmetered
// Program with the real clock (agents) such a VM's heap is snapshotted
// after that setup and, after each call, put back to the snapshot byte for
// byte and reused: the next call starts from the very bytes a new VM would
// (docs/sandbox.md, "VMs made ahead"). A prelude reads what must
// be read at the call's start (the clock) in a hook it registers with
// __sbx_on_call, which the sandbox runs before the module loads.
//
// # Limits
//
// Limits bounds the wall-clock time, the JavaScript heap, the call stack and
// the size of the result of every call. Stopping is reliable: the engine's
// interrupt stops any JavaScript, including code that catches every
// exception, and the sandbox makes the engine look at it promptly even when
// every iteration of a loop runs a slow built-in (see pollSoon). Built-ins
// that loop natively are stopped too: the engine is a patched copy
// (internal/third_party/libquickjs) whose native loops poll the interrupt
// handler every few thousand steps of work (see native.go and
// docs/sandbox.md). Host functions run in Go and are not interrupted, but an
// AsyncFunc's context is cancelled when its Call ends.
//
// # Metering
//
// Gas must be the same on every replica, so it cannot come from timing.
// Compile with Metered set parses the module (with internal/third_party/js,
// a fork of github.com/tdewolff/parse/v2/js with one parser fix) and
// inserts a tick at the start of every function body (arrow functions,
// methods, getters, constructors and generators included), every loop body
// and every catch clause, then prints the module back. A tick decrements a
// counter that is a variable of the module's own scope, which no other code
// can name or reach, and calls the host only when the counter goes below
// zero; the host then interrupts the VM, which no catch clause can stop.
// Work inside built-ins is counted by the engine: the patched engine counts
// steps of native work (an element read through the property API, a
// character appended, a token parsed, a comparison, an allocation) and the
// call bills them as gas, 32 steps a gas, reported apart in
// Result.BuiltinGas; looking up the export, parsing its arguments, host
// calls and serializing the result are the host's and not billed, nor are
// the first 32768 steps of a call (the fixed work of evaluating the module).
// Host functions charge what they do through Meter.
// Code made from strings (eval, the Function constructors) would escape
// metering, so metered VMs disable them; source that contains the reserved
// prefix "__sbx" is refused so that it cannot name the counter. Metered code
// cannot catch the engine's stack-overflow and out-of-memory errors either: a
// catch or finally clause that sees one ends the call, so the outcome never
// depends on how close to a limit a machine happens to run, and code cannot
// make the engine build stack traces by the thousand for one tick each.
//
// # Determinism
//
// With Env.Deterministic set, Date.now and new Date() return a fixed time,
// the local time zone is UTC whatever the host's, and Math.random and
// crypto.getRandomValues draw from a ChaCha8 stream seeded by the caller.
// WeakRef and FinalizationRegistry, which expose garbage collection timing,
// are removed. The VM has no I/O at all: QuickJS's std and os modules are not
// installed and no module loader is set, so the only way out is a host
// function. The result is serialized by JSON.stringify inside the VM, so
// its bytes (key order, number formatting) are the engine's, the same
// everywhere.
//
// Replicas should run the same architecture: the engine is C translated to
// Go, and the Go compiler may fuse a multiply and an add into one
// instruction on arm64, ppc64le, s390x and riscv64, so the last bit of
// Math.sin, Math.exp and the like may differ from amd64; where the memory
// limit or the stack limit is hit also depends on pointer size.
//
// # Host functions
//
// Env.Funcs and Env.Async become global functions; Env.Prelude, trusted code
// run before the module, can wrap them into friendlier objects, and load
// Env.Lazy scripts when the module first needs them. Arguments
// and results cross as JSON. An AsyncFunc runs on its own goroutine and its
// promise settles on the VM's goroutine, from the event loop.
package sandbox
