package sandbox

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lib "modernc.org/libquickjs"
	"modernc.org/quickjs"
)

// Default limits, used for the zero fields of Limits.
const (
	DefaultTime   = 2 * time.Second // default Limits.Time
	DefaultMemory = 32 << 20        // default Limits.Memory, in bytes
	DefaultStack  = 1000            // default Limits.Stack, in engine stack slots
	DefaultOutput = 1 << 20         // default Limits.Output, in bytes
)

// Limits bounds the resources of one Call. Zero fields take the defaults.
type Limits struct {
	// Time is the wall-clock safety net for the whole call, including time
	// spent waiting for async host functions (default 2s). It is not
	// deterministic: metered code should run out of gas long before it.
	Time time.Duration
	// Memory is the most bytes the JavaScript heap may hold (default 32 MiB).
	Memory uint64
	// Stack is the JavaScript call depth limit, in engine stack slots of
	// which a JavaScript call takes roughly one (default 1000, at most 5000).
	Stack int
	// Output is the most bytes the JSON of the result may have (default 1 MiB).
	Output int
	// Gas is the most gas the call may use: JavaScript work for a metered
	// Program plus Meter charges by host functions. 0 means no limit.
	Gas uint64
}

// gcStart is the heap size at which a call's VM first collects garbage.
const gcStart = 4 << 20

// maxStack is the deepest stack the engine supports without overflowing the
// goroutine stack.
const maxStack = lib.MaxStackSlots

// withDefaults returns l with its zero fields set to the defaults.
func (l Limits) withDefaults() Limits {
	if l.Time <= 0 {
		l.Time = DefaultTime
	}
	if l.Memory == 0 {
		l.Memory = DefaultMemory
	}
	if l.Stack <= 0 {
		l.Stack = DefaultStack
	}
	l.Stack = min(l.Stack, maxStack)
	if l.Output <= 0 {
		l.Output = DefaultOutput
	}
	return l
}

// HostFunc is a synchronous host function. Its arguments are the JavaScript
// arguments as JSON values (nil, bool, float64, string, []any,
// map[string]any); its result is marshalled with encoding/json and a non-nil
// error becomes a JavaScript Error with the error's text. It runs on the VM's
// goroutine and blocks the script, so it must be quick.
type HostFunc func(args []any) (any, error)

// AsyncFunc is an asynchronous host function: JavaScript gets a Promise and
// the function runs on its own goroutine. Arguments and result are as for
// HostFunc; an error rejects the promise. ctx is cancelled when the Call ends,
// and carries the Call's Meter (see MeterFrom).
type AsyncFunc func(ctx context.Context, args []any) (any, error)

// Env is what a Call exposes to the script besides the ECMAScript built-ins.
type Env struct {
	// Prelude is trusted JavaScript run as a script before the module, to
	// build API objects (console, kv, fetch...) from the host functions. It
	// is not metered.
	Prelude string
	// Lazy are trusted scripts the prelude runs only when it needs them:
	// if Lazy is set, the prelude finds the global function __sbx_load
	// (it must keep it and delete the global, so the module never sees
	// it), and __sbx_load(name) runs script Lazy[name] as global code, at
	// most once per call. They are compiled once per program like the
	// prelude and, like it, not instrumented (work they do inside
	// built-ins after the module loaded is billed as the module's would
	// be). Loading bytecode into a fresh VM
	// costs in proportion to its size, so a large API that most calls never
	// touch (URL, fetch) costs them nothing this way.
	Lazy map[string]string
	// Funcs are exposed as global functions named by the keys.
	Funcs map[string]HostFunc
	// Async are exposed as global functions returning Promises.
	Async map[string]AsyncFunc
	// Deterministic, if set, fixes the clock and the random numbers; nil
	// gives the real clock and crypto-grade randomness.
	Deterministic *Determinism
	// Meter, if set, is the gas account host functions charge; Call creates
	// one when it is nil. See Meter.
	Meter *Meter
}

// Result is the outcome of a Call.
type Result struct {
	// Value is the JSON of the export's return value (awaited if it was a
	// Promise), as JSON.stringify wrote it; "null" for undefined.
	Value json.RawMessage
	// GasUsed is the gas the call used: JavaScript work if the Program is
	// metered, plus host function charges. Call also reports it when it fails.
	GasUsed uint64
	// BuiltinGas is the part of GasUsed billed for the work built-ins did
	// inside the engine (see native.go); 0 for an unmetered Program.
	BuiltinGas uint64
}

//go:embed bootstrap.js
var bootstrapJS string

// bootstrapBytecode returns bootstrap.js compiled once per process: loading
// bytecode is several times faster than parsing the source in every Call.
var bootstrapBytecode = sync.OnceValues(func() ([]byte, error) {
	bc, err := compileTrusted(bootstrapJS)
	if err != nil {
		return nil, fmt.Errorf("sandbox: bootstrap: %w", err)
	}
	return bc, nil
})

// compileTrusted compiles trusted global code (the bootstrap, a prelude)
// without its debug information and source: every fresh VM loads this
// bytecode, and the line tables and source text were most of what it read
// (stack traces then name the prelude's functions without their lines; the
// agent's own code keeps its lines).
func compileTrusted(source string) ([]byte, error) {
	vm, err := quickjs.NewVM()
	if err != nil {
		return nil, err
	}
	defer vm.Close()
	if rt := runtimeOf(vm); rt != 0 {
		(*lib.TJSRuntime)(cPointer(rt)).Fstrip_flags = lib.MJS_STRIP_DEBUG | lib.MJS_STRIP_SOURCE
	}
	return vm.Compile(source, quickjs.EvalGlobal)
}

// isIdent reports whether name is a host function name Call accepts: an
// ASCII JavaScript identifier. A loop, not a regular expression: every
// Call checks each of its Env's names before it takes a VM, and the
// regexp cost about 2 us a name there (BenchmarkCheckEnv).
func isIdent(name string) bool {
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c == '$' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return name != ""
}

// Call runs export name of the module with args (each marshalled to JSON and
// parsed into a JavaScript value), awaits the result if it is a Promise, and
// returns its JSON. Each Call runs in a fresh VM that it closes on return, so
// nothing survives from one Call to the next. Cancelling ctx stops the
// script. Errors match ErrOutOfGas, ErrTimeout, ErrMemory, ErrStackOverflow,
// ErrOutputTooLarge, ErrNoExport or ErrScript, or wrap ctx.Err() (a ctx
// deadline also matches ErrTimeout); on failure the Result still carries
// GasUsed.
func (p *Program) Call(ctx context.Context, name string, args []any, env Env, lim Limits) (res Result, err error) {
	lim = lim.withDefaults()
	if args == nil {
		args = []any{}
	}
	argsJSON, err := json.Marshal(args)
	if err != nil {
		return Result{}, fmt.Errorf("sandbox: arguments: %w", err)
	}
	if err := checkEnv(env); err != nil {
		return Result{}, err
	}
	if err := ctx.Err(); err != nil {
		return Result{}, fmt.Errorf("sandbox: call not started: %w", err)
	}
	c := &call{
		prog:     p,
		env:      env,
		lim:      lim,
		deadline: time.Now().Add(lim.Time),
		done:     make(chan struct{}),
		results:  make(chan asyncResult, 16),
		random:   newRandomSource(env.Deterministic),
	}
	c.meter = env.Meter
	if c.meter == nil {
		c.meter = new(Meter)
	}
	if err := c.meter.bind(c, lim.Gas, p.metered); err != nil {
		return Result{}, err
	}
	c.gasLimit = float64(unlimitedGas)
	if p.metered && lim.Gas != 0 && lim.Gas < unlimitedGas {
		c.gasLimit = float64(lim.Gas)
	}
	c.ctx, c.cancel = context.WithCancel(context.WithValue(ctx, meterKey{}, c.meter))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("sandbox: internal error: %v", r)
		}
		c.end()
		res.GasUsed = c.gasUsed()
		res.BuiltinGas = min(uint64(max(c.native.charged, 0)), res.GasUsed)
		c.close()
		if err != nil {
			res.Value = nil
		}
	}()
	v, err := c.run(name, string(argsJSON))
	return Result{Value: v}, err
}

// checkEnv validates the host functions of env.
func checkEnv(env Env) error {
	seen := map[string]bool{}
	check := func(name string) error {
		if !isIdent(name) || strings.HasPrefix(name, reservedPrefix) {
			return fmt.Errorf("sandbox: invalid host function name %q", name)
		}
		if seen[name] {
			return fmt.Errorf("sandbox: host function %q is both sync and async", name)
		}
		seen[name] = true
		return nil
	}
	for name, f := range env.Funcs {
		if err := check(name); err != nil {
			return err
		}
		if f == nil {
			return fmt.Errorf("sandbox: host function %q is nil", name)
		}
	}
	for name, f := range env.Async {
		if err := check(name); err != nil {
			return err
		}
		if f == nil {
			return fmt.Errorf("sandbox: host function %q is nil", name)
		}
	}
	return nil
}

// call is the state of one Call; its fields are used on the VM's goroutine
// unless noted.
type call struct {
	prog     *Program
	env      Env
	lim      Limits
	deadline time.Time
	meter    *Meter
	random   *randomSource
	gasLimit float64 // start value of the JavaScript gas counter

	vm         *quickjs.VM
	ready      *readyVM // the VM as the pool gave it, handed back by close
	box        quickjs.Value
	haveBox    bool
	funcs      map[string]quickjs.Value // box methods
	stateAtom  *quickjs.Atom            // "state", see boxState
	syncNames  []string
	asyncNames []string

	ctx    context.Context // cancelled when the Call ends; given to AsyncFuncs
	cancel context.CancelFunc

	// Set from any goroutine.
	oog      atomic.Bool   // ran out of gas
	failMu   sync.Mutex    // guards failure
	failure  error         // a host function panicked, or metered code caught an engine limit error
	done     chan struct{} // closed when the Call ends
	stopMu   sync.Mutex    // guards the fields below and pokes at the VM from other goroutines
	stopping bool          // stop started its interrupt loop
	ended    bool          // the VM is closing: leave it alone
	counter  uintptr       // the VM's interrupt counter, see pollSoon

	lazyDone map[string]bool // Env.Lazy scripts run, see loadLazy

	results chan asyncResult // finished async host calls
	pending int              // async host calls started and not delivered

	native native // work inside built-ins, see native.go
}

// outOfGas records that the call ran out of gas and stops the script; safe
// from any goroutine.
func (c *call) outOfGas() {
	c.oog.Store(true)
	c.stop()
}

// fail records a host failure (a panic) that ends the call; safe from any goroutine.
func (c *call) fail(err error) {
	c.failMu.Lock()
	if c.failure == nil {
		c.failure = err
	}
	c.failMu.Unlock()
	c.stop()
}

// stop interrupts the VM now and keeps interrupting it until the call ends:
// an Interrupt that lands while Go is between two calls into the VM is
// cleared by the next one, so one is not enough. Each time it also makes the
// engine look at the interrupt soon (see pollSoon). Safe from any goroutine.
func (c *call) stop() {
	c.stopMu.Lock()
	defer c.stopMu.Unlock()
	if c.ended || c.vm == nil {
		return
	}
	c.vm.Interrupt()
	pollSoon(c.counter)
	if c.stopping {
		return
	}
	c.stopping = true
	go func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-c.done:
				return
			case <-t.C:
			}
			c.stopMu.Lock()
			if !c.ended {
				c.vm.Interrupt()
				pollSoon(c.counter)
			}
			c.stopMu.Unlock()
		}
	}()
}

// end stops all interrupting: after it the VM may be closed.
func (c *call) end() {
	c.stopMu.Lock()
	c.ended = true
	c.stopMu.Unlock()
}

// verdict returns the error that a stopped call ends with, or nil if nothing
// stopped it. The order matters: a timeout or cancellation often surfaces
// as some other error inside the script.
func (c *call) verdict() error {
	c.failMu.Lock()
	failure := c.failure
	c.failMu.Unlock()
	switch {
	case failure != nil:
		return failure
	case c.oog.Load() || c.meter.exhausted():
		return fmt.Errorf("%w (limit %d)", ErrOutOfGas, c.lim.Gas)
	case errors.Is(c.ctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("%w: %w", ErrTimeout, c.ctx.Err())
	case c.ctx.Err() != nil:
		return fmt.Errorf("sandbox: call interrupted: %w", c.ctx.Err())
	case !time.Now().Before(c.deadline):
		return fmt.Errorf("%w (%v)", ErrTimeout, c.lim.Time)
	}
	return nil
}

// classify turns an error from the VM into the call's error.
func (c *call) classify(err error) error {
	if v := c.verdict(); v != nil {
		return v
	}
	return scriptError(err)
}

// enter prepares a call into the VM: it reports why the call must stop, if
// it must, and arms the engine's own timeout for the time left.
func (c *call) enter() error {
	if v := c.verdict(); v != nil {
		return v
	}
	_ = c.vm.SetEvalTimeout(max(time.Until(c.deadline), time.Microsecond))
	return nil
}

// run does the work of Call on the current goroutine.
func (c *call) run(name, argsJSON string) (json.RawMessage, error) {
	c.syncNames = sortedKeys(c.env.Funcs)
	c.asyncNames = sortedKeys(c.env.Async)
	r, err := c.prog.vms.take(c.shape())
	if err != nil {
		return nil, fmt.Errorf("sandbox: new VM: %w", err)
	}
	vm := r.vm
	c.ready = r
	c.stopMu.Lock()
	c.vm = vm
	c.counter = counterAddr(vm)
	c.stopMu.Unlock()
	c.attachNative()
	vm.SetMemoryLimit(uintptr(min(c.lim.Memory, uint64(^uintptr(0)))))
	vm.SetMaxStackSize(uintptr(c.lim.Stack))
	vm.SetCanBlock(false)
	// The engine's first collection comes at 256 KiB, which the bootstrap
	// and a prelude alone pass: a collection in every call that the
	// VM's close repeats anyway. A short-lived VM collects first at gcStart
	// (or an eighth of its memory limit), then as the engine paces it.
	vm.SetGCThreshold(uintptr(min(c.lim.Memory/8, gcStart)))

	// Stop the script when the caller cancels or the time is up.
	stopCtx := context.AfterFunc(c.ctx, c.stop)
	defer stopCtx()
	timer := time.AfterFunc(time.Until(c.deadline), c.stop)
	defer timer.Stop()

	if err := c.install(r); err != nil {
		return nil, err
	}
	if _, err := c.callBox("begin"); err != nil {
		return nil, c.wrapSetup("prelude", err)
	}
	if err := c.loadModule(); err != nil {
		return nil, err
	}
	c.pauseBilling()
	has, err := c.callBox("has", name, argsJSON)
	if err != nil {
		return nil, c.classify(err)
	}
	if has != true {
		return nil, fmt.Errorf("%w: %q is not an exported function", ErrNoExport, name)
	}
	c.resumeBilling()
	if _, err := c.callBox("run", name); err != nil {
		return nil, c.classify(err)
	}
	if err := c.loop(); err != nil {
		return nil, err
	}
	if err := c.settleNative(); err != nil {
		return nil, err
	}
	return c.result()
}

// install registers the Go side of the bootstrap, runs bootstrap.js and the
// prelude; in a VM prepared ahead (r.shape set) they ran already, and the
// call takes over the VM's host functions and the box.
func (c *call) install(r *readyVM) error {
	if r.shape != nil {
		r.slot.c = c
		c.box, c.haveBox, c.funcs = r.box, true, r.funcs
		return nil
	}
	if err := registerHost(c.vm, &callSlot{c: c}, len(c.env.Lazy) > 0); err != nil {
		return err
	}
	if err := c.bootstrap(); err != nil {
		return err
	}
	return c.runPrelude()
}

// shape returns the shape of the call's Env that a VM prepared ahead must
// have to serve it, or nil if none can: a metered Program's bootstrap
// depends on the gas limit, a deterministic one on the fixed time.
func (c *call) shape() *envShape {
	if c.prog.vms == nil || c.prog.metered || c.env.Deterministic != nil {
		return nil
	}
	s := &envShape{prelude: c.env.Prelude, lazy: len(c.env.Lazy) > 0, funcs: c.syncNames, async: c.asyncNames}
	if s.prelude != "" {
		bc, err := c.prog.trusted(s.prelude)
		if err != nil {
			return nil // the call reports it
		}
		s.preludeBC = bc
	}
	return s
}

// prepareVM makes a VM for the pool: a bare one for a nil shape, else one
// with the bootstrap and the prelude of that shape run in it, under a
// time limit of its own (the call sets its limits when it takes the VM).
func prepareVM(s *envShape) (r *readyVM, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("sandbox: preparing a VM: %v", p)
		}
	}()
	if s == nil {
		return newBareVM()
	}
	vm, err := quickjs.NewArenaVM(arenaSize)
	if err != nil {
		return nil, err
	}
	r = &readyVM{vm: vm}
	fail := func(err error) (*readyVM, error) {
		r.free()
		return nil, err
	}
	r.slot = &callSlot{}
	if err := registerHost(r.vm, r.slot, s.lazy); err != nil {
		return fail(err)
	}
	r.vm.SetGCThreshold(gcStart)
	_ = r.vm.SetEvalTimeout(prepareTime)
	cfg, err := bootConfig(false, float64(unlimitedGas), nil, s.funcs, s.async)
	if err != nil {
		return fail(err)
	}
	if r.box, r.funcs, err = bootVM(r.vm, cfg); err != nil {
		return fail(err)
	}
	r.shape = s
	if s.preludeBC != nil {
		if _, err := r.vm.EvalBytecode(s.preludeBC); err != nil {
			return fail(err)
		}
	}
	// Everything above ran from bytecode, so the heap holds no pointer
	// into memory outside the arena that a restore would leave dangling.
	if err := r.vm.Snapshot(); err != nil {
		return fail(fmt.Errorf("sandbox: snapshot of a prepared VM: %w", err))
	}
	return r, nil
}

// registerHost registers the Go functions bootstrap.js calls: gas
// exhaustion, host calls, async starts, randomness, limit failures and,
// with lazy, the loader of Env.Lazy scripts. They serve slot's call, which
// a VM prepared ahead gets when a call takes it; until then they do
// nothing (no trusted script calls them while it loads).
func registerHost(vm *quickjs.VM, slot *callSlot, lazy bool) error {
	reg := func(name string, f any) error {
		if err := vm.RegisterFunc(name, f, false); err != nil {
			return fmt.Errorf("sandbox: register %s: %w", name, err)
		}
		return nil
	}
	host := func(name string, f func(*call, []any) (any, error)) error {
		err := vm.RegisterHostFunc(name, func(args []any) (any, error) {
			if slot.c == nil {
				return nil, errNoCall
			}
			return f(slot.c, args)
		})
		if err != nil {
			return fmt.Errorf("sandbox: register %s: %w", name, err)
		}
		return nil
	}
	if err := reg(oogFunc, func() {
		if c := slot.c; c != nil {
			c.outOfGas()
		}
	}); err != nil {
		return err
	}
	if err := host("__sbx_go_call", (*call).hostCall); err != nil {
		return err
	}
	if err := host("__sbx_go_start", (*call).asyncStart); err != nil {
		return err
	}
	if err := reg("__sbx_go_random", func() []float64 {
		if c := slot.c; c != nil {
			return c.random.floats()
		}
		return nil
	}); err != nil {
		return err
	}
	if err := reg("__sbx_go_bytes", func(n int) string {
		if c := slot.c; c != nil {
			return c.random.hexBytes(n)
		}
		return ""
	}); err != nil {
		return err
	}
	if err := reg("__sbx_go_limit", func(message string) {
		if c := slot.c; c != nil {
			c.fail(&ScriptError{Name: "InternalError", Message: message, kind: errorKind("InternalError", message)})
		}
	}); err != nil {
		return err
	}
	if !lazy {
		return nil
	}
	return host(lazyFunc, (*call).loadLazy)
}

// errNoCall is what a host function of a VM prepared ahead answers before
// a call took the VM.
var errNoCall = errors.New("sandbox: host function called before the call")

// lazyFunc is the global through which the prelude runs Env.Lazy scripts.
const lazyFunc = "__sbx_load"

// loadLazy runs the Env.Lazy script args[0], once per call; it runs on
// the VM's goroutine, inside the script's call into Go, and in what is
// left of the call's time.
func (c *call) loadLazy(args []any) (any, error) {
	name, _ := args[0].(string)
	if len(args) != 1 || c.env.Lazy[name] == "" {
		return nil, fmt.Errorf("sandbox: no lazy script %q", name)
	}
	if c.lazyDone[name] {
		return nil, nil
	}
	bc, err := c.prog.trusted(c.env.Lazy[name])
	if err != nil {
		return nil, err
	}
	if c.lazyDone == nil {
		c.lazyDone = map[string]bool{}
	}
	c.lazyDone[name] = true
	if _, err := c.vm.EvalBytecode(bc); err != nil {
		return nil, fmt.Errorf("sandbox: lazy script %s: %w", name, err)
	}
	return nil, nil
}

// bootConfig is the JSON that configures bootstrap.js: metering, the gas
// limit, deterministic time and the host functions' names.
func bootConfig(metered bool, gas float64, det *Determinism, funcs, async []string) ([]byte, error) {
	cfg := struct {
		Metered       bool     `json:"metered"`
		Gas           float64  `json:"gas"`
		Deterministic bool     `json:"deterministic"`
		Time          int64    `json:"time"`
		Funcs         []string `json:"funcs"`
		Async         []string `json:"async"`
	}{
		Metered:       metered,
		Gas:           gas,
		Deterministic: det != nil,
		Funcs:         funcs,
		Async:         async,
	}
	if det != nil {
		cfg.Time = det.TimeMillis
	}
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	return cfgJSON, nil
}

// boxMethods are the methods of the bootstrap's box the Go side calls.
var boxMethods = []string{"has", "run", "finish", "describe", "settle", "charge", "gasLeft", "begin"}

// bootstrap runs bootstrap.js with the call's configuration and keeps the
// box it returns and the box's functions the call uses.
func (c *call) bootstrap() error {
	cfgJSON, err := bootConfig(c.prog.metered, c.gasLimit, c.env.Deterministic, c.syncNames, c.asyncNames)
	if err != nil {
		return err
	}
	if err := c.enter(); err != nil {
		return err
	}
	box, funcs, err := bootVM(c.vm, cfgJSON)
	if err != nil {
		return c.wrapSetup("bootstrap", err)
	}
	c.box, c.haveBox, c.funcs = box, true, funcs
	return nil
}

// bootVM runs bootstrap.js in vm with the configuration cfgJSON and
// returns the box and its methods.
func bootVM(vm *quickjs.VM, cfgJSON []byte) (box quickjs.Value, funcs map[string]quickjs.Value, err error) {
	bc, err := bootstrapBytecode()
	if err != nil {
		return box, nil, err
	}
	boot, err := vm.EvalBytecodeValue(bc)
	if err != nil {
		return box, nil, err
	}
	defer boot.Free()
	box, err = boot.CallValue(quickjs.UndefinedValue, string(cfgJSON))
	if err != nil {
		return box, nil, err
	}
	funcs = map[string]quickjs.Value{}
	for _, m := range boxMethods {
		var f quickjs.Value
		atom, err := vm.NewAtom(m)
		if err == nil {
			f, err = box.GetPropertyValue(atom)
		}
		if err == nil {
			funcs[m] = f
			continue
		}
		{
			for _, f := range funcs {
				f.Free()
			}
			box.Free()
			return quickjs.Value{}, nil, err
		}
	}
	return box, funcs, nil
}

// runPrelude evaluates the environment's prelude, if any, compiling it once
// per program.
func (c *call) runPrelude() error {
	if c.env.Prelude == "" {
		return nil
	}
	if err := c.enter(); err != nil {
		return err
	}
	bc, err := c.prog.trusted(c.env.Prelude)
	if err != nil {
		return c.wrapSetup("prelude", err)
	}
	if _, err := c.vm.EvalBytecode(bc); err != nil {
		return c.wrapSetup("prelude", err)
	}
	return nil
}

// trusted returns a prelude or lazy script compiled, compiling it once per
// program.
func (p *Program) trusted(source string) ([]byte, error) {
	if bc, ok := p.preludes.Load(source); ok {
		return bc.([]byte), nil
	}
	bc, err := compileTrusted(source)
	if err != nil {
		return nil, err
	}
	p.preludes.Store(source, bc)
	return bc, nil
}

// wrapSetup classifies an error from the bootstrap or the prelude.
func (c *call) wrapSetup(what string, err error) error {
	err = c.classify(err)
	if errors.Is(err, ErrScript) {
		return fmt.Errorf("sandbox: %s: %w", what, err)
	}
	return err
}

// loadModule evaluates the module, which hands its namespace to the box.
func (c *call) loadModule() error {
	if err := c.enter(); err != nil {
		return err
	}
	c.startBilling()
	v, err := c.vm.EvalBytecodeValue(c.prog.bytecode)
	if err != nil {
		return c.classify(err)
	}
	v.Free()
	return nil
}

// callBox calls method m of the box with args.
func (c *call) callBox(m string, args ...any) (any, error) {
	if err := c.enter(); err != nil {
		return nil, err
	}
	return c.funcs[m].Call(c.box, args...)
}

// result turns the settled top-level promise into the Call's result.
func (c *call) result() (json.RawMessage, error) {
	state, err := c.boxState()
	if err != nil {
		return nil, err
	}
	if state == 2 {
		d, err := c.callBox("describe")
		if err != nil {
			return nil, c.classify(err)
		}
		var info struct{ Name, Message, Stack string }
		if s, ok := d.(string); ok {
			_ = json.Unmarshal([]byte(s), &info)
		}
		return nil, &ScriptError{Name: info.Name, Message: info.Message, Stack: info.Stack, kind: errorKind(info.Name, info.Message)}
	}
	out, err := c.callBox("finish", c.lim.Output)
	if err != nil {
		return nil, c.classify(err)
	}
	switch out := out.(type) {
	case string:
		if len(out) > c.lim.Output {
			return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrOutputTooLarge, len(out), c.lim.Output)
		}
		if !json.Valid([]byte(out)) {
			return nil, fmt.Errorf("%w: result is not valid JSON", ErrScript)
		}
		return json.RawMessage(out), nil
	case int, float64:
		return nil, fmt.Errorf("%w: %v UTF-16 code units, limit %d bytes", ErrOutputTooLarge, out, c.lim.Output)
	default:
		return nil, fmt.Errorf("%w: unexpected result %T", ErrScript, out)
	}
}

// boxState reads the state of the top-level promise: 0 pending, 1
// fulfilled, 2 rejected.
func (c *call) boxState() (int, error) {
	if c.stateAtom == nil {
		atom, err := c.vm.NewAtom("state")
		if err != nil {
			return 0, fmt.Errorf("sandbox: %w", err)
		}
		c.stateAtom = &atom
	}
	v, err := c.box.Property(*c.stateAtom)
	if err != nil {
		return 0, c.classify(err)
	}
	n, _ := v.(int)
	return n, nil
}

// gasUsed returns the gas the call used so far; it never fails.
func (c *call) gasUsed() (used uint64) {
	defer func() {
		if recover() != nil {
			used = c.lim.Gas
		}
	}()
	if c.oog.Load() || c.meter.exhausted() {
		if c.lim.Gas != 0 {
			return c.lim.Gas
		}
	}
	if !c.prog.metered {
		return c.meter.Used()
	}
	if !c.haveBox {
		return 0
	}
	_ = c.vm.SetEvalTimeout(time.Second)
	left, err := c.funcs["gasLeft"].Call(c.box)
	if err != nil {
		return 0
	}
	var l float64
	switch v := left.(type) {
	case int:
		l = float64(v)
	case float64:
		l = v
	default:
		return 0
	}
	if l < 0 || l > c.gasLimit {
		// -1: the module never booted the meter.
		return c.meter.Used()
	}
	used = uint64(c.gasLimit - l)
	c.meter.mu.Lock()
	used = addSat(used, c.meter.pending)
	c.meter.mu.Unlock()
	if c.lim.Gas != 0 {
		used = min(used, c.lim.Gas)
	}
	return used
}

// close ends the call: it cancels async host calls, stops the interrupt
// loop and frees the VM.
func (c *call) close() {
	c.cancel()
	close(c.done)
	c.meter.unbind()
	if c.vm == nil {
		return
	}
	func() {
		defer func() { _ = recover() }()
		for _, f := range c.funcs {
			f.Free()
		}
		if c.haveBox {
			c.box.Free()
		}
	}()
	c.detachNative()
	c.prog.vms.release(c.ready)
}

// sortedKeys returns the keys of m in order, so that globals are created in
// the same order every time.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if keys == nil {
		keys = []string{}
	}
	return keys
}
