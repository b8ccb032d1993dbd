package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindTests(t *testing.T) {
	root := t.TempDir()
	write := func(p string) {
		os.MkdirAll(filepath.Dir(filepath.Join(root, p)), 0o755)
		os.WriteFile(filepath.Join(root, p), []byte("[]"), 0o644)
	}
	write("beside/agent.ts")
	write("beside/tests.json")
	write("proj/package.json")
	write("proj/tests/tests.json")
	write("proj/src/index.ts")
	write("bounded/package.json")
	write("bounded/src/agent.ts")
	write("tests.json") // above bounded's package.json: not its tests
	for _, tc := range []struct{ file, want string }{
		{"beside/agent.ts", "beside/tests.json"},
		{"proj/src/index.ts", "proj/tests/tests.json"},
		{"bounded/src/agent.ts", ""},
	} {
		got, err := findTests(filepath.Join(root, tc.file))
		if tc.want == "" {
			if err == nil || !strings.Contains(err.Error(), "no tests.json") {
				t.Errorf("%s: %q %v, want no tests found", tc.file, got, err)
			}
			continue
		}
		if err != nil || got != filepath.Join(root, tc.want) {
			t.Errorf("%s: %q %v, want %s", tc.file, got, err, tc.want)
		}
	}
}

// TestAgentInitProjectTests: a project from phala agent init passes its
// own tests, the mocked LLM one included, with no model and no network;
// and its tsconfig keeps the DOM out.
func TestAgentInitProjectTests(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "hello")
	run := func(args ...string) (string, error) {
		root := NewRootCmd()
		var out bytes.Buffer
		root.SetOut(&out)
		root.SetErr(&out)
		root.SetArgs(append(args, "--home", t.TempDir()))
		err := root.Execute()
		return out.String(), err
	}
	if out, err := run("agent", "init", dir); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	out, err := run("agent", "dev", filepath.Join(dir, "agent.ts"), "--test")
	if err != nil || !strings.Contains(out, "ok   tells a story (llm mocked)") || !strings.Contains(out, "ok   counts") {
		t.Fatalf("dev --test: %v\n%s", err, out)
	}
	for _, f := range []string{"package.json", "tsconfig.json"} {
		raw, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "tsconfig.json" && (!strings.Contains(string(raw), `"lib": ["es2022"]`) || strings.Contains(string(raw), "dom")) {
			t.Errorf("tsconfig.json lib is not the language alone:\n%s", raw)
		}
		if f == "package.json" && !strings.Contains(string(raw), `"test": "phala agent dev agent.ts --test"`) {
			t.Errorf("package.json has no test script:\n%s", raw)
		}
	}
	// A mock that does not match fails the test with a clear reason.
	os.WriteFile(filepath.Join(dir, "tests.json"), []byte(`[{"name": "fetches", "request": {"path": "/"},
	  "mocks": {"fetch": {"https://example.com/a": {"status": 200, "body": "x"}}}, "expect": {"status": 200}}]`), 0o644)
	os.WriteFile(filepath.Join(dir, "agent.ts"), []byte(`export default async function main() {
	  const r = await fetch("https://example.com/b");
	  return { status: 200, body: await r.text() };
	}`), 0o644)
	if out, err := run("agent", "dev", filepath.Join(dir, "agent.ts"), "--test"); err == nil || !strings.Contains(out, "fetch mock: no answer for https://example.com/b") {
		t.Fatalf("unmatched fetch mock: %v\n%s", err, out)
	}
}
