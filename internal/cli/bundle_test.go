package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phalanetwork/phala/pruntime/agenthost"
	"github.com/phalanetwork/phala/sandbox"
)

// writeTree writes files (slash paths to contents) under dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, s := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBundleNodeModules: an agent project's npm packages are bundled: an
// ES package chosen by its "worker" export condition over its Node build
// (which would need node:fs), and a CommonJS package found by "main"; the
// bundle then runs in the real sandbox.
func TestBundleNodeModules(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"package.json":                     `{"name":"a","type":"module"}`,
		"node_modules/webpkg/package.json": `{"name":"webpkg","exports":{".":{"node":"./node.js","worker":"./worker.js","default":"./node.js"}}}`,
		"node_modules/webpkg/node.js":      `import fs from "node:fs"; export default function hi() { return fs; }`,
		"node_modules/webpkg/worker.js":    `export default function hi(n) { return new URL("/hi/" + n, "https://x.example").pathname; }`,
		"node_modules/cjspkg/package.json": `{"name":"cjspkg","main":"lib/index.js"}`,
		"node_modules/cjspkg/lib/index.js": `exports.twice = (x) => x * 2;`,
		"src/index.ts": `import hi from "webpkg";
import { twice } from "cjspkg";
export default async function main(req: any) { return { status: 200, body: hi(twice(21)) }; }`,
	})
	code, err := BundleFile(filepath.Join(dir, "src", "index.ts"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(code), "node:fs") {
		t.Fatalf("the bundle took the package's Node build")
	}
	d := &agenthost.DevAgent{}
	res, err := d.Call(context.Background(), code, "GET", "/", nil, nil, nil)
	if err != nil || res.Body != "/hi/42" {
		t.Fatalf("bundled agent answered %+v, %v", res, err)
	}
}

// TestBundleNodeBuiltinRefused: a package that only works on Node is
// refused at bundle time, and the error names the module.
func TestBundleNodeBuiltinRefused(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"node_modules/nodeonly/package.json": `{"name":"nodeonly","main":"index.js"}`,
		"node_modules/nodeonly/index.js":     `const fs = require("fs"); exports.read = fs.readFileSync;`,
		"index.js":                           `import { read } from "nodeonly"; export default () => ({ body: String(read) });`,
	})
	_, err := BundleFile(filepath.Join(dir, "index.js"))
	if !errors.Is(err, sandbox.ErrCompile) || !strings.Contains(err.Error(), `"fs"`) {
		t.Fatalf("err %v, want a compile error naming \"fs\"", err)
	}
}
