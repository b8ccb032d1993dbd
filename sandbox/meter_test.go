package sandbox

import (
	"context"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
)

// TestGasPoints checks where gas is counted: one per function entry (of any
// kind), loop iteration and catch.
func TestGasPoints(t *testing.T) {
	tests := []struct {
		name string
		src  string // body of main(n); the call of main itself costs 1
		gas  func(n uint64) uint64
	}{
		{"nothing", `return 0;`, func(n uint64) uint64 { return 1 }},
		{"for", `let s = 0; for (let i = 0; i < n; i++) s += i; return s;`, func(n uint64) uint64 { return 1 + n }},
		{"while", `let i = 0; while (i < n) i++; return i;`, func(n uint64) uint64 { return 1 + n }},
		{"do-while", `let i = 0; do i++; while (i < n); return i;`, func(n uint64) uint64 { return 1 + max(n, 1) }},
		{"for-of", `let s = 0; for (const x of Array(Number(n)).fill(1)) s += x; return s;`, func(n uint64) uint64 { return 1 + n }},
		{"for-in", `let s = 0; for (const k in Array(Number(n)).fill(1)) s++; return s;`, func(n uint64) uint64 { return 1 + n }},
		{"labelled continue", `let s = 0; outer: for (let i = 0; i < n; i++) { for (;;) { continue outer; } } return s;`, func(n uint64) uint64 { return 1 + 2*n }},
		{"arrow with expression body", `const f = (x) => x + 1; let s = 0; for (let i = 0; i < n; i++) s = f(s); return s;`, func(n uint64) uint64 { return 1 + 2*n }},
		{"callbacks", `return Array.from({ length: Number(n) }, (_, i) => i).map((x) => x * 2).length;`, func(n uint64) uint64 { return 1 + 2*n }},
		{"methods, getters, constructors", `class A { constructor() { this.v = 1; } get x() { return this.v; } m() { return this.x; } }
			let s = 0; for (let i = 0; i < n; i++) s += new A().m(); return s;`, func(n uint64) uint64 { return 1 + 4*n }},
		{"object literal methods", `const o = { f() { return 1; }, get g() { return 2; } }; let s = 0; for (let i = 0; i < n; i++) s += o.f() + o.g; return s;`, func(n uint64) uint64 { return 1 + 3*n }},
		{"generators", `function* g() { for (let i = 0; i < n; i++) yield i; } let s = 0; for (const x of g()) s += x; return s;`, func(n uint64) uint64 { return 1 + 1 + 2*n }},
		{"catch", `let s = 0; for (let i = 0; i < n; i++) { try { throw i; } catch (e) { s += e; } } return s;`, func(n uint64) uint64 { return 1 + 2*n }},
		{"recursion", `const f = (k) => (k === 0 ? 0 : 1 + f(k - 1)); return f(Number(n));`, func(n uint64) uint64 { return 1 + n + 1 }},
		{"directive prologue", `const f = function () { "use strict"; return 1; }; return f();`, func(n uint64) uint64 { return 2 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := compile(t, "export default function main(n) {\n"+tt.src+"\n}", true)
			for _, n := range []uint64{0, 1, 7} {
				res, err := run(t, p, "default", []any{n}, Env{}, Limits{Gas: 1e6})
				if err != nil {
					t.Fatal(err)
				}
				// Built-ins bill their own work (TestBuiltinGas); the
				// rest is the JavaScript's.
				if want := tt.gas(n); res.GasUsed-res.BuiltinGas != want {
					t.Errorf("n=%d: gas %d (%d in built-ins), want %d besides built-ins (result %s)", n, res.GasUsed, res.BuiltinGas, want, res.Value)
				}
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"reserved prefix", "export default () => 1;\nconst __sbx_g = 5;", "module.js:2:7: the identifier prefix"},
		{"reserved prefix in a string", `export default () => globalThis["__sbx_boot"];`, "reserved"},
		{"static import", `import x from "./x.js"; export default x;`, `import of "./x.js"`},
		{"re-export", `export { a } from "./a.js";`, `re-export from "./a.js"`},
		{"top-level await", `const x = await Promise.resolve(1); export default () => x;`, "top-level await"},
		{"top-level for await", `for await (const x of []) {} export default () => 1;`, "top-level await"},
		{"syntax error", "export default function () {\n  return 1 +;\n}", "module.js:2:"},
		{"syntax error only QuickJS sees", "export default function () { let a; let a; }", "module.js:1:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, metered := range []bool{false, true} {
				_, err := Compile([]byte(tt.src), CompileOptions{Metered: metered})
				if !errors.Is(err, ErrCompile) || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("metered=%v: err = %v, want ErrCompile with %q", metered, err, tt.want)
				}
			}
		})
	}
	// Await inside functions is fine, and so is "await" as a property name.
	compile(t, `export default async () => { const o = { await: 1 }; await null; for await (const x of []) {} return o.await; };`, true)
}

func TestProgramHash(t *testing.T) {
	src := []byte(`export default () => 1;`)
	for _, metered := range []bool{false, true} {
		p, err := Compile(src, CompileOptions{Metered: metered})
		if err != nil {
			t.Fatal(err)
		}
		if p.Hash() != sha256.Sum256(src) || p.Metered() != metered {
			t.Errorf("metered=%v: Hash %x, Metered %v", metered, p.Hash(), p.Metered())
		}
	}
}

func TestMeterCharge(t *testing.T) {
	meter := new(Meter)
	env := Env{
		Meter: meter,
		Funcs: map[string]HostFunc{
			"store": func(args []any) (any, error) {
				s, _ := args[0].(string)
				if err := meter.Charge(uint64(10 * len(s))); err != nil {
					return nil, err
				}
				return len(s), nil
			},
		},
		Async: map[string]AsyncFunc{
			"hash": func(ctx context.Context, args []any) (any, error) {
				return "h", MeterFrom(ctx).Charge(1000)
			},
		},
	}
	src := `export function store1(s) { return store(s); }
export function storeLoop(s) { for (;;) { try { store(s); } catch (e) {} } }
export async function hashOnce() { return await hash(); }`
	tests := []struct {
		name    string
		metered bool
		export  string
		arg     any
		gas     uint64
		want    error
		used    uint64
	}{
		{"metered charge", true, "store1", "abc", 100, nil, 1 + 30},
		{"unmetered charge", false, "store1", "abc", 100, nil, 30},
		{"unmetered unlimited", false, "store1", "abc", 0, nil, 30},
		{"metered charge over the limit", true, "store1", "abcdefghijk", 100, ErrOutOfGas, 100},
		{"unmetered charge over the limit", false, "store1", "abcdefghijk", 100, ErrOutOfGas, 100},
		{"charges until out of gas, errors caught", true, "storeLoop", "abc", 1000, ErrOutOfGas, 1000},
		{"unmetered charges until out of gas", false, "storeLoop", "abc", 1000, ErrOutOfGas, 1000},
		{"async charge", true, "hashOnce", nil, 2000, nil, 1 + 1000},
		{"async charge over the limit", true, "hashOnce", nil, 500, ErrOutOfGas, 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := compile(t, src, tt.metered)
			res, err := run(t, p, tt.export, []any{tt.arg}, env, Limits{Gas: tt.gas})
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			// A call out of gas used its limit; otherwise built-ins
			// billed their own work (TestBuiltinGas) besides tt.used.
			used := res.GasUsed
			if tt.want == nil {
				used -= res.BuiltinGas
			}
			if used != tt.used {
				t.Errorf("GasUsed = %d (%d in built-ins), want %d", res.GasUsed, res.BuiltinGas, tt.used)
			}
		})
	}
	if err := meter.Charge(1); err == nil {
		t.Error("Charge outside a Call succeeded")
	}
	// A Meter serves one Call at a time.
	started := make(chan struct{})
	release := make(chan struct{})
	busy := Env{Meter: meter, Async: map[string]AsyncFunc{"hash": func(ctx context.Context, _ []any) (any, error) {
		close(started)
		<-release
		return nil, nil
	}}}
	p := compile(t, src, false)
	errc := make(chan error, 1)
	go func() {
		_, err := run(t, p, "hashOnce", nil, busy, Limits{})
		errc <- err
	}()
	<-started
	if _, err := run(t, p, "store1", []any{"x"}, env, Limits{}); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("second Call on a busy Meter: err = %v", err)
	}
	close(release)
	if err := <-errc; err != nil {
		t.Error(err)
	}
}
