package engines

import (
	"fmt"
	"testing"

	"github.com/dop251/goja"
)

// BenchmarkGoja is github.com/dop251/goja (pure Go): a Runtime per call,
// the handler from source or from a Program compiled once, the call (goja
// runs the promise jobs when the outermost call returns). A Runtime has no
// destructor: the Go garbage collector frees it, on other threads, which
// the process CPU per call (cpu-us/op) includes.
func BenchmarkGoja(b *testing.B) {
	prog, err := goja.Compile("handler.js", Handler, true)
	if err != nil {
		b.Fatal(err)
	}
	stages := []string{"create", "load", "run"}
	for _, precompiled := range []bool{false, true} {
		b.Run(map[bool]string{false: "source", true: "program"}[precompiled], func(b *testing.B) {
			Measure(b, stages, func(s *Stages) error {
				vm := goja.New()
				s.Mark(0)
				var err error
				if precompiled {
					_, err = vm.RunProgram(prog)
				} else {
					_, err = vm.RunString(Handler)
				}
				s.Mark(1)
				var out string
				if err == nil {
					out, err = runGoja(vm)
				}
				s.Mark(2)
				if err != nil {
					return err
				}
				return Check(out)
			})
		})
	}
}

// runGoja calls __call on the request and returns __result.
func runGoja(vm *goja.Runtime) (string, error) {
	call, ok := goja.AssertFunction(vm.Get("__call"))
	if !ok {
		return "", fmt.Errorf("__call is not a function")
	}
	if _, err := call(goja.Undefined(), vm.ToValue(Request)); err != nil {
		return "", err
	}
	result, ok := goja.AssertFunction(vm.Get("__result"))
	if !ok {
		return "", fmt.Errorf("__result is not a function")
	}
	v, err := result(goja.Undefined())
	if err != nil {
		return "", err
	}
	return v.String(), nil
}

// BenchmarkGojaAgentSetup is BenchmarkModerncAgentSetup on goja: the same
// stubs, bootstrap and prelude, compiled once to goja Programs. It is
// skipped while goja cannot compile them (the measured version has no
// async generators, which bootstrap.js uses).
func BenchmarkGojaAgentSetup(b *testing.B) {
	setup := agentSetup(b)
	var progs [4]*goja.Program
	for i, src := range []string{setup.Stubs, setup.Bootstrap, setup.Prelude, Handler} {
		p, err := goja.Compile(fmt.Sprintf("setup%d.js", i), src, false)
		if err != nil {
			b.Skipf("goja cannot compile the agent setup: %v", err)
		}
		progs[i] = p
	}
	Measure(b, []string{"create", "setup", "run"}, func(s *Stages) error {
		vm := goja.New()
		s.Mark(0)
		err := gojaSetup(vm, progs[0], progs[1], progs[2], setup.Config)
		s.Mark(1)
		var out string
		if err == nil {
			if _, err = vm.RunProgram(progs[3]); err == nil {
				out, err = runGoja(vm)
			}
		}
		s.Mark(2)
		if err != nil {
			return err
		}
		return Check(out)
	})
}

// gojaSetup runs the stubs, calls the bootstrap's function with cfg and
// runs the prelude.
func gojaSetup(vm *goja.Runtime, stubs, boot, prelude *goja.Program, cfg string) error {
	if _, err := vm.RunProgram(stubs); err != nil {
		return fmt.Errorf("stubs: %w", err)
	}
	f, err := vm.RunProgram(boot)
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	call, ok := goja.AssertFunction(f)
	if !ok {
		return fmt.Errorf("bootstrap is not a function")
	}
	if _, err := call(goja.Undefined(), vm.ToValue(cfg)); err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	if _, err := vm.RunProgram(prelude); err != nil {
		return fmt.Errorf("prelude: %w", err)
	}
	return nil
}
