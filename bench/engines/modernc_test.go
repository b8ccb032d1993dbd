package engines

import (
	"context"
	"fmt"
	"testing"

	"github.com/phalanetwork/phala/pruntime/agenthost"
	"github.com/phalanetwork/phala/sandbox"
	"modernc.org/quickjs"
)

// BenchmarkSandbox is the current engine through the project's API: a
// sandbox.Program.Call (fresh VM, bootstrap, module, call, JSON of the
// answer, close) with no prelude, and a dev-mode agent call
// (agenthost.DevAgent: the agent prelude and its host functions too).
func BenchmarkSandbox(b *testing.B) {
	b.Run("bare", func(b *testing.B) {
		p, err := sandbox.Compile([]byte(HandlerModule), sandbox.CompileOptions{})
		if err != nil {
			b.Fatal(err)
		}
		req := map[string]any{"path": "/x"}
		Measure(b, []string{"call"}, func(s *Stages) error {
			res, err := p.Call(context.Background(), "default", []any{req}, sandbox.Env{}, sandbox.Limits{})
			s.Mark(0)
			if err != nil {
				return err
			}
			return Check(string(res.Value))
		})
	})
	b.Run("agent", func(b *testing.B) {
		d := &agenthost.DevAgent{}
		code := []byte(HandlerModule)
		Measure(b, []string{"call"}, func(s *Stages) error {
			res, err := d.Call(context.Background(), code, "GET", "/x", nil, nil, nil)
			s.Mark(0)
			if err != nil {
				return err
			}
			if res.Status != 200 || res.Body != "ok /x" {
				return fmt.Errorf("answer %+v", res)
			}
			return nil
		})
	})
}

// BenchmarkModernc is modernc.org/quickjs (the project's patched
// libquickjs) used directly: a VM (runtime and context) per call, the
// handler from source or from bytecode compiled once, the call, close.
func BenchmarkModernc(b *testing.B) {
	vm, err := quickjs.NewVM()
	if err != nil {
		b.Fatal(err)
	}
	bc, err := vm.Compile(Handler, quickjs.EvalGlobal)
	vm.Close()
	if err != nil {
		b.Fatal(err)
	}
	stages := []string{"create", "load", "run", "close"}
	for _, precompiled := range []bool{false, true} {
		b.Run(map[bool]string{false: "source", true: "bytecode"}[precompiled], func(b *testing.B) {
			Measure(b, stages, func(s *Stages) error {
				return freshModernc(s, func(vm *quickjs.VM) (string, error) {
					var err error
					if precompiled {
						_, err = vm.EvalBytecode(bc)
					} else {
						_, err = vm.Eval(Handler, quickjs.EvalGlobal)
					}
					s.Mark(1)
					if err != nil {
						return "", err
					}
					out, err := runModernc(vm)
					s.Mark(2)
					return out, err
				})
			})
		})
	}
}

// freshModernc runs body in a new VM and checks its answer: creating the
// VM is stage 0 and closing it stage 3; body marks the stages between.
func freshModernc(s *Stages, body func(*quickjs.VM) (string, error)) error {
	vm, err := quickjs.NewVM()
	if err != nil {
		return err
	}
	s.Mark(0)
	out, err := body(vm)
	vm.Close()
	s.Mark(3)
	if err != nil {
		return err
	}
	return Check(out)
}

// runModernc calls __call on the request through the global object, runs
// the promise jobs and returns __result.
func runModernc(vm *quickjs.VM) (string, error) {
	g := vm.GlobalObject()
	defer g.Free()
	call, err := globalFunc(vm, g, "__call")
	if err != nil {
		return "", err
	}
	defer call.Free()
	if _, err := call.Call(g, Request); err != nil {
		return "", err
	}
	if _, err := vm.ExecutePendingJobs(); err != nil {
		return "", err
	}
	result, err := globalFunc(vm, g, "__result")
	if err != nil {
		return "", err
	}
	defer result.Free()
	out, err := result.Call(g)
	if err != nil {
		return "", err
	}
	str, _ := out.(string)
	return str, nil
}

// globalFunc returns the global named name.
func globalFunc(vm *quickjs.VM, g quickjs.Value, name string) (quickjs.Value, error) {
	atom, err := vm.NewAtom(name)
	if err != nil {
		return quickjs.Value{}, err
	}
	return g.GetPropertyValue(atom)
}
