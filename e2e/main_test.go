// Package e2e holds the end-to-end tests of phala: they build the real
// binary, run devnets and multi-validator networks as child processes and
// drive them through the CLI, the Go SDK and a third-party CometBFT client.
//
//	go test ./e2e/ -v -count=1          # everything (8-9 minutes on 2 cores)
//	go test -short ./e2e/               # skips the 4-validator network
//
// TestCosmjsReadsBlocks needs Node.js and npm; it installs e2e/js's npm
// packages with scripts/install-test-deps.sh when they are missing.
package e2e

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

var (
	// repoRoot is the module root, the parent of this package's directory.
	repoRoot string
	// phalaBin is the phala binary built for this test run.
	phalaBin string
)

func TestMain(m *testing.M) { os.Exit(runMain(m)) }

func runMain(m *testing.M) int {
	flag.Parse() // for testing.Verbose below
	wd, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	repoRoot = filepath.Dir(wd)
	if _, err := os.Stat(filepath.Join(repoRoot, "go.mod")); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %s is not the module root: %v\n", repoRoot, err)
		return 1
	}
	dir, err := os.MkdirTemp("", "phala-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	phalaBin = filepath.Join(dir, "phala")
	start := time.Now()
	build := exec.Command(goTool(), "build", "-o", phalaBin, "./cmd/phala")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: go build ./cmd/phala: %v\n%s", err, out)
		return 1
	}
	if testing.Verbose() {
		fmt.Printf("e2e: built %s in %s\n", phalaBin, time.Since(start).Round(time.Millisecond))
	}
	return m.Run()
}

// goTool finds the go command: on PATH, else in the GOROOT this test was
// built with.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	//lint:ignore SA1019 only a fallback when go is not on PATH
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}
