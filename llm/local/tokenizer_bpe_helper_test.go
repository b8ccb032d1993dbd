package local

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/phalanetwork/phala/llm/gguf"
)

// vocabDir holds the npm packages the real vocabularies come from and the
// node scripts that read them (scripts/install-test-deps.sh installs them).
const vocabDir = "testdata/vocab"

// needNode skips the test when node or the installed npm packages are
// missing, except under CI, where that is a failure.
func needNode(t *testing.T, pkgs ...string) {
	t.Helper()
	miss := func(why string) {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s: run scripts/install-test-deps.sh", why)
		}
		t.Skipf("%s: run scripts/install-test-deps.sh to compare with llama.cpp", why)
	}
	if _, err := exec.LookPath("node"); err != nil {
		miss("node is not installed")
	}
	for _, p := range pkgs {
		if _, err := os.Stat(p); err != nil {
			miss(p + " is missing")
		}
	}
}

// modelCache is where generated test models go: $PHALA_MODEL_CACHE, or
// phala-test-models in the user's cache directory.
func modelCache(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("PHALA_MODEL_CACHE")
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			base = os.TempDir()
		}
		dir = filepath.Join(base, "phala-test-models")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// runNode runs a node script of vocabDir with stdin and returns its stdout.
func runNode(t *testing.T, stdin []byte, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Dir = vocabDir
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node %v: %v\n%s", args, err, stderr.String())
	}
	return out
}

// dumpedVocab is what testdata/vocab/dump.mjs prints.
type dumpedVocab struct {
	Tokens []string `json:"tokens"`
	Merges []string `json:"merges"`
	Types  []int32  `json:"types"`
	BOS    uint32   `json:"bos"`
	EOS    uint32   `json:"eos"`
}

// bpeVocabFile writes (once, into the model cache) a vocabulary-only GGUF
// file holding the real vocabulary name ("llama3" or "gpt2") with the
// pre-tokenizer pre, and returns its path. Besides the tokenizer it has
// the llama.* keys llama.cpp reads before the vocabulary, and no tensors.
func bpeVocabFile(t *testing.T, name, pre string) string {
	t.Helper()
	needNode(t, filepath.Join(vocabDir, "node_modules"))
	path := filepath.Join(modelCache(t), "vocab-"+name+"-"+pre+".gguf")
	if _, err := os.Stat(path); err == nil {
		return path
	}
	var v dumpedVocab
	if err := json.Unmarshal(runNode(t, nil, "dump.mjs", name), &v); err != nil {
		t.Fatalf("dump.mjs %s: %v", name, err)
	}
	b := gguf.NewBuilder()
	b.AddKV("general.architecture", "llama")
	b.AddKV("general.name", "vocab-"+name)
	for k, x := range map[string]uint32{
		"context_length": 256, "embedding_length": 64, "block_count": 1, "feed_forward_length": 128,
		"attention.head_count": 4, "attention.head_count_kv": 4, "rope.dimension_count": 16, "vocab_size": uint32(len(v.Tokens)),
	} {
		b.AddKV("llama."+k, x)
	}
	b.AddKV("llama.attention.layer_norm_rms_epsilon", float32(1e-5))
	b.AddKV("tokenizer.ggml.model", "gpt2")
	b.AddKV("tokenizer.ggml.pre", pre)
	b.AddKV("tokenizer.ggml.tokens", v.Tokens)
	b.AddKV("tokenizer.ggml.token_type", v.Types)
	b.AddKV("tokenizer.ggml.merges", v.Merges)
	b.AddKV("tokenizer.ggml.bos_token_id", v.BOS)
	b.AddKV("tokenizer.ggml.eos_token_id", v.EOS)
	tmp, err := os.CreateTemp(filepath.Dir(path), ".vocab-*")
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := tmp.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		t.Fatal(err)
	}
	return path
}

// loadVocab reads the tokenizer of a vocabulary-only GGUF file.
func loadVocab(t *testing.T, path string) *Tokenizer {
	t.Helper()
	return must[*Tokenizer](t)(NewTokenizer(must[*gguf.File](t)(gguf.Open(path))))
}
