package local

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/phalanetwork/phala/llm/gguf"
)

// llamaCppGreedy are greedy continuations recorded from llama.cpp itself,
// an implementation independent of this package: node-llama-cpp 3.22.1
// from the npm registry, whose package @node-llama-cpp/linux-x64 ships a
// prebuilt CPU build of llama.cpp (ggml-org/llama.cpp, tag v0.5.0 in its
// metadata), ran in Node 20 as:
//
//	const llama = await getLlama({gpu: false, build: "never"});
//	const model = await llama.loadModel({modelPath: "stories260K.gguf"});
//	const ctx = await model.createContext({contextSize: 512, threads: 1});
//	const prompt = [model.tokens.bos, ...model.tokenize(text)];
//	for await (const tok of ctx.getSequence().evaluate(prompt, {temperature: 0})) { … }
//
// collecting the first 32 (here; 200 were checked to agree too) tokens.
// The prompts are BOS + llama.cpp's own tokenization of the text.
var llamaCppGreedy = []struct {
	text   string
	prompt []int
	ids    []int
	output string
}{
	{
		text:   "Once upon a time",
		prompt: []int{1, 403, 407, 261, 378},
		ids: []int{432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396, 267, 337,
			410, 408, 419, 292, 411, 322, 265, 282, 295, 433, 426, 385, 328, 432, 358, 394},
		output: ", there was a little girl named Lily. She loved to play outside in the park. One day, she saw",
	},
	{
		text:   "Lily and Tom went to the park.",
		prompt: []int{1, 317, 269, 274, 287, 263, 377, 267, 265, 282, 295, 433, 426},
		ids: []int{342, 394, 261, 370, 268, 414, 444, 335, 261, 370, 268, 414, 444, 426, 342, 391,
			266, 267, 337, 335, 312, 426, 342, 391, 266, 267, 337, 335, 265, 268, 414, 444},
	},
	{
		text:   "The cat",
		prompt: []int{1, 291, 280, 294},
		ids: []int{269, 261, 268, 414, 422, 382, 276, 337, 299, 322, 265, 282, 295, 433, 426, 342,
			397, 355, 267, 337, 335, 265, 315, 267, 422, 419, 269, 352, 379, 261, 420, 277},
	},
}

func greedy(t *testing.T, m *Model, prompt []int, n int) []int {
	t.Helper()
	s, logits := feed(t, m, prompt)
	var err error
	var out []int
	for range n {
		tok := Argmax(logits)
		out = append(out, tok)
		if logits, err = s.Forward(tok); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestGreedyMatchesLlamaCpp(t *testing.T) {
	m := loadReal(t)
	for _, c := range llamaCppGreedy {
		prompt := m.Tokenizer.Encode(c.text, true)
		if !reflect.DeepEqual(prompt, c.prompt) {
			t.Fatalf("prompt %q = %v, llama.cpp %v", c.text, prompt, c.prompt)
		}
		got := greedy(t, m, prompt, len(c.ids))
		if !reflect.DeepEqual(got, c.ids) {
			t.Errorf("%q continued with\n%v\nllama.cpp:\n%v", c.text, got, c.ids)
		}
		var text strings.Builder
		for _, id := range got {
			text.Write(m.Tokenizer.Piece(id))
		}
		if c.output != "" && text.String() != c.output {
			t.Errorf("%q continued as %q, want %q", c.text, text.String(), c.output)
		}
		// Sanity: English story words, not noise.
		if !strings.Contains(text.String(), " the ") && !strings.Contains(text.String(), " a ") {
			t.Errorf("%q continued as %q, which does not read like a story", c.text, text.String())
		}
	}
}

func TestRopeIsPairwise(t *testing.T) {
	// The rotation applies to consecutive pairs: at position 0 it is the
	// identity, and at any position it keeps each pair's length.
	m := parseTiny(t, tiny(defaultTiny))
	s := m.NewState()
	head := []float32{1, 2, 3, 4}
	s.ropeTable(0)
	s.rope(head)
	if !reflect.DeepEqual(head, []float32{1, 2, 3, 4}) {
		t.Errorf("position 0 rotated: %v", head)
	}
	s.ropeTable(7)
	s.rope(head)
	for i := 0; i < 4; i += 2 {
		a := float64(head[i]*head[i] + head[i+1]*head[i+1])
		b := float64((i+1)*(i+1) + (i+2)*(i+2))
		if a < b*0.9999 || a > b*1.0001 {
			t.Errorf("pair %d length² %v, want %v", i/2, a, b)
		}
	}
}

func TestMatmulParallel(t *testing.T) {
	// Large enough for the goroutine path; each row is computed the same
	// way, so the result equals the row-by-row one exactly.
	rows, cols := 1024, 512
	w := make([]float32, rows*cols)
	x := make([]float32, cols)
	for i := range w {
		w[i] = float32(i%97-48) / 7
	}
	for i := range x {
		x[i] = float32(i%13-6) / 5
	}
	raw, err := gguf.Quantize(gguf.TypeF32, w)
	if err != nil {
		t.Fatal(err)
	}
	qm := &qmatrix{typ: gguf.TypeF32, rows: rows, cols: cols, rowBytes: 4 * cols, data: raw}
	got := make([]float32, rows)
	matmul(got, qm, x, &qvec{})
	for r := range rows {
		if want := dot(x, w[r*cols:(r+1)*cols]); got[r] != want {
			t.Fatalf("row %d: %v, want %v", r, got[r], want)
		}
	}
}

// TestBatchedPromptMatchesSequential evaluates a prompt longer than
// maxBatch in one ForwardBatch, in uneven pieces, and token by token, on
// generated models of each architecture in the weight types with batch
// kernels (F16's two-vector one, Q4_K's, and Q8_0's as the others): the
// logits after the prompt, and after each of a few decoding steps (which
// read the KV cache the prompt left), agree within float tolerance.
func TestBatchedPromptMatchesSequential(t *testing.T) {
	tok := realTokenizer(t)
	prompt := make([]int, maxBatch+13)
	for i := range prompt {
		prompt[i] = 3 + (i*37)%500
	}
	for _, a := range referenceArchs {
		for _, typ := range []gguf.TensorType{gguf.TypeF16, gguf.TypeQ8_0, gguf.TypeQ4_K} {
			t.Run(a.name+"/"+typ.String(), func(t *testing.T) {
				s := a.spec
				s.Type, s.Dim, s.FFN, s.Layers, s.Context, s.Seed, s.Tokenizer = typ, 256, 512, 2, 256, 42, tok
				path, err := gguf.CachedModel(s)
				if err != nil {
					t.Fatal(err)
				}
				m, err := Load(path)
				if err != nil {
					t.Fatal(err)
				}
				seq, whole, pieces := m.NewState(), m.NewState(), m.NewState()
				var want []float32
				for _, tk := range prompt {
					if want, err = seq.Forward(tk); err != nil {
						t.Fatal(err)
					}
				}
				got, err := whole.ForwardBatch(prompt)
				if err != nil {
					t.Fatal(err)
				}
				sameLogits(t, "whole prompt", got, want)
				for _, cut := range [][2]int{{0, 5}, {5, maxBatch + 1}, {maxBatch + 1, len(prompt)}} {
					got, err = pieces.ForwardBatch(prompt[cut[0]:cut[1]])
					if err != nil {
						t.Fatal(err)
					}
				}
				sameLogits(t, "prompt in pieces", got, want)
				for step := range 4 {
					next := Argmax(want)
					if want, err = seq.Forward(next); err != nil {
						t.Fatal(err)
					}
					for name, st := range map[string]*State{"whole": whole, "pieces": pieces} {
						if got, err = st.Forward(next); err != nil {
							t.Fatal(err)
						}
						sameLogits(t, fmt.Sprintf("%s, decoding step %d", name, step), got, want)
					}
				}
			})
		}
	}
}

// sameLogits fails unless got and want agree within float tolerance.
func sameLogits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d logits, want %d", what, len(got), len(want))
	}
	for i := range want {
		if d := math.Abs(float64(got[i] - want[i])); d > 1e-5*(1+math.Abs(float64(want[i]))) {
			t.Fatalf("%s: logit %d is %v, token by token %v", what, i, got[i], want[i])
		}
	}
}

// TestForwardBatchRefusals checks a batch that does not fit, or holds a
// token outside the vocabulary, is refused whole: nothing is evaluated.
func TestForwardBatchRefusals(t *testing.T) {
	m := parseTiny(t, tiny(defaultTiny))
	s := m.NewState()
	for _, c := range []struct {
		toks []int
		text string
	}{
		{nil, "no tokens"},
		{[]int{1, 2, m.Config.Vocab}, "outside the vocabulary"},
		{[]int{1, -1}, "outside the vocabulary"},
		{make([]int, m.Config.ContextLength+1), "context full"},
	} {
		if _, err := s.ForwardBatch(c.toks); err == nil || !strings.Contains(err.Error(), c.text) {
			t.Errorf("%v: %v, want %q", c.toks, err, c.text)
		}
		if s.Pos() != 0 {
			t.Fatalf("%v: refused, but %d positions evaluated", c.toks, s.Pos())
		}
	}
}
