// Package contracts holds the Solidity sources of the EVM bridge and their
// committed compiled artifacts (build/); this test keeps them in step.
package contracts

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestArtifactsMatchSources recompiles the contracts with the pinned solc
// (npm, scripts/install-test-deps.sh) and compares with build/.
func TestArtifactsMatchSources(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil || !exists("node_modules/solc/package.json") {
		if os.Getenv("CI") != "" {
			t.Fatal("node or evm/contracts/node_modules/solc missing: run scripts/install-test-deps.sh")
		}
		t.Skip("node or the pinned solc is missing (run scripts/install-test-deps.sh); skipping the recompile check outside CI")
	}
	out := t.TempDir()
	if b, err := exec.Command("node", "compile.mjs", "--check", out).CombinedOutput(); err != nil {
		t.Fatalf("compile: %v\n%s", err, b)
	}
	fresh, _ := filepath.Glob(filepath.Join(out, "*"))
	committed, _ := filepath.Glob("build/*")
	if len(fresh) != len(committed) || len(fresh) == 0 {
		t.Fatalf("compiled %d artifacts, build/ has %d: run `node evm/contracts/compile.mjs` and regenerate the bindings", len(fresh), len(committed))
	}
	for _, f := range fresh {
		want, err := os.ReadFile(filepath.Join("build", filepath.Base(f)))
		if err != nil {
			t.Fatalf("build/%s: %v", filepath.Base(f), err)
		}
		got, _ := os.ReadFile(f)
		if !bytes.Equal(got, want) {
			t.Errorf("build/%s differs from a fresh compile: run `node evm/contracts/compile.mjs` and regenerate the bindings (see evm/bindings/gen.go)", filepath.Base(f))
		}
	}
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }
