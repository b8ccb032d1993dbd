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
