package sandbox

import (
	"context"
	"testing"
	"time"
)

// compile compiles src or fails the test.
func compile(t testing.TB, src string, metered bool) *Program {
	t.Helper()
	p, err := Compile([]byte(src), CompileOptions{Metered: metered})
	if err != nil {
		t.Fatalf("Compile: %v\n%s", err, src)
	}
	return p
}

// run runs export name of p with a background context.
func run(t testing.TB, p *Program, name string, args []any, env Env, lim Limits) (Result, error) {
	t.Helper()
	return p.Call(context.Background(), name, args, env, lim)
}

// mustCall runs export name of p and returns the JSON of its result.
func mustCall(t testing.TB, p *Program, name string, args []any, env Env, lim Limits) string {
	t.Helper()
	res, err := run(t, p, name, args, env, lim)
	if err != nil {
		t.Fatalf("Call(%s): %v", name, err)
	}
	return string(res.Value)
}

// fixed is a Determinism for tests.
var fixed = &Determinism{TimeMillis: 1_700_000_000_000, Seed: [32]byte{1, 2, 3}}

// elapsed runs f and returns how long it took.
func elapsed(f func()) time.Duration {
	t0 := time.Now()
	f()
	return time.Since(t0)
}
