package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestCallExports(t *testing.T) {
	const src = `
export default async function main(request) {
	const body = await Promise.resolve(request.body);
	return { method: request.method, echo: body, n: request.n * 2, nested: { list: [1, "two", null, true] } };
}
export function handle(a, b, c) { return [typeof a, typeof b, typeof c, a, b, c]; }
export const sync = (x) => x;
export function nothing() {}
export function date() { return new Date(0); }
export const notAFunction = 5;
`
	tests := []struct {
		name string
		args []any
		want string
	}{
		{"default", []any{map[string]any{"method": "POST", "body": "hi", "n": 21}}, `{"method":"POST","echo":"hi","n":42,"nested":{"list":[1,"two",null,true]}}`},
		{"handle", []any{1.5, "s", []int{1, 2}}, `["number","string","object",1.5,"s",[1,2]]`},
		{"handle", nil, `["undefined","undefined","undefined",null,null,null]`},
		{"sync", []any{map[string]any{"b": 1, "a": 2}}, `{"a":2,"b":1}`}, // encoding/json sorts map keys
		{"nothing", nil, `null`},
		{"date", nil, `"1970-01-01T00:00:00.000Z"`},
	}
	for _, metered := range []bool{false, true} {
		p := compile(t, src, metered)
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/metered=%v", tt.name, metered), func(t *testing.T) {
				if got := mustCall(t, p, tt.name, tt.args, Env{}, Limits{}); got != tt.want {
					t.Errorf("got %s, want %s", got, tt.want)
				}
			})
		}
		for _, name := range []string{"missing", "notAFunction"} {
			if _, err := run(t, p, name, nil, Env{}, Limits{}); !errors.Is(err, ErrNoExport) {
				t.Errorf("Call(%s): err = %v, want ErrNoExport", name, err)
			}
		}
	}
}

// TestHostile runs code that attacks the sandbox. Each case must fail with
// its own error, quickly, and leave the Program usable.
func TestHostile(t *testing.T) {
	t.Parallel()
	const quick = 300 * time.Millisecond
	tests := []struct {
		name    string
		body    string // body of export default function bad()
		metered bool
		lim     Limits
		want    error
		msg     string // substring of the error
	}{
		{"endless loop metered", `while (true) {}`, true, Limits{Gas: 100_000}, ErrOutOfGas, ""},
		{"endless loop unmetered", `while (true) {}`, false, Limits{Time: quick}, ErrTimeout, ""},
		{"endless loop catching everything metered", `for (;;) { try { while (true) {} } catch (e) {} finally { continue; } }`, true, Limits{Gas: 100_000}, ErrOutOfGas, ""},
		{"endless loop catching everything unmetered", `for (;;) { try { while (true) {} } catch (e) {} finally { continue; } }`, false, Limits{Time: quick}, ErrTimeout, ""},
		// Metered code cannot catch the engine's limit errors: every
		// overflow would cost the engine a backtrace that no gas pays for.
		{"caught stack overflows metered", `const f = () => { try { f() } catch (e) {} f() }; f();`, true, Limits{Gas: 100_000}, ErrStackOverflow, ""},
		{"caught stack overflows, destructured, metered", `const f = () => { try { f() } catch ({ message }) { return message } }; return f();`, true, Limits{}, ErrStackOverflow, ""},
		{"caught stack overflows, no binding, metered", `const f = () => { try { f() } catch { return 1 } }; return f();`, true, Limits{}, ErrStackOverflow, ""},
		{"stack overflows in finally metered", `const f = () => { try { f() } finally { f() } }; f();`, true, Limits{}, ErrStackOverflow, ""},
		{"caught memory error metered", `const a = []; for (;;) { try { a.push(new Array(1e5).fill(1)); } catch (e) {} }`, true, Limits{Memory: 8 << 20}, ErrMemory, ""},
		{"caught stack overflows unmetered", `const f = () => { try { f() } catch (e) {} f() }; f();`, false, Limits{Stack: 100, Time: quick}, ErrTimeout, ""},
		{"endless async loop metered", `return (async () => { for (;;) await null; })();`, true, Limits{Gas: 10_000}, ErrOutOfGas, ""},
		{"endless async loop unmetered", `return (async () => { for (;;) await null; })();`, false, Limits{Time: quick}, ErrTimeout, ""},
		{"endless loop in a promise executor", `return new Promise(() => { for (;;); });`, true, Limits{Gas: 100_000}, ErrOutOfGas, ""},
		{"microtask flood", `const f = () => Promise.resolve().then(f); f(); return new Promise(() => {});`, false, Limits{Time: quick}, ErrTimeout, ""},
		{"array growth", `const a = []; for (;;) a.push(new Array(1e5).fill(1));`, false, Limits{Memory: 8 << 20}, ErrMemory, ""},
		{"array growth metered", `const a = []; for (;;) a.push(new Array(1e5).fill(1));`, true, Limits{Memory: 8 << 20}, ErrMemory, ""},
		{"string growth", `let s = "x"; for (;;) s += s;`, false, Limits{}, ErrMemory, ""},
		{"string copies", `const a = []; let s = "x".repeat(1e4); for (;;) a.push(s.split("").join(""));`, false, Limits{Memory: 4 << 20}, ErrMemory, ""},
		// The engine checks for interrupts every 10000 calls or jumps; with
		// a slow built-in in every iteration that would be minutes.
		{"slow built-in in a loop", `const a = Array.from({ length: 1e5 }, (_, i) => String((i * 7919) % 1e5)); for (;;) a.slice().sort();`, false, Limits{Time: quick}, ErrTimeout, ""},
		{"slow built-in in a loop metered", `const o = Array.from({ length: 2e4 }, (_, i) => ({ i })); for (;;) JSON.parse(JSON.stringify(o));`, true, Limits{Time: quick}, ErrTimeout, ""},
		{"catastrophic regexp", `for (;;) /(a+)+$/.test("a".repeat(40) + "!");`, false, Limits{Time: quick}, ErrTimeout, ""},
		{"deep recursion", `const f = (n) => f(n + 1) + 1; return f(0);`, false, Limits{}, ErrStackOverflow, "stack overflow"},
		{"deep recursion metered", `const f = (n) => f(n + 1) + 1; return f(0);`, true, Limits{Stack: 200}, ErrStackOverflow, ""},
		{"huge output", `return "x".repeat(2e6);`, false, Limits{}, ErrOutputTooLarge, ""},
		{"huge non-ASCII output", `return "\u00e9".repeat(600);`, false, Limits{Output: 1000}, ErrOutputTooLarge, "1202 bytes"},
		{"unserializable output", `return 1n;`, false, Limits{}, ErrScript, "BigInt"},
		{"cyclic output", `const a = {}; a.a = a; return a;`, false, Limits{}, ErrScript, "circular"},
		{"throw a string", `throw "boom";`, false, Limits{}, ErrScript, "uncaught string: boom"},
		{"throw an object", `throw { code: 7 };`, true, Limits{}, ErrScript, `uncaught object: {"code":7}`},
		{"throw undefined", `throw undefined;`, false, Limits{}, ErrScript, "uncaught undefined"},
		// The engine throws null when it cannot allocate the out-of-memory error.
		{"throw null", `throw null;`, false, Limits{}, ErrMemory, "uncaught null"},
		{"throw an Error", `throw new RangeError("bad range");`, false, Limits{}, ErrScript, "RangeError: bad range"},
		{"reject", `return Promise.reject(new TypeError("nope"));`, false, Limits{}, ErrScript, "TypeError: nope"},
		{"hostile error object", `throw { get name() { throw 1 }, toJSON() { throw 2 }, toString() { throw 3 } };`, false, Limits{}, ErrScript, "uncaught"},
		{"promise that never resolves", `return new Promise(() => {});`, false, Limits{}, ErrTimeout, "never settle"},
		{"await that never resumes", `return (async () => { await new Promise(() => {}); })();`, true, Limits{}, ErrTimeout, "never settle"},
		{"eval when metered", `return eval("1 + 1");`, true, Limits{}, ErrScript, "EvalError"},
		{"Function when metered", `return (() => {}).constructor("return 1")();`, true, Limits{}, ErrScript, "EvalError"},
		{"generator Function when metered", `return Object.getPrototypeOf(function* () {}).constructor("yield 1")().next();`, true, Limits{}, ErrScript, "EvalError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := "export default function bad() {\n" + tt.body + "\n}\nexport function ok(x) { return { ok: x }; }\n"
			p := compile(t, src, tt.metered)
			lim := tt.lim
			if tt.want != ErrTimeout && lim.Time == 0 {
				lim.Time = 20 * time.Second * raceSlowdown // slow machines, the race detector
			}
			var res Result
			var err error
			d := elapsed(func() { res, err = run(t, p, "default", nil, Env{Deterministic: fixed}, lim) })
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not contain %q", err, tt.msg)
			}
			if res.Value != nil {
				t.Errorf("Value = %s on error", res.Value)
			}
			if tt.want == ErrOutOfGas && res.GasUsed != lim.Gas {
				t.Errorf("GasUsed = %d, want the limit %d", res.GasUsed, lim.Gas)
			}
			limit := lim.withDefaults().Time
			if d > limit+time.Second {
				t.Errorf("took %v, limit %v", d, limit)
			}
			// The Program still works.
			if got := mustCall(t, p, "ok", []any{1}, Env{}, Limits{}); got != `{"ok":1}` {
				t.Errorf("next call: got %s", got)
			}
		})
	}
}

func TestModuleErrors(t *testing.T) {
	tests := []struct {
		src  string
		want string
	}{
		{`throw new TypeError("at load time"); export default () => 1;`, "TypeError: at load time"},
		{`export default () => 1; undefinedFunction();`, "ReferenceError"},
		{`export let x = f(); function f() { return x; } export default () => 1;`, "ReferenceError"},
	}
	for _, tt := range tests {
		for _, metered := range []bool{false, true} {
			p := compile(t, tt.src, metered)
			_, err := run(t, p, "default", nil, Env{}, Limits{})
			if !errors.Is(err, ErrScript) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("metered=%v %q: err = %v, want %q", metered, tt.src, err, tt.want)
			}
		}
	}
}

func TestCallTimeout(t *testing.T) {
	t.Parallel()
	p := compile(t, `export default function () { for (;;) {} }`, false)
	for _, limit := range []time.Duration{50 * time.Millisecond, 200 * time.Millisecond} {
		var err error
		d := elapsed(func() { _, err = run(t, p, "default", nil, Env{}, Limits{Time: limit}) })
		if !errors.Is(err, ErrTimeout) {
			t.Fatalf("err = %v, want ErrTimeout", err)
		}
		if d < limit || d > limit+200*time.Millisecond {
			t.Errorf("limit %v: took %v", limit, d)
		}
	}
}

func TestCallContextCancelled(t *testing.T) {
	t.Parallel()
	p := compile(t, `export default async function (x) { if (x) await host_wait(); for (;;) {} }`, false)
	wait := func(ctx context.Context, _ []any) (any, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	for _, waitOnHost := range []bool{false, true} {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		var err error
		d := elapsed(func() {
			_, err = p.Call(ctx, "default", []any{waitOnHost}, Env{Async: map[string]AsyncFunc{"host_wait": wait}}, Limits{Time: 5 * time.Second})
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if d > time.Second {
			t.Errorf("took %v after cancelling at 50ms", d)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Call(ctx, "default", nil, Env{}, Limits{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before the call: err = %v", err)
	}
	// A context deadline is a timeout.
	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := p.Call(ctx, "default", nil, Env{}, Limits{}); !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("context deadline: err = %v", err)
	}
}

func TestNoHostAccess(t *testing.T) {
	const src = `export default async function () {
	const names = ["print", "console", "std", "os", "scriptArgs", "setTimeout", "performance", "require", "process", "Deno", "fetch", "XMLHttpRequest", "WebAssembly"];
	const present = names.filter((n) => typeof globalThis[n] !== "undefined");
	for (const n of ["__" + "sbx_oog", "__" + "sbx_caught"]) {
		const d = Object.getOwnPropertyDescriptor(globalThis, n);
		if (d && (d.writable || d.configurable)) present.push(n + " is not locked");
	}
	const imports = [];
	for (const m of ["std", "os", "qjs:std", "qjs:os", "./x.js", "<eval>x"]) {
		try { await import(m); imports.push(m); } catch (e) {}
	}
	const locked = ["__" + "sbx_oog", "__" + "sbx_caught"];
	const hidden = Object.getOwnPropertyNames(globalThis).filter((n) => n.startsWith("__" + "sbx") && !locked.includes(n));
	return { present, imports, hidden };
}`
	want := `{"present":[],"imports":[],"hidden":[]}`
	for _, metered := range []bool{false, true} {
		p := compile(t, src, metered)
		if got := mustCall(t, p, "default", nil, Env{Deterministic: fixed}, Limits{}); got != want {
			t.Errorf("metered=%v: got %s, want %s", metered, got, want)
		}
	}
	for _, src := range []string{`import * as std from "std"; export default () => 1;`, `export * from "os";`} {
		if _, err := Compile([]byte(src), CompileOptions{}); !errors.Is(err, ErrCompile) {
			t.Errorf("Compile(%q): err = %v, want ErrCompile", src, err)
		}
	}
}

func TestHostFuncs(t *testing.T) {
	var calls atomic.Int32
	env := Env{
		Prelude: `globalThis.kv = { get: (k) => host_get(k), put: (k, v) => host_put(k, v) };`,
		Funcs: map[string]HostFunc{
			"host_get": func(args []any) (any, error) {
				calls.Add(1)
				if args[0] == "missing" {
					return nil, errors.New("no such key")
				}
				return map[string]any{"key": args[0], "n": 1.5}, nil
			},
			"host_put": func(args []any) (any, error) {
				calls.Add(1)
				b, _ := json.Marshal(args)
				return string(b), nil
			},
			"host_panic": func(args []any) (any, error) { panic("host bug") },
			"host_bad":   func(args []any) (any, error) { return func() {}, nil },
		},
	}
	p := compile(t, `
export function get(k) { return kv.get(k); }
export function put() { return kv.put("a", { x: [1, 2], y: undefined, z: null }); }
export function missing() { try { kv.get("missing"); } catch (e) { return [e instanceof Error, e.message]; } }
export function uncaught() { kv.get("missing"); }
export function panics() { try { host_panic(); } catch (e) { return "caught"; } }
export function bad() { try { host_bad(); } catch (e) { return e.message; } }
export function loop(n) { let s = 0; for (let i = 0; i < n; i++) s += kv.get("k").n; return s; }
`, true)
	tests := []struct {
		name string
		args []any
		want string
		err  string
	}{
		{"get", []any{"k"}, `{"key":"k","n":1.5}`, ""},
		{"put", nil, `"[\"a\",{\"x\":[1,2],\"z\":null}]"`, ""},
		{"missing", nil, `[true,"no such key"]`, ""},
		{"uncaught", nil, "", "Error: no such key"},
		{"panics", nil, "", "host function host_panic panicked: host bug"},
		{"bad", nil, `"host_bad: result: json: unsupported type: func()"`, ""},
		{"loop", []any{100}, `150`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := run(t, p, tt.name, tt.args, env, Limits{})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(res.Value) != tt.want {
				t.Errorf("got %s, want %s", res.Value, tt.want)
			}
		})
	}
	f := func([]any) (any, error) { return nil, nil }
	af := func(context.Context, []any) (any, error) { return nil, nil }
	bad := []Env{
		{Funcs: map[string]HostFunc{"not an identifier": f}},
		{Funcs: map[string]HostFunc{"__sbx_x": f}},
		{Funcs: map[string]HostFunc{"f": f}, Async: map[string]AsyncFunc{"f": af}},
		{Funcs: map[string]HostFunc{"f": nil}},
		{Async: map[string]AsyncFunc{"f": nil}},
	}
	for _, env := range bad {
		if _, err := run(t, p, "get", []any{"k"}, env, Limits{}); err == nil {
			t.Errorf("env %v accepted", env)
		}
	}
}

func TestAsyncHostFuncs(t *testing.T) {
	leftover := make(chan error, 1)
	env := Env{
		Async: map[string]AsyncFunc{
			"host_fetch": func(ctx context.Context, args []any) (any, error) {
				if MeterFrom(ctx) == nil {
					return nil, errors.New("no meter in context")
				}
				url, _ := args[0].(string)
				select {
				case <-time.After(5 * time.Millisecond):
				case <-ctx.Done():
					return nil, ctx.Err()
				}
				if strings.HasPrefix(url, "bad:") {
					return nil, fmt.Errorf("fetch %s: refused", url)
				}
				return map[string]any{"status": 200, "body": "hello from " + url}, nil
			},
			"host_forever": func(ctx context.Context, args []any) (any, error) {
				<-ctx.Done()
				leftover <- ctx.Err()
				return nil, ctx.Err()
			},
		},
	}
	p := compile(t, `
export default async function main(req) {
	const r = await host_fetch(req.url);
	return { status: r.status, body: r.body };
}
export async function rejected() {
	try { await host_fetch("bad://x"); return "no error"; } catch (e) { return "caught: " + e.message; }
}
export async function uncaught() { await host_fetch("bad://y"); }
export async function many(n) {
	const urls = Array.from({ length: n }, (_, i) => "u" + i);
	const rs = await Promise.all(urls.map((u) => host_fetch(u)));
	return rs.map((r) => r.body).join(",");
}
export async function abandon() { host_forever(); return "done"; }
`, false)
	if got := mustCall(t, p, "default", []any{map[string]any{"url": "https://example"}}, env, Limits{}); got != `{"status":200,"body":"hello from https://example"}` {
		t.Errorf("default: got %s", got)
	}
	if got := mustCall(t, p, "rejected", nil, env, Limits{}); got != `"caught: fetch bad://x: refused"` {
		t.Errorf("rejected: got %s", got)
	}
	if _, err := run(t, p, "uncaught", nil, env, Limits{}); !errors.Is(err, ErrScript) || !strings.Contains(err.Error(), "fetch bad://y: refused") {
		t.Errorf("uncaught: err = %v", err)
	}
	if got := mustCall(t, p, "many", []any{20}, env, Limits{}); got != `"hello from u0,hello from u1,hello from u2,hello from u3,hello from u4,hello from u5,hello from u6,hello from u7,hello from u8,hello from u9,hello from u10,hello from u11,hello from u12,hello from u13,hello from u14,hello from u15,hello from u16,hello from u17,hello from u18,hello from u19"` {
		t.Errorf("many: got %s", got)
	}
	if got := mustCall(t, p, "abandon", nil, env, Limits{}); got != `"done"` {
		t.Errorf("abandon: got %s", got)
	}
	select {
	case err := <-leftover:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("leftover host call ended with %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Error("the host call left pending was not cancelled")
	}
	// A host call that outlives the time limit.
	slow := Env{Async: map[string]AsyncFunc{"host_fetch": func(ctx context.Context, _ []any) (any, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}}}
	if _, err := run(t, p, "default", []any{map[string]any{"url": "x"}}, slow, Limits{Time: 100 * time.Millisecond}); !errors.Is(err, ErrTimeout) {
		t.Errorf("slow host: err = %v, want ErrTimeout", err)
	}
}

func TestPrelude(t *testing.T) {
	p := compile(t, `export default () => greet("world");`, true)
	env := Env{Prelude: `function greet(x) { for (let i = 0; i < 1000; i++); return "hello " + x; }`}
	res, err := run(t, p, "default", nil, env, Limits{Gas: 10})
	if err != nil {
		t.Fatal(err)
	}
	// The prelude's loop is not metered; the string it builds is work done
	// inside a built-in, which is.
	if string(res.Value) != `"hello world"` || res.GasUsed-res.BuiltinGas != 1 || res.BuiltinGas > 5 {
		t.Errorf("got %s, gas %d (%d in built-ins); want the prelude unmetered", res.Value, res.GasUsed, res.BuiltinGas)
	}
	if _, err := run(t, p, "default", nil, Env{Prelude: `throw new Error("bad prelude")`}, Limits{}); !errors.Is(err, ErrScript) || !strings.Contains(err.Error(), "prelude") {
		t.Errorf("failing prelude: err = %v", err)
	}
}

func TestConcurrentCalls(t *testing.T) {
	p := compile(t, `export default (n) => { let s = 0; for (let i = 0; i < n; i++) s += i; return s; }`, true)
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			res, err := p.Call(context.Background(), "default", []any{i * 100}, Env{}, Limits{Gas: 1e6})
			if err == nil && string(res.Value) != fmt.Sprint(i*100*(i*100-1)/2) {
				err = fmt.Errorf("call %d: got %s", i, res.Value)
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestPatchedBuiltins checks that code that patches the built-ins the
// sandbox uses changes only its own results.
func TestPatchedBuiltins(t *testing.T) {
	p := compile(t, `
Promise.prototype.then = function () { throw new Error("patched then"); };
Promise.resolve = () => { throw new Error("patched resolve"); };
Array.prototype[Symbol.iterator] = function* () { yield "patched"; };
String.prototype.slice = () => "patched";
JSON.stringify = () => "patched";
JSON.parse = () => "patched";
Reflect.apply = () => "patched";
export default function main(a, b) { return { a, b, got: host_echo(a) }; }
`, true)
	env := Env{Funcs: map[string]HostFunc{"host_echo": func(args []any) (any, error) { return args, nil }}}
	if got := mustCall(t, p, "default", []any{1, "x"}, env, Limits{}); got != `{"a":1,"b":"x","got":[1]}` {
		t.Errorf("got %s", got)
	}
}
