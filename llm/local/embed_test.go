package local

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/llm"
	"github.com/phalanetwork/phala/llm/gguf"
	"github.com/phalanetwork/phala/llm/local/llamacpp"
)

// TestEmbedStories: the local provider embeds each input as a unit vector
// of the model's width, the same text the same way and different texts
// differently, counts the input tokens, and refuses what it cannot do
// naming why.
func TestEmbedStories(t *testing.T) {
	p := NewFromModel(loadReal(t))
	m := p.Model()
	in := []string{"Once upon a time", "The cat sat", "Once upon a time"}
	resp, err := p.Embed(context.Background(), llm.EmbedRequest{Input: in})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Embeddings) != 3 || resp.Model != m.Name {
		t.Fatalf("%d embeddings from %q", len(resp.Embeddings), resp.Model)
	}
	tokens := 0
	for i, v := range resp.Embeddings {
		tokens += len(m.Tokenizer.Tokenize(in[i], true, false))
		var n float64
		for _, x := range v {
			n += float64(x) * float64(x)
		}
		if len(v) != m.Config.Dim || math.Abs(n-1) > 1e-4 {
			t.Fatalf("input %d: length %d, norm² %v", i, len(v), n)
		}
	}
	if resp.Usage.PromptTokens != tokens || resp.Usage.TotalTokens != tokens {
		t.Fatalf("usage %+v, want %d tokens", resp.Usage, tokens)
	}
	if !slices.Equal(resp.Embeddings[0], resp.Embeddings[2]) || cos(resp.Embeddings[0], resp.Embeddings[1]) > 0.9999 {
		t.Fatalf("same text differs, or different texts have cos %v", cos(resp.Embeddings[0], resp.Embeddings[1]))
	}
	bad := []struct {
		req  llm.EmbedRequest
		want string
	}{
		{llm.EmbedRequest{Input: []string{"a"}, Dimensions: 7}, "dimensions 7"},
		{llm.EmbedRequest{Input: []string{"a", ""}}, "input[1] is empty"},
		{llm.EmbedRequest{Input: []string{strings.Repeat("a b ", m.Config.ContextLength)}}, "the context"},
	}
	for _, b := range bad {
		if _, err := p.Embed(context.Background(), b.req); !errors.Is(err, llm.ErrBadRequest) || !strings.Contains(err.Error(), b.want) {
			t.Fatalf("err = %v, want a bad request naming %s", err, b.want)
		}
	}
	if _, err := Unconfigured().Embed(context.Background(), llm.EmbedRequest{Input: in}); !errors.Is(err, llm.ErrNotConfigured) {
		t.Fatalf("unconfigured: %v", err)
	}
}

// cos is the cosine similarity of two vectors.
func cos(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	return ab / math.Sqrt(aa*bb)
}

// TestEmbeddingsMatchLlamaCpp: on generated models whose metadata names a
// pooling type (mean, cls, last), the runner's embeddings are llama.cpp's
// (LlamaEmbeddingContext), normalized: cosine similarity at least 0.9999
// and within 5e-3 in every component (quantized weights quantize the
// activations too, and the two round them in different orders).
func TestEmbeddingsMatchLlamaCpp(t *testing.T) {
	llamacpp.Require(t)
	tok := realTokenizer(t)
	specs := []gguf.ModelSpec{
		{Arch: "llama", Heads: 4, KVHeads: 4, Type: gguf.TypeF32, Pooling: poolMean},
		{Arch: "llama", Heads: 4, KVHeads: 2, Type: gguf.TypeF16, Pooling: poolCLS},
		{Arch: "qwen2", Heads: 4, KVHeads: 2, Type: gguf.TypeQ8_0, Pooling: poolLast, Tied: true},
		{Arch: "llama", Heads: 4, KVHeads: 2, Type: gguf.TypeQ4_K, Pooling: poolMean},
	}
	job := llamacpp.Job{Threads: 1}
	var models []*Model
	for _, s := range specs {
		s.Dim, s.FFN, s.Layers, s.Context, s.Seed, s.Tokenizer = 256, 512, 2, 256, 42, tok
		m, path := loadSpec(t, s)
		models = append(models, m)
		job.Models = append(job.Models, llamacpp.Model{Path: path, Embed: referencePrompts, Context: 256})
	}
	ref := runLlamaCpp(t, job, 5*time.Minute)
	for i, m := range models {
		for j, prompt := range referencePrompts {
			got, err := m.embed(context.Background(), prompt)
			if err != nil {
				t.Fatal(err)
			}
			want := ref[i].Embeddings[j]
			var n float64
			for _, x := range want {
				n += x * x
			}
			worst := 0.0
			for k := range got {
				worst = math.Max(worst, math.Abs(float64(got[k])-want[k]/math.Sqrt(n)))
			}
			g64 := make([]float32, len(want))
			for k, x := range want {
				g64[k] = float32(x)
			}
			c := cos(got, g64)
			t.Logf("%s pooling %d prompt %d: largest difference %.2g, cosine %.7f", specs[i].Type, specs[i].Pooling, j, worst, c)
			if len(want) != len(got) || worst > 5e-3 || c < 0.9999 {
				t.Fatalf("%s pooling %d prompt %d: %d components, largest difference %.2g", specs[i].Type, specs[i].Pooling, j, len(want), worst)
			}
		}
	}
}
