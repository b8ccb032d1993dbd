package agenthost

import (
	"context"
	"testing"
)

// TestWebGlobalsReplaceable: the web platform's globals are present to
// typeof and in, replaceable by assignment (as agents' polyfill checks
// expect), and the files' shared helpers are not left for the agent.
func TestWebGlobalsReplaceable(t *testing.T) {
	got := string(mustWeb(t, `
	  const seen = [typeof URL, typeof fetch, typeof crypto.subtle, typeof CryptoKey, "Headers" in globalThis,
	    new URL("https://a.example/p?q=1").searchParams.get("q"), new Headers({ A: "b" }).get("a"),
	    typeof globalThis.__phala_webapi];
	  globalThis.fetch = () => "mine";
	  seen.push(fetch());
	  return seen;`, nil))
	want := `["function","function","object","function",true,"1","b","undefined","mine"]`
	if got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

// BenchmarkAgentCallPrelude is one trivial agent call in dev mode (fresh
// VM, bootstrap, prelude, handler). On the 2-core VM on 2026-12-06 it took
// about 0.7 ms with the Phala APIs alone, 1.1 ms with webapi.js and 1.7 ms
// with the whole web platform loaded into every VM (loading bytecode costs
// in proportion to its size; running already loaded files lazily did not
// help), and 0.9 ms of CPU, under heavy load, once the files were loaded
// only on first touch (weblazy.js; docs/sandbox.md, "What a call costs").
func BenchmarkAgentCallPrelude(b *testing.B) {
	d := &DevAgent{}
	code := []byte(`export default async function main() { return { status: 200, body: "ok" }; }`)
	for b.Loop() {
		if _, err := d.Call(context.Background(), code, "GET", "/", nil, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
}
