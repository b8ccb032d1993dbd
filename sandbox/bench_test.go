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
