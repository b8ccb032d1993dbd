// Package llamacpp runs llama.cpp itself — node-llama-cpp 3.22.1's prebuilt
// CPU build, installed by scripts/install-test-deps.sh into
// llm/local/testdata/llamacpp — as the reference the local runner's tests
// and benchmarks compare against. Nothing is downloaded or built at run
// time.
package llamacpp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
)

// ErrUnavailable marks a machine without node or without the installed package.
var ErrUnavailable = errors.New("llamacpp: reference unavailable")

// Model is one model file to run, with the prompts (token ids) to continue
// greedily for N tokens each, and the token lists to compute embeddings of
// (llama.cpp's LlamaEmbeddingContext, pooled as the file says).
type Model struct {
	Path    string  `json:"path"`
	Prompts [][]int `json:"prompts"`
	N       int     `json:"n"`
	Context int     `json:"context,omitempty"`
	Embed   [][]int `json:"embed,omitempty"`
}

// Bench asks for timings: a Prompt-token batch, then Decode greedy steps,
// Rounds times.
type Bench struct {
	Prompt int `json:"prompt"`
	Decode int `json:"decode"`
	Rounds int `json:"rounds"`
}

// Speed is one round's timings.
type Speed struct {
	PromptTokensPerSecond float64 `json:"promptTokensPerSecond"`
	DecodeTokensPerSecond float64 `json:"decodeTokensPerSecond"`
}

// Job is what greedy.mjs reads from stdin.
type Job struct {
	Threads int     `json:"threads"`
	Models  []Model `json:"models"`
	Bench   *Bench  `json:"bench,omitempty"`
	// FlashAttention turns llama.cpp's flash attention on (its default
	// "auto" on a CPU); off, attention is computed the way the runner
	// computes it, as the token comparisons need.
	FlashAttention bool `json:"flashAttention,omitempty"`
}

// Result is llama.cpp's answer for one model.
type Result struct {
	Path   string  `json:"path"`
	Greedy [][]int `json:"greedy"`
	Bench  []Speed `json:"bench"`
	// Embeddings are the vectors of Model.Embed, as llama.cpp returns
	// them (not normalized).
	Embeddings [][]float64 `json:"embeddings"`
}

// Dir is the package directory holding greedy.mjs and its node_modules.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata", "llamacpp")
}

// Available reports why the reference cannot run here, or nil.
func Available() error {
	if _, err := exec.LookPath("node"); err != nil {
		return fmt.Errorf("%w: node is not installed (scripts/install-test-deps.sh installs it)", ErrUnavailable)
	}
	pkg := filepath.Join(Dir(), "node_modules", "@node-llama-cpp", "linux-x64", "package.json")
	if _, err := os.Stat(pkg); err != nil {
		return fmt.Errorf("%w: node-llama-cpp is not installed in %s (run scripts/install-test-deps.sh)", ErrUnavailable, Dir())
	}
	return nil
}

// Require skips t when the reference is unavailable outside CI, and fails
// it in CI, where scripts/install-test-deps.sh must have installed it.
func Require(t testing.TB) {
	t.Helper()
	if err := Available(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
}

// Run runs the job through greedy.mjs and returns one Result per model.
func Run(ctx context.Context, job Job) ([]Result, error) {
	// greedy.mjs runs in Dir(), so relative model paths are made absolute.
	job.Models = slices.Clone(job.Models)
	for i := range job.Models {
		abs, err := filepath.Abs(job.Models[i].Path)
		if err != nil {
			return nil, fmt.Errorf("llamacpp: model path: %w", err)
		}
		job.Models[i].Path = abs
	}
	in, err := json.Marshal(job)
	if err != nil {
		return nil, fmt.Errorf("llamacpp: job: %w", err)
	}
	cmd := exec.CommandContext(ctx, "node", "greedy.mjs")
	cmd.Dir = Dir()
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("llamacpp: node greedy.mjs: %w: %s", err, stderr.Bytes())
	}
	var out []Result
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return nil, fmt.Errorf("llamacpp: reading greedy.mjs output %q: %w", stdout.Bytes(), err)
	}
	if len(out) != len(job.Models) {
		return nil, fmt.Errorf("llamacpp: %d results for %d models", len(out), len(job.Models))
	}
	return out, nil
}
