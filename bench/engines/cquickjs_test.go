//go:build cquickjs

package engines

import (
	"testing"

	"github.com/phalanetwork/phala/bench/engines/cquickjs"
)

// BenchmarkCQuickJS is QuickJS, the C original, through cgo: a runtime and
// a context per call (what the sandbox does), the handler from source or
// from bytecode compiled once; and, for comparison, a context per call in
// one runtime kept for all calls (contexts of one runtime share its heap,
// memory limit and interrupt handler).
func BenchmarkCQuickJS(b *testing.B) {
	src, req := cquickjs.NewSource(Handler), cquickjs.NewSource(Request)
	bc := compileC(b, src)
	stages := []string{"create", "load", "run", "close"}
	for _, bcase := range []struct {
		name       string
		precompile bool
	}{{"source", false}, {"bytecode", true}} {
		b.Run(bcase.name, func(b *testing.B) {
			Measure(b, stages, func(s *Stages) error {
				rt, err := cquickjs.NewRuntime()
				if err != nil {
					return err
				}
				ctx, err := rt.NewContext()
				if err != nil {
					rt.Free()
					return err
				}
				s.Mark(0)
				out, err := loadAndRun(s, ctx, bcase.precompile, src, bc, req)
				ctx.Free()
				rt.Free()
				s.Mark(3)
				if err != nil {
					return err
				}
				return Check(out)
			})
		})
	}
	b.Run("shared-runtime", func(b *testing.B) {
		rt, err := cquickjs.NewRuntime()
		if err != nil {
			b.Fatal(err)
		}
		defer rt.Free()
		Measure(b, stages, func(s *Stages) error {
			ctx, err := rt.NewContext()
			if err != nil {
				return err
			}
			s.Mark(0)
			out, err := loadAndRun(s, ctx, true, src, bc, req)
			ctx.Free()
			s.Mark(3)
			if err != nil {
				return err
			}
			return Check(out)
		})
	})
}

// loadAndRun loads the handler into ctx and runs it, marking the load and
// run stages.
func loadAndRun(s *Stages, ctx *cquickjs.Context, precompiled bool, src cquickjs.Source, bc []byte, req cquickjs.Source) (string, error) {
	var err error
	if precompiled {
		err = ctx.EvalBytecode(bc)
	} else {
		err = ctx.EvalSource(src)
	}
	s.Mark(1)
	if err != nil {
		return "", err
	}
	out, err := ctx.Run(req)
	s.Mark(2)
	return out, err
}

// compileC compiles the handler to bytecode in a throwaway runtime.
func compileC(b *testing.B, src cquickjs.Source) []byte {
	rt, err := cquickjs.NewRuntime()
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Free()
	ctx, err := rt.NewContext()
	if err != nil {
		b.Fatal(err)
	}
	defer ctx.Free()
	bc, err := ctx.Compile(src)
	if err != nil {
		b.Fatal(err)
	}
	return bc
}
