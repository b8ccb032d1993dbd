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
	bc := compileC(b, src, false)
	stages := []string{"create", "load", "run", "close"}
	for _, bcase := range []struct {
		name       string
		precompile bool
	}{{"source", false}, {"bytecode", true}} {
		b.Run(bcase.name, func(b *testing.B) {
			Measure(b, stages, func(s *Stages) error {
				return freshC(s, func(ctx *cquickjs.Context) (string, error) {
					return loadAndRun(s, ctx, bcase.precompile, src, bc, req)
				})
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

// BenchmarkCQuickJSAgentSetup is BenchmarkModerncAgentSetup on the C
// original: the same stubs, bootstrap and prelude, stripped bytecode, the
// handler and the call, in a runtime and context per call.
func BenchmarkCQuickJSAgentSetup(b *testing.B) {
	setup := agentSetup(b)
	var bcs [4][]byte
	for i, src := range []string{setup.Stubs, setup.Bootstrap, setup.Prelude, Handler} {
		bcs[i] = compileC(b, cquickjs.NewSource(src), true)
	}
	cfg, req := cquickjs.NewSource(setup.Config), cquickjs.NewSource(Request)
	Measure(b, []string{"create", "setup", "run", "close"}, func(s *Stages) error {
		return freshC(s, func(ctx *cquickjs.Context) (string, error) {
			err := ctx.EvalBytecode(bcs[0])
			if err == nil {
				err = ctx.EvalBytecodeCall(bcs[1], cfg)
			}
			if err == nil {
				err = ctx.EvalBytecode(bcs[2])
			}
			s.Mark(1)
			if err != nil {
				return "", err
			}
			if err := ctx.EvalBytecode(bcs[3]); err != nil {
				return "", err
			}
			out, err := ctx.Run(req)
			s.Mark(2)
			return out, err
		})
	})
}

// freshC runs body in a new runtime and context and checks its answer:
// creating them is stage 0 and freeing them stage 3; body marks the
// stages between.
func freshC(s *Stages, body func(*cquickjs.Context) (string, error)) error {
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
	out, err := body(ctx)
	ctx.Free()
	rt.Free()
	s.Mark(3)
	if err != nil {
		return err
	}
	return Check(out)
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

// compileC compiles src to bytecode in a throwaway runtime, without debug
// information if stripped.
func compileC(b *testing.B, src cquickjs.Source, stripped bool) []byte {
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
	compile := ctx.Compile
	if stripped {
		compile = ctx.CompileStripped
	}
	bc, err := compile(src)
	if err != nil {
		b.Fatal(err)
	}
	return bc
}
