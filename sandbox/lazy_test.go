package sandbox

import (
	"strings"
	"testing"
)

// TestLazy: a lazy script runs only when the prelude loads it, at most once
// per call, in every call afresh; the loader is the prelude's alone (it
// deletes the global) and refuses a name it was not given; a failing lazy
// script throws where it was loaded; without Lazy there is no loader.
func TestLazy(t *testing.T) {
	const prelude = `(() => {
  const load = globalThis.__sbx_load; delete globalThis.__sbx_load;
  globalThis.need = (name) => { load(name); return globalThis.loaded; };
})();`
	env := Env{Prelude: prelude, Lazy: map[string]string{
		"a":   `globalThis.loaded = (globalThis.loaded ?? 0) + 1;`,
		"bad": `throw new Error("bad part");`,
	}}
	p := compile(t, `export default (what) => {
  const before = typeof loaded;
  if (what === "none") return [before, typeof globalThis["__s" + "bx_load"]];
  if (what === "twice") { need("a"); return [before, need("a")]; }
  try { need(what); } catch (e) { return [before, String(e.message)]; }
  return [before, loaded];
}`, false)
	for _, tc := range []struct{ arg, want string }{
		{"none", `["undefined","undefined"]`},
		{"twice", `["undefined",1]`},
		{"twice", `["undefined",1]`}, // a new call loads it anew
		{"other", `["undefined","sandbox: no lazy script \"other\""]`},
	} {
		if got := mustCall(t, p, "default", []any{tc.arg}, env, Limits{}); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.arg, got, tc.want)
		}
	}
	if got := mustCall(t, p, "default", []any{"bad"}, env, Limits{}); !strings.Contains(got, "lazy script bad") || !strings.Contains(got, "bad part") {
		t.Errorf("failing lazy script: got %s", got)
	}
	q := compile(t, `export default () => typeof globalThis["__s" + "bx_load"];`, false)
	if got := mustCall(t, q, "default", nil, Env{}, Limits{}); got != `"undefined"` {
		t.Errorf("without Lazy the loader is %s", got)
	}
	if _, err := run(t, q, "default", nil, Env{Prelude: "1", Lazy: map[string]string{"x": "syntax error here("}}, Limits{}); err != nil {
		t.Errorf("an unloaded lazy script is never compiled, yet: %v", err)
	}
}
