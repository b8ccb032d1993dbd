package local

import (
	"container/heap"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/phalanetwork/phala/llm/gguf"
)

// bpeVocab is the byte-level BPE half of a Tokenizer (tokenizer.ggml.model
// "gpt2"): tokens are written in GPT-2's byte-to-character alphabet, and
// pieces are merged by the rank of tokenizer.ggml.merges, as llama.cpp's
// llm_tokenizer_bpe does.
type bpeVocab struct {
	ranks map[[2]string]int
	// split is the pre-tokenizer named by tokenizer.ggml.pre.
	split preTokenizer
	// ignoreMerges takes a whole pre-tokenized word that is itself a token
	// as that token (Llama 3).
	ignoreMerges bool
}

// byteChars maps each byte to the character GPT-2's byte-level BPE writes
// it as; charBytes is the inverse.
var byteChars, charBytes = byteAlphabet()

// byteAlphabet builds GPT-2's bytes_to_unicode table: printable Latin-1
// bytes stand for themselves, the rest are moved to U+0100 and up.
func byteAlphabet() ([256]string, map[rune]byte) {
	var out [256]string
	back := make(map[rune]byte, 256)
	n := 0
	for b := 0; b < 256; b++ {
		r := rune(b)
		if !(b >= 0x21 && b <= 0x7e || b >= 0xa1 && b <= 0xac || b >= 0xae) {
			r = rune(256 + n)
			n++
		}
		out[b] = string(r)
		back[r] = byte(b)
	}
	return out, back
}

// newBPE reads the merges and pre-tokenizer of a "gpt2" vocabulary and
// sets the defaults llama.cpp uses for it (no space prefix; BOS only for
// the Llama 3 pre-tokenizer unless tokenizer.ggml.add_bos_token says).
func newBPE(f *gguf.File, t *Tokenizer) error {
	mv, ok := f.Lookup("tokenizer.ggml.merges")
	merges, isText := mv.Strings()
	if !ok || !isText {
		return fmt.Errorf("%w: a gpt2 (BPE) tokenizer needs tokenizer.ggml.merges as an array of strings", ErrModel)
	}
	v := &bpeVocab{ranks: make(map[[2]string]int, len(merges))}
	for i, m := range merges {
		// As llama.cpp: split at the first space after the first byte; the
		// first occurrence of a pair keeps its rank.
		sp := -1
		if len(m) > 1 {
			if j := strings.IndexByte(m[1:], ' '); j >= 0 {
				sp = j + 1
			}
		}
		if sp < 0 {
			return fmt.Errorf("%w: tokenizer.ggml.merges[%d] %q is not two tokens separated by a space", ErrModel, i, m)
		}
		k := [2]string{m[:sp], m[sp+1:]}
		if _, dup := v.ranks[k]; !dup {
			v.ranks[k] = i
		}
	}
	pre, _ := f.Text("tokenizer.ggml.pre")
	v.split, v.ignoreMerges = preTokenizerNamed(pre)
	t.bpe = v
	t.AddSpacePrefix = false
	t.AddBOS = v.ignoreMerges
	t.BOS, t.EOS, t.UNK = 11, 11, -1
	return nil
}

// encodeBPE appends the tokens of one run of plain text (no special
// tokens in it) to out.
func (t *Tokenizer) encodeBPE(text string, out []int) []int {
	for _, word := range t.bpe.words(text) {
		if t.bpe.ignoreMerges {
			if id, ok := t.index[word]; ok {
				out = append(out, id)
				continue
			}
		}
		for _, piece := range t.bpe.merge(word) {
			if id, ok := t.index[piece]; ok {
				out = append(out, id)
				continue
			}
			// As llama.cpp: a piece outside the vocabulary falls back to
			// its single bytes that are tokens, and drops the rest.
			for i := 0; i < len(piece); i++ {
				if id, ok := t.index[piece[i:i+1]]; ok {
					out = append(out, id)
				}
			}
		}
	}
	return out
}

// words pre-tokenizes text and writes each word in the byte alphabet.
func (v *bpeVocab) words(text string) []string {
	cpts := []rune(text) // invalid UTF-8 bytes become U+FFFD, one each, as llama.cpp
	lens := v.split(cpts)
	out := make([]string, 0, len(lens))
	var b strings.Builder
	var enc [utf8.UTFMax]byte
	pos := 0
	for _, n := range lens {
		b.Reset()
		for _, r := range cpts[pos : pos+n] {
			k := utf8.EncodeRune(enc[:], r)
			for _, c := range enc[:k] {
				b.WriteString(byteChars[c])
			}
		}
		pos += n
		out = append(out, b.String())
	}
	return out
}

// merge splits a byte-alphabet word into characters and merges adjacent
// pieces, lowest rank first (then leftmost), until no pair has a rank.
func (v *bpeVocab) merge(word string) []string {
	return mergeSymbols(word, func(left, right string) (float64, bool) {
		r, ok := v.ranks[[2]string{left, right}]
		return float64(r), ok
	})
}

// mergeSymbols splits text into one symbol per UTF-8 character (by its
// lead byte, as llama.cpp's utf8_len, so invalid bytes make one-byte
// symbols) and merges adjacent symbols, the pair of lowest cost first
// (then the leftmost), until no adjacent pair has a cost; it returns the
// pieces left. SentencePiece's cost is the joined token's negated score,
// BPE's the merge's rank.
func mergeSymbols(text string, cost func(left, right string) (float64, bool)) []string {
	type symbol struct {
		start, n   int
		prev, next int
	}
	var syms []symbol
	for off := 0; off < len(text); {
		n := min(utf8Len(text[off]), len(text)-off)
		syms = append(syms, symbol{start: off, n: n, prev: len(syms) - 1, next: len(syms) + 1})
		off += n
	}
	if len(syms) == 0 {
		return nil
	}
	syms[len(syms)-1].next = -1
	piece := func(i int) string { return text[syms[i].start : syms[i].start+syms[i].n] }
	q := &queue[mergePair]{less: func(a, b mergePair) bool {
		return a.cost < b.cost || a.cost == b.cost && a.left < b.left
	}}
	tryAdd := func(left, right int) {
		if left < 0 || right < 0 {
			return
		}
		if c, ok := cost(piece(left), piece(right)); ok {
			heap.Push(q, mergePair{left: left, right: right, cost: c, size: syms[left].n + syms[right].n})
		}
	}
	for i := 1; i < len(syms); i++ {
		tryAdd(i-1, i)
	}
	for q.Len() > 0 {
		p := heap.Pop(q).(mergePair)
		l, r := &syms[p.left], &syms[p.right]
		if l.n == 0 || r.n == 0 || l.next != p.right || l.n+r.n != p.size {
			continue // one side has been merged since
		}
		l.n += r.n
		r.n = 0
		l.next = r.next
		if r.next >= 0 {
			syms[r.next].prev = p.left
		}
		tryAdd(l.prev, p.left)
		tryAdd(p.left, l.next)
	}
	var out []string
	for i := 0; i != -1; i = syms[i].next {
		out = append(out, piece(i))
	}
	return out
}

// pieceBPE is the bytes a normal BPE token stands for: each character
// of its text mapped back through the byte alphabet (a character outside
// it is kept as its UTF-8).
func pieceBPE(tok string) []byte {
	out := make([]byte, 0, len(tok))
	for _, r := range tok {
		if b, ok := charBytes[r]; ok {
			out = append(out, b)
		} else {
			out = utf8.AppendRune(out, r)
		}
	}
	return out
}

// mergePair is a candidate merge of two adjacent symbols.
type mergePair struct {
	left, right int
	cost        float64
	size        int
}

// queue is a binary heap of T ordered by less (container/heap's
// interface), shared by the SentencePiece and BPE merge loops.
type queue[T any] struct {
	items []T
	less  func(a, b T) bool
}

func (q *queue[T]) Len() int           { return len(q.items) }
func (q *queue[T]) Less(i, j int) bool { return q.less(q.items[i], q.items[j]) }
func (q *queue[T]) Swap(i, j int)      { q.items[i], q.items[j] = q.items[j], q.items[i] }
func (q *queue[T]) Push(x any)         { q.items = append(q.items, x.(T)) }
func (q *queue[T]) Pop() any {
	x := q.items[len(q.items)-1]
	q.items = q.items[:len(q.items)-1]
	return x
}

// Character classes of llama.cpp's codepoint flags.
func isLetter(r rune) bool { return unicode.IsLetter(r) }
func isNumber(r rune) bool { return unicode.IsNumber(r) }
func isSpace(r rune) bool  { return unicode.IsSpace(r) }
