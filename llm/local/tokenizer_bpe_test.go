package local

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/phalanetwork/phala/llm/gguf"
)

// hardStrings are texts where tokenizers tend to differ: unicode, digit
// runs, whitespace runs, contractions, punctuation and special tokens.
var hardStrings = []string{
	"Hello world",
	" Hello  world ",
	"The quick brown fox jumps over the lazy dog.",
	"I'm sure you're right; they'LL say DON'T, we've, she'd, it's",
	"'s 't 're 'S 'Re 'x ''",
	"1234567890 3.14159 -42 1,000,000 007",
	"٣٤٥ ¼½ ①②③ ⅷ 12a34",
	"   leading spaces", "trailing spaces   ", "a  b   c    d",
	"\n\n\tindented\n\r\n  \n x", "line1\nline2\r\nline3\r", "\t\t", " ", "  ", "\n",
	"tabs\tand\vvertical\ffeeds",
	"你好，世界！こんにちは 안녕하세요",
	"emoji 🤖🎉👍🏽 and flags 🇺🇸",
	"Ünïcödé façade naïve café Ωμέγα Привет мир",
	"مرحبا بالعالم שלום",
	"$+<=>^~|` !!! ... ??? --- ***",
	"func main() {\n\tfmt.Println(\"hi\") // comment\n}",
	"<html><body>x&amp;y</body></html>",
	"\u00a0nbsp\u2003em\u3000ideographic\u2028ls",
	"a\u0301e\u0308 combining",
	"<|begin_of_text|>Hi<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nok<|eot_id|>",
	"text<|endoftext|>more<|endoftext|>",
	"<|eot_id <|endoftext <|", "<|reserved_special_token_5|>x",
	"x" + strings.Repeat(" ", 20) + "y" + strings.Repeat("9", 17),
}

// TestBPEMatchesLlamaCpp tokenizes hardStrings with real vocabularies
// (Llama 3's and GPT-2's, from npm) under each pre-tokenizer, and with
// llama.cpp itself (node-llama-cpp 3.22.1 loading the same GGUF file), and
// compares the tokens, with and without parsing special tokens.
func TestBPEMatchesLlamaCpp(t *testing.T) {
	if testing.Short() {
		// The race run of scripts/test.sh is -short; this comparison
		// (single-threaded reference work, minutes under the detector) runs
		// in its plain run.
		t.Skip("-short: the llama.cpp comparison runs without -short")
	}
	llamacpp := filepath.Join("testdata", "llamacpp", "node_modules", "node-llama-cpp")
	in, err := json.Marshal(hardStrings)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ vocab, pre string }{
		{"llama3", "llama-bpe"},
		{"gpt2", "gpt-2"},
		{"gpt2", "qwen2"},
		{"gpt2", "default"},
	} {
		t.Run(tc.vocab+"/"+tc.pre, func(t *testing.T) {
			if _, err := os.Stat(filepath.Join("testdata", "llamacpp", "package.json")); err != nil {
				t.Skip("testdata/llamacpp (node-llama-cpp, the llama.cpp reference) is not set up in this tree")
			}
			needNode(t, llamacpp)
			path := bpeVocabFile(t, tc.vocab, tc.pre)
			tok := loadVocab(t, path)
			var want []struct{ Plain, Special []int }
			if err := json.Unmarshal(runNode(t, in, "tokenize.mjs", path), &want); err != nil {
				t.Fatal(err)
			}
			if len(want) != len(hardStrings) {
				t.Fatalf("llama.cpp answered %d strings for %d", len(want), len(hardStrings))
			}
			for i, s := range hardStrings {
				if got := tok.Tokenize(s, false, false); !slices.Equal(got, want[i].Plain) {
					t.Errorf("%q:\n got %v\nwant %v (llama.cpp)", s, got, want[i].Plain)
				}
				if got := tok.Tokenize(s, false, true); !slices.Equal(got, want[i].Special) {
					t.Errorf("%q with special tokens:\n got %v\nwant %v (llama.cpp)", s, got, want[i].Special)
				}
			}
		})
	}
}

// TestBPERoundTrip checks that decoding the tokens of text gives text
// back, for every pre-tokenizer (byte-level BPE loses nothing).
func TestBPERoundTrip(t *testing.T) {
	for _, pre := range []string{"llama-bpe", "qwen2", "gpt-2", "default"} {
		tok := loadVocab(t, bpeVocabFile(t, "gpt2", pre))
		for _, s := range hardStrings {
			if got := tok.Decode(tok.Tokenize(s, false, false)); got != s {
				t.Errorf("%s: %q decodes back to %q", pre, s, got)
			}
		}
	}
}

// TestPreTokenizers checks the splitters on hand-worked cases (no
// vocabulary needed): the words each regex of llama.cpp yields.
func TestPreTokenizers(t *testing.T) {
	for _, tc := range []struct {
		pre, text string
		want      []string
	}{
		{"llama-bpe", "I'm 12345 ok!!\n\n  x", []string{"I", "'m", " ", "123", "45", " ok", "!!\n\n", " ", " x"}},
		{"qwen2", "a 123", []string{"a", " ", "1", "2", "3"}},
		{"gpt-2", "I'M  fine 42", []string{"I", "'", "M", " ", " fine", " 42"}},
		{"default", "ab12345!!c", []string{"ab", "123", "45", "!!", "c"}},
		{"llama-bpe", "x   ", []string{"x", "   "}},
		{"gpt-2", "x   y", []string{"x", "  ", " y"}},
	} {
		split, _ := preTokenizerNamed(tc.pre)
		cpts := []rune(tc.text)
		var got []string
		pos := 0
		for _, n := range split(cpts) {
			got = append(got, string(cpts[pos:pos+n]))
			pos += n
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s %q: got %q, want %q", tc.pre, tc.text, got, tc.want)
		}
	}
}

// TestBPEBadVocab: a hostile gpt2 vocabulary is refused with an error
// naming what is wrong, never a panic.
func TestBPEBadVocab(t *testing.T) {
	for _, tc := range []struct {
		name string
		kv   map[string]any
		want string
	}{
		{"no merges", map[string]any{}, "tokenizer.ggml.merges"},
		{"merges not strings", map[string]any{"tokenizer.ggml.merges": []uint32{1, 2}}, "tokenizer.ggml.merges"},
		{"merge without space", map[string]any{"tokenizer.ggml.merges": []string{"ab"}}, "tokenizer.ggml.merges[0]"},
		{"bos outside", map[string]any{"tokenizer.ggml.merges": []string{"a b"}, "tokenizer.ggml.bos_token_id": uint32(99)}, "bos_token_id"},
		{"types short", map[string]any{"tokenizer.ggml.merges": []string{"a b"}, "tokenizer.ggml.token_type": []int32{1}}, "token_type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := gguf.NewBuilder()
			b.AddKV("tokenizer.ggml.model", "gpt2")
			b.AddKV("tokenizer.ggml.tokens", []string{"a", "b", "ab"})
			for k, v := range tc.kv {
				b.AddKV(k, v)
			}
			f, err := gguf.Parse(b.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			_, err = NewTokenizer(f)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one naming %s", err, tc.want)
			}
		})
	}
}

// byteVocab builds a byte-level BPE tokenizer: the 256 byte characters,
// then extra tokens of the given types, with kv added to the metadata.
func byteVocab(t testing.TB, extra []string, types []int32, kv map[string]any) *Tokenizer {
	t.Helper()
	b := gguf.NewBuilder()
	toks := make([]string, 0, 256+len(extra))
	all := make([]int32, 0, 256+len(extra))
	for c := range 256 {
		toks = append(toks, byteChars[c])
		all = append(all, TokenNormal)
	}
	b.AddKV("tokenizer.ggml.model", "gpt2")
	b.AddKV("tokenizer.ggml.tokens", append(toks, extra...))
	b.AddKV("tokenizer.ggml.token_type", append(all, types...))
	for _, k := range slices.Sorted(maps.Keys(kv)) {
		b.AddKV(k, kv[k])
	}
	return must[*Tokenizer](t)(NewTokenizer(must[*gguf.File](t)(gguf.Parse(b.Bytes()))))
}

// tinyBPE is a small byte-level vocabulary for the fuzz target: every
// byte, a few merges and two special tokens.
func tinyBPE(t testing.TB) *Tokenizer {
	return byteVocab(t, []string{"Ġt", "he", "Ġthe", "<|eot|>", "<x>"},
		[]int32{TokenNormal, TokenNormal, TokenNormal, TokenControl, TokenUserDefined},
		map[string]any{"tokenizer.ggml.pre": "llama-bpe", "tokenizer.ggml.merges": []string{"Ġ t", "h e", "Ġt he"}})
}

// FuzzBPE: any input, for every pre-tokenizer, tokenizes without panic
// into ids inside the vocabulary, and valid UTF-8 decodes back to itself.
func FuzzBPE(f *testing.F) {
	for _, s := range hardStrings {
		f.Add(s)
	}
	f.Add("\xff\xfe the<|eot|>\xc3")
	tok := tinyBPE(f)
	pres := []string{"llama-bpe", "qwen2", "gpt-2", "default"}
	f.Fuzz(func(t *testing.T, s string) {
		for _, pre := range pres {
			tok.bpe.split, tok.bpe.ignoreMerges = preTokenizerNamed(pre)
			ids := tok.Tokenize(s, true, true)
			for _, id := range ids {
				if id < 0 || id >= tok.Len() {
					t.Fatalf("%s: id %d outside the vocabulary", pre, id)
				}
			}
			if plain := tok.Tokenize(s, false, false); utf8.ValidString(s) && !strings.Contains(s, "<x>") && tok.Decode(plain) != s {
				t.Fatalf("%s: %q decodes back to %q", pre, s, tok.Decode(plain))
			}
		}
	})
}
