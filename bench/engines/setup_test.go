package engines

import (
	"fmt"
	"reflect"
	"testing"
	"unsafe"

	lib "modernc.org/libquickjs"
	"modernc.org/quickjs"
)

// agentSetup loads the agent setup from the project's tree.
func agentSetup(b *testing.B) AgentSetup {
	s, err := LoadAgentSetup("../..")
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkModerncAgentSetup is what an agent call's VM runs before and
// around the handler, on modernc.org/quickjs directly: the host stubs, the
// bootstrap (called with its configuration), the agent prelude, all from
// bytecode compiled once without debug information (as the sandbox's
// compileTrusted does), then the handler and the call. Compare it with
// BenchmarkSandbox/agent (the same plus the sandbox's Go side) and with
// BenchmarkCQuickJS/agent-setup (the same JavaScript on the C original).
func BenchmarkModerncAgentSetup(b *testing.B) {
	setup := agentSetup(b)
	var bcs [4][]byte
	for i, src := range []string{setup.Stubs, setup.Bootstrap, setup.Prelude, Handler} {
		bc, err := compileStripped(src)
		if err != nil {
			b.Fatal(err)
		}
		bcs[i] = bc
	}
	Measure(b, []string{"create", "setup", "run", "close"}, func(s *Stages) error {
		return freshModernc(s, func(vm *quickjs.VM) (string, error) {
			err := runSetup(vm, bcs[0], bcs[1], bcs[2], setup.Config)
			s.Mark(1)
			if err != nil {
				return "", err
			}
			if _, err := vm.EvalBytecode(bcs[3]); err != nil {
				return "", err
			}
			out, err := runModernc(vm)
			s.Mark(2)
			return out, err
		})
	})
}

// runSetup evaluates the stubs, calls the bootstrap's function with cfg
// and evaluates the prelude.
func runSetup(vm *quickjs.VM, stubs, boot, prelude []byte, cfg string) error {
	if _, err := vm.EvalBytecode(stubs); err != nil {
		return fmt.Errorf("stubs: %w", err)
	}
	f, err := vm.EvalBytecodeValue(boot)
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	defer f.Free()
	box, err := f.CallValue(quickjs.UndefinedValue, cfg)
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	box.Free()
	if _, err := vm.EvalBytecode(prelude); err != nil {
		return fmt.Errorf("prelude: %w", err)
	}
	return nil
}

// compileStripped compiles global code without its debug information and
// source, as the sandbox compiles trusted code (reaching the runtime the
// way sandbox/native.go does).
func compileStripped(src string) ([]byte, error) {
	vm, err := quickjs.NewVM()
	if err != nil {
		return nil, err
	}
	defer vm.Close()
	f := reflect.ValueOf(vm).Elem().FieldByName("cContext")
	if !f.IsValid() || f.Kind() != reflect.Uintptr {
		return nil, fmt.Errorf("modernc.org/quickjs: no cContext field")
	}
	ctx := uintptr(f.Uint())
	rt := (*lib.TJSContext)(*(*unsafe.Pointer)(unsafe.Pointer(&ctx))).Frt
	(*lib.TJSRuntime)(*(*unsafe.Pointer)(unsafe.Pointer(&rt))).Fstrip_flags = lib.MJS_STRIP_DEBUG | lib.MJS_STRIP_SOURCE
	return vm.Compile(src, quickjs.EvalGlobal)
}
