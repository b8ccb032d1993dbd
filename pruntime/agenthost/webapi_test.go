package agenthost

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/egress"
	"github.com/phalanetwork/phala/llm"
	"github.com/phalanetwork/phala/sandbox"
)

// runWeb runs an agent whose handler body is script (it may await and must
// return a JSON-serializable value, the response body) in the real sandbox
// through DevAgent, with the request body in; it returns the handler's
// value as raw JSON.
func runWeb(t *testing.T, rt Runtime, script string, in any) (json.RawMessage, error) {
	t.Helper()
	inJSON, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	code := "export default async function main(request) {\n  const input = JSON.parse(request.body);\n  const out = await (async () => {\n" + script + "\n  })();\n  return { status: 200, body: JSON.stringify(out === undefined ? null : out) };\n}\n"
	d := &DevAgent{Runtime: rt}
	res, err := d.Call(context.Background(), []byte(code), "POST", "/", nil, nil, inJSON)
	if err != nil {
		return nil, err
	}
	if res.Status != 200 {
		return nil, errors.New(res.Body)
	}
	return json.RawMessage(res.Body), nil
}

// mustWeb is runWeb failing the test on an error.
func mustWeb(t *testing.T, script string, in any) json.RawMessage {
	t.Helper()
	out, err := runWeb(t, Runtime{Limits: sandbox.Limits{Time: 5 * time.Second}}, script, in)
	if err != nil {
		t.Fatalf("script failed: %v", err)
	}
	return out
}

// TestWebAPIGlobals: every global of the WinterTC minimum common API that
// applies to a handler is there and behaves, each checked by one expression.
func TestWebAPIGlobals(t *testing.T) {
	cases := []struct{ name, expr, want string }{
		{"btoa", `btoa("\u00ff\u0000hi")`, `"/wBoaQ=="`},
		{"atob", `[...atob(" /wBo aQ== ")].map((c) => c.charCodeAt(0))`, `[255,0,104,105]`},
		{"atob refuses", `(() => { try { atob("a"); return "no"; } catch (e) { return e.name; } })()`, `"InvalidCharacterError"`},
		{"btoa refuses", `(() => { try { btoa("\u0100"); return "no"; } catch (e) { return e.name; } })()`, `"InvalidCharacterError"`},
		{"structuredClone cycle", `(() => { const a = { m: new Map([[1, new Set([2])]]), d: new Date(5), u: new Uint8Array([1, 2]) }; a.self = a; const b = structuredClone(a); return [b !== a, b.self === b, b.m.get(1).has(2), b.d.getTime(), [...b.u]]; })()`, `[true,true,true,5,[1,2]]`},
		{"structuredClone refuses functions", `(() => { try { structuredClone({ f() {} }); return "no"; } catch (e) { return e.name; } })()`, `"DataCloneError"`},
		{"queueMicrotask before timer", `await new Promise((done) => { const o = []; setTimeout(() => { o.push("t"); done(o); }, 0); queueMicrotask(() => o.push("m")); o.push("s"); })`, `["s","m","t"]`},
		{"timers in order", `await new Promise((done) => { const o = []; setTimeout(() => o.push(30), 30); setTimeout(() => o.push(1), 1); const c = setTimeout(() => o.push("cleared"), 5); clearTimeout(c); setTimeout(() => done(o), 60); })`, `[1,30]`},
		{"setInterval", `await new Promise((done) => { let n = 0; const id = setInterval((x) => { n += x; if (n === 3) { clearInterval(id); setTimeout(() => done(n), 20); } }, 1, 1); })`, `3`},
		{"performance.now", `(() => { const a = performance.now(); const b = performance.now(); return [typeof a, b >= a, Number.isInteger(a), typeof performance.timeOrigin]; })()`, `["number",true,true,"number"]`},
		{"randomUUID", `/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(crypto.randomUUID())`, `true`},
		{"getRandomValues", `crypto.getRandomValues(new Uint8Array(32)).some((x) => x !== 0)`, `true`},
		{"AbortController", `(() => { const c = new AbortController(); let seen = null; c.signal.addEventListener("abort", (e) => { seen = e.type; }); c.abort(); return [c.signal.aborted, seen, c.signal.reason.name]; })()`, `[true,"abort","AbortError"]`},
		{"AbortSignal.timeout", `await new Promise((done) => { const s = AbortSignal.timeout(5); s.onabort = () => done(s.reason.name); })`, `"TimeoutError"`},
		{"AbortSignal.any", `(() => { const c = new AbortController(); const s = AbortSignal.any([c.signal]); c.abort("why"); return [s.aborted, s.reason]; })()`, `[true,"why"]`},
		{"EventTarget once", `(() => { const t = new EventTarget(); let n = 0; t.addEventListener("x", () => n++, { once: true }); t.dispatchEvent(new Event("x")); t.dispatchEvent(new Event("x")); return n; })()`, `1`},
		{"console", `(() => { console.log("a", { b: 1 }, new Error("e")); return typeof console.error; })()`, `"function"`},
		{"FormData", `(() => { const f = new FormData(); f.append("a", "1"); f.append("a", "2"); f.set("b", new Blob(["xy"])); return [f.getAll("a"), f.get("b").name, f.get("b").size]; })()`, `[["1","2"],"blob",2]`},
		{"Blob", `await new Blob(["h", new Uint8Array([105])], { type: "Text/Plain" }).text() + new Blob([], { type: "Text/Plain" }).type`, `"hitext/plain"`},
	}
	runExprCases(t, cases)
}

// TestRedTeamWebAPIHostFunctionsHidden: the raw host functions behind the
// web platform are gone from the global object before agent code runs, so
// an agent cannot call them with crafted arguments (the prelude checks
// arguments; the raw functions trust them less, but need not be reachable).
func TestRedTeamWebAPIHostFunctionsHidden(t *testing.T) {
	got := mustWeb(t, `return ["__phala_sleep", "__phala_subtle", "__phala_fetch", "__phala_webapi", "__phala_log"].map((k) => typeof globalThis[k]);`, nil)
	if string(got) != `["undefined","undefined","undefined","undefined","undefined"]` {
		t.Fatalf("host functions visible to the agent: %s", got)
	}
}

// TestRedTeamTimersBoundedByCall: an agent that keeps an interval running
// and never settles cannot outlive its call: the call ends with the time
// limit, not later; and a handler that answers with a timer still pending
// (an hour away) answers at once, the timer dropped.
func TestRedTeamTimersBoundedByCall(t *testing.T) {
	rt := Runtime{Limits: sandbox.Limits{Time: 300 * time.Millisecond}}
	start := time.Now()
	_, err := runWeb(t, rt, `setInterval(() => {}, 0); await new Promise(() => { setTimeout(() => {}, 3600e3); });`, nil)
	if !errors.Is(err, sandbox.ErrTimeout) {
		t.Fatalf("never-settling handler with live timers: err %v, want the time limit", err)
	}
	if el := time.Since(start); el > 300*time.Millisecond+100*time.Millisecond {
		t.Fatalf("the call ended %v after its start, past its 300 ms limit + 100 ms", el)
	}
	start = time.Now()
	out, err := runWeb(t, rt, `setTimeout(() => { throw new Error("late"); }, 3600e3); return "answered";`, nil)
	if err != nil || string(out) != `"answered"` {
		t.Fatalf("handler with a pending timer: %s %v", out, err)
	}
	if el := time.Since(start); el > 200*time.Millisecond {
		t.Fatalf("a pending timer held the answer back %v", el)
	}
}

// testServer echoes request bodies and serves binary data, for fetch.
func testServer(t *testing.T) (*httptest.Server, Runtime, chan []byte) {
	got := make(chan []byte, 4)
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/echo":
			b, _ := io.ReadAll(r.Body)
			got <- b
			w.Header().Set("Content-Type", r.Header.Get("Content-Type"))
			w.Header().Add("X-Multi", "a")
			w.Header().Add("X-Multi", "b")
			w.Write(b)
		case "/bytes":
			b := make([]byte, 256)
			for i := range b {
				b[i] = byte(i)
			}
			w.Write(b)
		case "/json":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"ok":true,"n":[1,2]}`)
		case "/block":
			select {
			case <-block:
			case <-r.Context().Done():
			}
		}
	}))
	t.Cleanup(func() { close(block); srv.Close() })
	rt := Runtime{Egress: egress.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}, Limits: sandbox.Limits{Time: 5 * time.Second}}
	return srv, rt, got
}

// TestFetchBinaryBodies: bytes 0..255 go out and come back unchanged (they
// cross the host boundary as base64), and fetch's answer is a real Response.
func TestFetchBinaryBodies(t *testing.T) {
	srv, rt, got := testServer(t)
	out, err := runWeb(t, rt, `
const all = new Uint8Array(256).map((_, i) => i);
const r = await fetch(input.base + "/echo", { method: "POST", body: all, headers: { "content-type": "application/octet-stream" } });
const echoed = new Uint8Array(await r.arrayBuffer());
const b = await fetch(new Request(input.base + "/bytes"));
const bytes = new Uint8Array(await b.arrayBuffer());
const j = await (await fetch(input.base + "/json")).json();
const t = await fetch(input.base + "/echo", { method: "POST", body: new URLSearchParams({ a: "1 2" }) });
return [r instanceof Response, r.ok, r.status, r.headers.get("x-multi"), echoed.length, echoed.every((x, i) => x === i),
  bytes.length, bytes[255], j, await t.text(), t.headers.get("content-type"), r.bodyUsed];`, map[string]string{"base": srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	want := `[true,true,200,"a, b",256,true,256,255,{"ok":true,"n":[1,2]},"a=1+2","application/x-www-form-urlencoded;charset=UTF-8",true]`
	if string(out) != want {
		t.Fatalf("got  %s\nwant %s", out, want)
	}
	if b := <-got; len(b) != 256 || b[0] != 0 || b[200] != 200 {
		t.Fatalf("the server got %d bytes, not 0..255: %v", len(b), b[:min(len(b), 8)])
	}
}

// TestFetchAbort: aborting rejects the pending fetch with the signal's
// reason at once, although the server never answers; an already aborted
// signal rejects before anything is sent.
func TestFetchAbort(t *testing.T) {
	srv, rt, _ := testServer(t)
	start := time.Now()
	out, err := runWeb(t, rt, `
const c = new AbortController();
setTimeout(() => c.abort(), 20);
let first;
try { await fetch(input.base + "/block", { signal: c.signal }); first = "answered"; } catch (e) { first = e.name; }
let second;
try { await fetch(input.base + "/block", { signal: AbortSignal.abort(new Error("stop")) }); } catch (e) { second = e.message; }
return [first, second];`, map[string]string{"base": srv.URL})
	if err != nil || string(out) != `["AbortError","stop"]` {
		t.Fatalf("got %s %v", out, err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("abort took %v", el)
	}
}

// TestRedTeamFetchEgressStillApplies: the new fetch keeps the egress policy:
// a fetch to a loopback address the operator did not allow is refused and
// the refusal names the check.
func TestRedTeamFetchEgressStillApplies(t *testing.T) {
	srv, _, got := testServer(t)
	out, err := runWeb(t, Runtime{Limits: sandbox.Limits{Time: 5 * time.Second}}, `try { await fetch(input.base + "/echo", { method: "POST", body: "secret" }); return "sent"; } catch (e) { return [e.name, e.message]; }`, map[string]string{"base": srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "TypeError") || !strings.Contains(string(out), "loopback") {
		t.Fatalf("fetch to loopback: %s, want a TypeError naming the loopback refusal", out)
	}
	select {
	case b := <-got:
		t.Fatalf("the refused request reached the server: %q", b)
	default:
	}
}

// TestLLMChatOpenAIShape: llm.chat answers with OpenAI's chat.completion
// fields (choices[0].message, usage) beside its own.
func TestLLMChatOpenAIShape(t *testing.T) {
	rt := Runtime{Router: llm.NewRouter(countingProvider{tokens: 3}), Limits: sandbox.Limits{Time: 5 * time.Second}}
	out, err := runWeb(t, rt, `const r = await llm.chat({ model: "fake/m", messages: [{ role: "user", content: "hi" }] });
return [r.object, r.choices[0].message, r.choices[0].finish_reason, r.usage.total_tokens, r.content];`, nil)
	if err != nil || string(out) != `["chat.completion",{"role":"assistant","content":"ok"},"stop",3,"ok"]` {
		t.Fatalf("llm.chat: %s %v", out, err)
	}
}
