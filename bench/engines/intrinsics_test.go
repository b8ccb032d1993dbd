package engines

import (
	"errors"
	"testing"

	"modernc.org/libc"
	lib "modernc.org/libquickjs"
)

// BenchmarkModerncIntrinsics splits the current engine's fresh VM (what
// quickjs.NewVM and VM.Close do) into the runtime, the bare context, each
// group of standard built-ins JS_NewContext adds, and the frees: where a
// context's cost is, and so what a context with some groups left out (or
// added on first use) would save.
func BenchmarkModerncIntrinsics(b *testing.B) {
	groups := []struct {
		name string
		add  func(*libc.TLS, uintptr) int32
	}{
		{"base", lib.XJS_AddIntrinsicBaseObjects},
		{"date", lib.XJS_AddIntrinsicDate},
		{"eval", lib.XJS_AddIntrinsicEval},
		{"normalize", lib.XJS_AddIntrinsicStringNormalize},
		{"regexp", lib.XJS_AddIntrinsicRegExp},
		{"json", lib.XJS_AddIntrinsicJSON},
		{"proxy", lib.XJS_AddIntrinsicProxy},
		{"mapset", lib.XJS_AddIntrinsicMapSet},
		{"typedarrays", lib.XJS_AddIntrinsicTypedArrays},
		{"promise", lib.XJS_AddIntrinsicPromise},
		{"weakref", lib.XJS_AddIntrinsicWeakRef},
	}
	names := []string{"runtime", "rawcontext"}
	for _, g := range groups {
		names = append(names, g.name)
	}
	names = append(names, "freecontext", "freeruntime")
	Measure(b, names, func(s *Stages) error {
		tls := libc.NewTLS()
		defer tls.Close()
		rt := lib.XJS_NewRuntime(tls)
		if rt == 0 {
			return errors.New("JS_NewRuntime failed")
		}
		s.Mark(0)
		ctx := lib.XJS_NewContextRaw(tls, rt)
		if ctx == 0 {
			lib.XJS_FreeRuntime(tls, rt)
			return errors.New("JS_NewContextRaw failed")
		}
		s.Mark(1)
		for i, g := range groups {
			if g.add(tls, ctx) != 0 {
				lib.XJS_FreeContext(tls, ctx)
				lib.XJS_FreeRuntime(tls, rt)
				return errors.New("JS_AddIntrinsic" + g.name + " failed")
			}
			s.Mark(2 + i)
		}
		lib.XJS_FreeContext(tls, ctx)
		s.Mark(len(names) - 2)
		lib.XJS_FreeRuntime(tls, rt)
		s.Mark(len(names) - 1)
		return nil
	})
}
