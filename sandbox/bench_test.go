package sandbox

import (
	"context"
	"testing"
)

// BenchmarkCall measures the whole cost of a call of a trivial handler: a
// fresh VM, the bootstrap, the module, the call and the JSON of the result.
func BenchmarkCall(b *testing.B) {
	const src = `export default async function main(request) { return { ok: true, echo: request.n }; }`
	args := []any{map[string]any{"n": 1}}
	for _, bc := range []struct {
		name    string
		metered bool
		env     Env
		lim     Limits
	}{
		{"unmetered", false, Env{}, Limits{}},
		{"metered", true, Env{Deterministic: fixed}, Limits{Gas: 1e6}},
	} {
		p, err := Compile([]byte(src), CompileOptions{Metered: bc.metered})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Call(context.Background(), "default", args, bc.env, bc.lim); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLoop compares metered and unmetered execution speed on a loop of
// function calls, where metering costs the most.
func BenchmarkLoop(b *testing.B) {
	const src = `const f = (x) => x + 1; export default function main(n) { let s = 0; for (let i = 0; i < n; i++) s = f(s); return s; }`
	for _, metered := range []bool{false, true} {
		p, err := Compile([]byte(src), CompileOptions{Metered: metered})
		if err != nil {
			b.Fatal(err)
		}
		name := map[bool]string{false: "unmetered", true: "metered"}[metered]
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := p.Call(context.Background(), "default", []any{100_000}, Env{}, Limits{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCompile measures Bundle and Compile of a small TypeScript handler.
func BenchmarkCompile(b *testing.B) {
	files := map[string]string{
		"index.ts": `import { greet } from "./greet"; export default async function main(req: { name: string }) { return { msg: greet(req.name) }; }`,
		"greet.ts": `export function greet(name: string): string { return "hello " + name; }`,
	}
	for b.Loop() {
		mod, err := Bundle(files, "index.ts")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Compile(mod, CompileOptions{Metered: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuiltins measures calls whose time is spent inside built-ins,
// where the engine now counts steps and polls (see native.go).
func BenchmarkBuiltins(b *testing.B) {
	for _, bc := range []struct{ name, body string }{
		{"join", `const a = new Array(10000).fill("ab"); return a.join(",").length;`},
		{"sort", `return Array.from({ length: 10000 }, (_, i) => String((i * 7919) % 10000)).sort()[0];`},
		{"JSON.parse", `return JSON.parse("[" + "1,".repeat(10000) + "1]").length;`},
		{"indexOf array-like", `return Array.prototype.indexOf.call({ length: 10000 }, 1);`},
		{"split", `return "ab".repeat(5000).split("").length;`},
	} {
		for _, metered := range []bool{false, true} {
			p, err := Compile([]byte("export default function main() { "+bc.body+" }"), CompileOptions{Metered: metered})
			if err != nil {
				b.Fatal(err)
			}
			name := bc.name + "/unmetered"
			if metered {
				name = bc.name + "/metered"
			}
			b.Run(name, func(b *testing.B) {
				for b.Loop() {
					if _, err := p.Call(context.Background(), "default", nil, Env{Deterministic: fixed}, Limits{Gas: 1e8}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
