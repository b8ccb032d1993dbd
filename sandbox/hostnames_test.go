package sandbox

import (
	"context"
	"strconv"
	"strings"
	"testing"
)

// TestHostFunctionNames pins which host function names Call accepts: a
// JavaScript identifier of ASCII letters, digits, _ and $, not starting
// with a digit, and not in the sandbox's reserved prefix.
func TestHostFunctionNames(t *testing.T) {
	noop := func([]any) (any, error) { return nil, nil }
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"f", true}, {"_", true}, {"$", true}, {"__phala_kv_get", true}, {"a1", true}, {"A_$9", true},
		{"", false}, {"1a", false}, {"a-b", false}, {"a b", false}, {"a.b", false}, {"é", false},
		{"aé", false}, {"a\x00", false}, {"a\n", false}, {"\u0660", false}, {reservedPrefix + "x", false},
	} {
		err := checkEnv(Env{Funcs: map[string]HostFunc{tc.name: noop}})
		if (err == nil) != tc.ok {
			t.Errorf("sync %q: got %v, want ok=%v", tc.name, err, tc.ok)
		}
		err = checkEnv(Env{Async: map[string]AsyncFunc{tc.name: func(context.Context, []any) (any, error) { return nil, nil }}})
		if (err == nil) != tc.ok {
			t.Errorf("async %q: got %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

// BenchmarkCheckEnv is the name check of an agent call's Env (every Call
// makes it before it takes a VM): ten host functions.
func BenchmarkCheckEnv(b *testing.B) {
	env := Env{Funcs: map[string]HostFunc{}}
	for i := range 10 {
		env.Funcs["__phala_host_"+strings.Repeat("x", i)+strconv.Itoa(i)] = func([]any) (any, error) { return nil, nil }
	}
	for b.Loop() {
		if err := checkEnv(env); err != nil {
			b.Fatal(err)
		}
	}
}
