package sandbox

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"

	"modernc.org/quickjs"
)

// CompileOptions selects how Compile prepares a module.
type CompileOptions struct {
	// Metered inserts gas accounting, for code that must run the same way on
	// every replica (contracts). It also disables eval and the Function
	// constructors in the VM, since code they make would not be metered.
	Metered bool
	// Ready is how many VMs the Program keeps made ahead of its calls, on
	// another goroutine, each used by exactly one call (vmpool.go); 0
	// makes each call's VM when it starts. For an unmetered Program with
	// the real clock, the bootstrap and the prelude of the last call's Env
	// run in them ahead too. It takes that work and the VM's freeing out
	// of a call's latency where a core is idle, at the memory of Ready
	// idle VMs, kept until no call took one for a minute.
	Ready int
}

// Program is validated, instrumented code ready to run many times. It is
// immutable: Calls on one Program may run concurrently, each in its own VM.
type Program struct {
	hash     [32]byte
	metered  bool
	bytecode []byte // source compiled by QuickJS, evaluated by each Call
	// preludes caches each Env.Prelude compiled to bytecode: parsing the
	// prelude again on every call costs more than running it.
	preludes sync.Map // string -> []byte
	// vms are the VMs created ahead of calls; nil when none are.
	vms *vmPool
}

// Compile checks an ES module (such as Bundle's output), instruments it if
// opts.Metered, and compiles it to QuickJS bytecode. The module must be a
// single file without imports and without top-level await; it must not
// contain the reserved prefix "__sbx". Errors match ErrCompile.
func Compile(module []byte, opts CompileOptions) (p *Program, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("%w: internal error: %v", ErrCompile, r)
		}
	}()
	prep, err := prepare(module, opts.Metered)
	if err != nil {
		return nil, err
	}
	bc, err := compileBytecode(prep.source)
	if err != nil {
		return nil, err
	}
	p = &Program{
		hash:     sha256.Sum256(module),
		metered:  opts.Metered,
		bytecode: bc,
	}
	p.vms = newVMPool(p, opts.Ready)
	return p, nil
}

// compileBytecode compiles module source with a throwaway VM.
func compileBytecode(source string) ([]byte, error) {
	vm, err := quickjs.NewVM()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCompile, err)
	}
	defer vm.Close()
	bc, err := vm.Compile(source, quickjs.EvalModule)
	if err != nil {
		var qe *quickjs.Error
		if errors.As(err, &qe) && qe.LineNumber > 0 {
			return nil, fmt.Errorf("%w: module.js:%d:%d: %s: %s", ErrCompile, qe.LineNumber, qe.ColumnNumber, qe.Name, qe.Message)
		}
		return nil, fmt.Errorf("%w: %v", ErrCompile, err)
	}
	return bc, nil
}

// Hash returns the SHA-256 of the module source as given to Compile.
func (p *Program) Hash() [32]byte { return p.hash }

// Metered reports whether the Program was compiled with gas metering.
func (p *Program) Metered() bool { return p.metered }
