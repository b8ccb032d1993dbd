package local

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// llamaCppTokens are llama.cpp's tokenizations of strings with the real
// model's vocabulary (no BOS), recorded with model.tokenize(text) of
// node-llama-cpp 3.22.1, which runs llama.cpp's own tokenizer (prebuilt
// CPU binary @node-llama-cpp/linux-x64) — see llamaCppGreedy for the setup.
var llamaCppTokens = []struct {
	text string
	ids  []int
}{
	{"Once upon a time", []int{403, 407, 261, 378}},
	{"Hello world", []int{346, 306, 414, 263, 304, 341}},
	{" leading space", []int{410, 278, 411, 380, 299, 262, 427, 412, 331}},
	{"two  spaces", []int{259, 424, 414, 410, 262, 427, 412, 331, 419}},
	{"tab\there", []int{259, 412, 430, 12, 260, 276}},
	{"a\nb", []int{261, 13, 430}},
	{"\nnewline first", []int{410, 13, 416, 411, 424, 421, 271, 411, 272, 315, 356}},
	{"héllo wörld ✓ 日本", []int{270, 485, 306, 414, 263, 198, 185, 420, 341, 410, 229, 159, 150, 410, 233, 154, 168, 233, 159, 175}},
	{"emoji 🙂!", []int{344, 423, 414, 449, 417, 410, 243, 162, 156, 133, 443}},
	{"Ünïcödé", []int{410, 198, 159, 416, 198, 178, 429, 198, 185, 418, 485}},
	{"日本語", []int{410, 233, 154, 168, 233, 159, 175, 235, 173, 161}},
	{"The end.", []int{291, 344, 264, 426}},
	{"<s> not special", []int{410, 504, 419, 505, 297, 309, 262, 427, 411, 429, 417, 412, 421}},
	{"zzzzqqq", []int{410, 451, 451, 451, 451, 456, 456, 456}},
	{"Lily and Tom went to the park.", []int{317, 269, 274, 287, 263, 377, 267, 265, 282, 295, 433, 426}},
	{"", nil},
}

func TestEncodeMatchesLlamaCpp(t *testing.T) {
	tok := loadReal(t).Tokenizer
	for _, c := range llamaCppTokens {
		got := tok.Encode(c.text, false)
		if len(got) == 0 && len(c.ids) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, c.ids) {
			t.Errorf("Encode(%q) = %v, llama.cpp %v", c.text, got, c.ids)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	tok := loadReal(t).Tokenizer
	for _, c := range llamaCppTokens {
		if got := tok.Decode(tok.Encode(c.text, true)); got != c.text {
			t.Errorf("Decode(Encode(%q)) = %q", c.text, got)
		}
	}
	for _, s := range []string{"  ", "x", "Ω≈ç√∫", "\x00\x01", "🦙 llamas 🦙", strings.Repeat("ab ", 100)} {
		if got := tok.Decode(tok.Encode(s, false)); got != s {
			t.Errorf("Decode(Encode(%q)) = %q", s, got)
		}
	}
	// Byte fallback: a character outside the vocabulary becomes its bytes.
	ids := tok.Encode("✓", false)
	if len(ids) != 4 || tok.Token(ids[1]) != "<0xE2>" || tok.Token(ids[3]) != "<0x93>" {
		t.Errorf("✓ = %v", ids)
	}
	// Invalid UTF-8 is encoded byte by byte and decoded to U+FFFD.
	if got := tok.Decode(tok.Encode("a\xffb", false)); got != "a\uFFFDb" {
		t.Errorf("invalid UTF-8 came back as %q", got)
	}
}

func TestBOS(t *testing.T) {
	tok := loadReal(t).Tokenizer
	if tok.BOS != 1 || tok.EOS != 2 || tok.UNK != 0 || !tok.AddBOS || !tok.AddSpacePrefix {
		t.Errorf("special tokens %+v", tok)
	}
	if ids := tok.Encode("Once upon a time", true); !reflect.DeepEqual(ids, []int{1, 403, 407, 261, 378}) {
		t.Errorf("with BOS: %v", ids)
	}
	if ids := tok.Encode("", true); !reflect.DeepEqual(ids, []int{1}) {
		t.Errorf("empty with BOS: %v", ids)
	}
	if ids := tok.Encode("", false); len(ids) != 0 {
		t.Errorf("empty: %v", ids)
	}
	// BOS and EOS decode to nothing; "<s>" in text is not BOS.
	if got := tok.Decode([]int{1, 403, 2}); got != "Once" {
		t.Errorf("Decode with BOS/EOS = %q", got)
	}
	for _, id := range tok.Encode("<s>", false) {
		if id == tok.BOS {
			t.Error("the text <s> was encoded as BOS")
		}
	}
	if tok.Piece(1) != nil || tok.Piece(-1) != nil || tok.Piece(tok.Len()) != nil || string(tok.Piece(0)) != "▅" {
		t.Error("pieces of special or out-of-range tokens")
	}
	if string(tok.Piece(403)) != " Once" || string(tok.Piece(13)) != "\n" {
		t.Errorf("pieces %q %q", tok.Piece(403), tok.Piece(13))
	}
}

func TestSyntheticTokenizer(t *testing.T) {
	tok := parseTiny(t, tiny(defaultTiny)).Tokenizer
	id := func(s string) int {
		for i := range tok.Len() {
			if tok.Token(i) == s {
				return i
			}
		}
		t.Fatalf("no token %q", s)
		return -1
	}
	// "▁ab" is merged from "▁a"+"b" as "▁a" (score -3) beats "ab" (-5);
	// "▁the" is unreachable, no "▁t", "th" or "he" being in the vocabulary.
	want := []int{id("▁ab"), id("▁b"), id("a"), id("▁"), id("<0x74>"), id("<0x68>"), id("<0x65>")}
	if got := tok.Encode("ab ba the", false); !reflect.DeepEqual(got, want) {
		t.Errorf("ab ba the = %v, want %v", got, want)
	}
	if got := tok.Encode("c", false); !reflect.DeepEqual(got, []int{id("▁"), id("<0x63>")}) {
		t.Errorf("c = %v", got)
	}
}

func TestUTF8Stream(t *testing.T) {
	var u utf8Stream
	var out strings.Builder
	in := "a✓🙂é"
	for i := range len(in) {
		s := u.write([]byte{in[i]})
		if !utf8.ValidString(s) {
			t.Fatalf("invalid %q", s)
		}
		out.WriteString(s)
	}
	out.WriteString(u.flush())
	if out.String() != in {
		t.Errorf("streamed %q", out.String())
	}
	if s := u.write([]byte{0xe2, 0x9c}); s != "" {
		t.Errorf("partial sequence streamed: %q", s)
	}
	if s := u.write([]byte{'x'}); s != "\uFFFDx" {
		t.Errorf("broken sequence: %q", s)
	}
	if s := u.write([]byte{0xf0}) + u.flush(); s != "\uFFFD" {
		t.Errorf("unfinished at the end: %q", s)
	}
}
