package local

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/phalanetwork/phala/llm/chattemplate"
	"github.com/phalanetwork/phala/llm/gguf"
)

// Token types of tokenizer.ggml.token_type, as numbered by llama.cpp.
const (
	TokenNormal      = 1
	TokenUnknown     = 2
	TokenControl     = 3
	TokenUserDefined = 4
	TokenUnused      = 5
	TokenByte        = 6
)

// spaceMark is SentencePiece's visible space, "▁" (U+2581).
const spaceMark = "\u2581"

// Tokenizer is a GGUF vocabulary, encoding as llama.cpp does: SentencePiece
// (tokenizer.ggml.model "llama") with scores and byte-fallback tokens, or
// GPT-2-style byte-level BPE ("gpt2", see tokenizer_bpe.go).
type Tokenizer struct {
	// BOS is the beginning-of-sequence token (tokenizer.ggml.bos_token_id, default 1).
	BOS int
	// EOS is the end-of-sequence token (tokenizer.ggml.eos_token_id, default 2).
	EOS int
	// UNK is the unknown token (tokenizer.ggml.unknown_token_id, default 0).
	UNK int
	// AddBOS says whether prompts start with BOS (tokenizer.ggml.add_bos_token, default true).
	AddBOS bool
	// AddSpacePrefix says whether a space is put before the text as
	// SentencePiece does (tokenizer.ggml.add_space_prefix, default true).
	AddSpacePrefix bool
	// AddEOS says whether Tokenize with addSpecial ends with EOS
	// (tokenizer.ggml.add_eos_token, default false).
	AddEOS bool

	// ChatTemplate is the file's tokenizer.chat_template, nil when it has
	// none or ChatTemplateErr says why it cannot be used.
	ChatTemplate *chattemplate.Template
	// ChatTemplateErr is why the file's chat template was not parsed.
	ChatTemplateErr error
	// chatTools says the chat template renders tools itself.
	chatTools bool

	vocab *lazyVocab // the tokens' bytes for grammar filtering, built on first use

	bpe     *bpeVocab // nil for SentencePiece
	special []int     // tokens parsed out of text, longest first
	tokens  []string
	scores  []float32
	types   []int32
	index   map[string]int
	bytes   [256]int // id of <0xXX>, or -1
}

// perToken fills dst, one entry per token, from the array at key read with
// get and converted with conv; a missing key leaves dst as it is, and an
// array that is not one entry per token is an error.
func perToken[S, D any](f *gguf.File, key string, get func(gguf.Value) ([]S, bool), dst []D, conv func(S) D) error {
	v, ok := f.Lookup(key)
	if !ok {
		return nil
	}
	s, ok := get(v)
	if !ok || len(s) != len(dst) {
		return fmt.Errorf("%w: %s has %d entries for %d tokens", ErrModel, key, v.Len(), len(dst))
	}
	for i, x := range s {
		dst[i] = conv(x)
	}
	return nil
}

// NewTokenizer reads the tokenizer stored in a GGUF file's metadata.
func NewTokenizer(f *gguf.File) (*Tokenizer, error) {
	model, _ := f.Text("tokenizer.ggml.model")
	if model != "llama" && model != "gpt2" {
		return nil, fmt.Errorf("%w: tokenizer.ggml.model %q (only \"llama\", SentencePiece, and \"gpt2\", byte-level BPE, are supported)", ErrModel, model)
	}
	tv, _ := f.Lookup("tokenizer.ggml.tokens")
	toks, ok := tv.Strings()
	if !ok || len(toks) == 0 {
		return nil, fmt.Errorf("%w: missing tokenizer.ggml.tokens", ErrModel)
	}
	t := &Tokenizer{
		tokens: toks, BOS: 1, EOS: 2, UNK: 0, AddBOS: true, AddSpacePrefix: true,
		scores: make([]float32, len(toks)),
		types:  make([]int32, len(toks)),
		index:  make(map[string]int, len(toks)),
		vocab:  &lazyVocab{},
	}
	if model == "gpt2" {
		if err := newBPE(f, t); err != nil {
			return nil, err
		}
	}
	if err := perToken(f, "tokenizer.ggml.scores", gguf.Value.Floats, t.scores, func(x float64) float32 { return float32(x) }); err != nil {
		return nil, err
	}
	for i := range t.types {
		t.types[i] = TokenNormal
	}
	if err := perToken(f, "tokenizer.ggml.token_type", gguf.Value.Ints, t.types, func(x int64) int32 { return int32(x) }); err != nil {
		return nil, err
	}
	for _, id := range []struct {
		key string
		dst *int
	}{{"bos_token_id", &t.BOS}, {"eos_token_id", &t.EOS}, {"unknown_token_id", &t.UNK}} {
		if v, ok := f.Uint("tokenizer.ggml." + id.key); ok {
			if v >= uint64(len(toks)) {
				return nil, fmt.Errorf("%w: tokenizer.ggml.%s %d is outside the vocabulary (%d)", ErrModel, id.key, v, len(toks))
			}
			*id.dst = int(v)
		}
	}
	if b, ok := f.Bool("tokenizer.ggml.add_bos_token"); ok {
		t.AddBOS = b
	}
	if b, ok := f.Bool("tokenizer.ggml.add_space_prefix"); ok {
		t.AddSpacePrefix = b
	}
	if b, ok := f.Bool("tokenizer.ggml.add_eos_token"); ok {
		t.AddEOS = b
	}
	if t.BOS >= len(toks) { // the BPE default (11) in a small vocabulary
		t.BOS, t.EOS = -1, -1
	}
	for i, s := range toks {
		t.index[s] = i // a later duplicate wins, as in llama.cpp
	}
	for b := range t.bytes {
		t.bytes[b] = -1
		if id, ok := t.index[fmt.Sprintf("<0x%02X>", b)]; ok {
			t.bytes[b] = id
		}
	}
	t.indexSpecial()
	t.readChatTemplate(f)
	return t, nil
}

// Len is the vocabulary size.
func (t *Tokenizer) Len() int { return len(t.tokens) }

// Token returns the vocabulary text of id ("" when out of range).
func (t *Tokenizer) Token(id int) string {
	if id < 0 || id >= len(t.tokens) {
		return ""
	}
	return t.tokens[id]
}

// Encode tokenizes text as llama.cpp does, without parsing special-token
// text; BOS is put first when addBOS is true.
func (t *Tokenizer) Encode(text string, addBOS bool) []int {
	var out []int
	if addBOS && t.BOS >= 0 {
		out = append(out, t.BOS)
	}
	return append(out, t.Tokenize(text, false, false)...)
}

// encodeSPM appends the SentencePiece tokens of text (no special tokens
// in it) to out: spaces become "▁", a leading "▁" is added when
// spacePrefix is set, pieces are merged by best score, and characters
// outside the vocabulary fall back to <0xXX> byte tokens.
func (t *Tokenizer) encodeSPM(text string, spacePrefix bool, out []int) []int {
	if spacePrefix {
		text = " " + text
	}
	text = strings.ReplaceAll(text, " ", spaceMark)

	// Merge the pair whose joined text is the best-scored token, the
	// leftmost on a tie.
	pieces := mergeSymbols(text, func(left, right string) (float64, bool) {
		id, ok := t.index[left+right]
		if !ok {
			return 0, false
		}
		return -float64(t.scores[id]), true
	})
	for _, s := range pieces {
		if id, ok := t.index[s]; ok {
			out = append(out, id)
			continue
		}
		for j := 0; j < len(s); j++ {
			if id := t.bytes[s[j]]; id >= 0 {
				out = append(out, id)
			} else {
				out = append(out, t.UNK)
			}
		}
	}
	return out
}

// utf8Len is the length of the UTF-8 sequence a lead byte announces (1
// for continuation bytes), as llama.cpp's utf8_len.
func utf8Len(b byte) int {
	switch {
	case b < 0xc0:
		return 1
	case b < 0xe0:
		return 2
	case b < 0xf0:
		return 3
	}
	return 4
}

// Piece returns the bytes token id stands for: its text with "▁" as a
// space, the byte of a <0xXX> token, nothing for control and unused
// tokens (BOS, EOS), and "▅" for the unknown token.
func (t *Tokenizer) Piece(id int) []byte {
	if id < 0 || id >= len(t.tokens) {
		return nil
	}
	if t.bpe != nil {
		switch t.types[id] {
		case TokenUserDefined:
			return []byte(t.tokens[id])
		case TokenNormal:
			return pieceBPE(t.tokens[id])
		}
		return nil
	}
	switch t.types[id] {
	case TokenControl, TokenUnused:
		return nil
	case TokenUnknown:
		return []byte("\u2585")
	case TokenByte:
		for b, bid := range t.bytes {
			if bid == id {
				return []byte{byte(b)}
			}
		}
		return nil
	}
	return []byte(strings.ReplaceAll(t.tokens[id], spaceMark, " "))
}

// Decode turns ids back into text: the pieces concatenated, without the
// one space Encode put in front when AddSpacePrefix is set, and with
// invalid UTF-8 (such as an unfinished byte-fallback sequence) replaced by
// U+FFFD.
func (t *Tokenizer) Decode(ids []int) string {
	var b []byte
	strip := t.AddSpacePrefix
	for _, id := range ids {
		p := t.Piece(id)
		if len(p) == 0 {
			continue
		}
		if strip && p[0] == ' ' {
			p = p[1:]
		}
		strip = false
		b = append(b, p...)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// utf8Stream turns a stream of bytes into valid UTF-8 text, holding back
// an unfinished multi-byte sequence until it completes.
type utf8Stream struct{ pending []byte }

// write adds b and returns the text that is now complete; invalid bytes
// become U+FFFD.
func (u *utf8Stream) write(b []byte) string {
	u.pending = append(u.pending, b...)
	// Keep a trailing sequence that may still complete (at most 3 bytes).
	keep := 0
	for i := len(u.pending) - 1; i >= 0 && i >= len(u.pending)-3; i-- {
		c := u.pending[i]
		if c < 0x80 {
			break
		}
		if c >= 0xc0 { // a lead byte: does its sequence fit in what is left?
			if utf8Len(c) > len(u.pending)-i && !utf8.FullRune(u.pending[i:]) {
				keep = len(u.pending) - i
			}
			break
		}
	}
	done := u.pending[:len(u.pending)-keep]
	s := strings.ToValidUTF8(string(done), "\uFFFD")
	u.pending = append(u.pending[:0], u.pending[len(u.pending)-keep:]...)
	return s
}

// flush returns what is left, an unfinished sequence as U+FFFD.
func (u *utf8Stream) flush() string {
	s := strings.ToValidUTF8(string(u.pending), "\uFFFD")
	u.pending = u.pending[:0]
	return s
}
