package local

import (
	"strings"
	"unicode"
)

// preTokenizer splits text (as codepoints) into words and returns their
// lengths in codepoints, which add up to len(cpts).
type preTokenizer func(cpts []rune) []int

// preTokenizerNamed is the pre-tokenizer llama.cpp picks for a
// tokenizer.ggml.pre value, and whether that vocabulary ignores merges for
// words that are whole tokens. Names llama.cpp does not know fall back to
// its "default" splitter, as llama.cpp does (with a warning).
func preTokenizerNamed(name string) (preTokenizer, bool) {
	switch name {
	case "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2":
		// (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
		return func(c []rune) []int { return splitLlama3(c, []int{len(c)}, 3) }, true
	case "qwen2", "deepseek-r1-qwen", "kormo", "megrez":
		// The same with \p{N} for \p{N}{1,3}: every digit alone.
		return func(c []rune) []int { return splitLlama3(c, []int{len(c)}, 1) }, false
	case "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0", "mellum", "exaone4":
		// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)
		return func(c []rune) []int { return splitGPT2(c, []int{len(c)}) }, false
	}
	return splitDefault, false
}

// splitDefault is llama.cpp's default BPE pre-tokenizer, four regexes
// applied in turn: [\p{P}\$\+<=>\^~\|]+, then GPT-2's, then \p{N}+, then
// [0-9][0-9][0-9].
func splitDefault(c []rune) []int {
	lens := []int{len(c)}
	lens = splitMatches(c, lens, runOf(func(r rune) bool { return unicode.IsPunct(r) || strings.ContainsRune("$+<=>^~|", r) }))
	lens = splitGPT2(c, lens)
	lens = splitMatches(c, lens, runOf(isNumber))
	return splitMatches(c, lens, func(s []rune, i int) int {
		if i+3 <= len(s) && isASCIIDigit(s[i]) && isASCIIDigit(s[i+1]) && isASCIIDigit(s[i+2]) {
			return 3
		}
		return 0
	})
}

func isASCIIDigit(r rune) bool { return r >= '0' && r <= '9' }

// runOf matches a maximal run of characters in a class.
func runOf(in func(rune) bool) func(s []rune, i int) int {
	return func(s []rune, i int) int {
		n := 0
		for i+n < len(s) && in(s[i+n]) {
			n++
		}
		return n
	}
}

// splitMatches splits each word as std::regex_iterator does in llama.cpp's
// unicode_regex_split_stl: the leftmost matches (match returns a length
// at i, 0 for none) and the text between them each become a word.
func splitMatches(c []rune, lens []int, match func(s []rune, i int) int) []int {
	out := make([]int, 0, len(lens))
	start := 0
	for _, n := range lens {
		s := c[start : start+n]
		gap := 0
		for i := 0; i < len(s); {
			m := match(s, i)
			if m == 0 {
				i++
				continue
			}
			if i > gap {
				out = append(out, i-gap)
			}
			out = append(out, m)
			i += m
			gap = i
		}
		if gap < len(s) {
			out = append(out, len(s)-gap)
		}
		start += n
	}
	return out
}

// cursor reads one word's codepoints, returning out-of-range for
// positions past its end (llama.cpp's _get_cpt/_get_flags).
type cursor struct{ s []rune }

const outOfRange = -1

func (c cursor) at(i int) rune {
	if i < 0 || i >= len(c.s) {
		return outOfRange
	}
	return c.s[i]
}
func (c cursor) letter(i int) bool { r := c.at(i); return r != outOfRange && isLetter(r) }
func (c cursor) number(i int) bool { r := c.at(i); return r != outOfRange && isNumber(r) }
func (c cursor) space(i int) bool  { r := c.at(i); return r != outOfRange && isSpace(r) }

// other is [^\s\p{L}\p{N}]: a codepoint that is there and is none of those.
func (c cursor) other(i int) bool {
	return c.at(i) != outOfRange && !c.letter(i) && !c.number(i) && !c.space(i)
}

// eachWord runs one hand-written splitter over every word of lens: word
// gets a word's cursor and returns the lengths of its pieces.
func eachWord(c []rune, lens []int, word func(cursor) []int) []int {
	out := make([]int, 0, len(lens))
	start := 0
	for _, n := range lens {
		out = append(out, word(cursor{c[start : start+n]})...)
		start += n
	}
	return out
}

// contraction is the length of the English contraction at i ('s 't 're
// 've 'm 'll 'd), 0 if none; fold makes it case-insensitive.
func contraction(c cursor, i int, fold bool) int {
	if c.at(i) != '\'' {
		return 0
	}
	low := func(r rune) rune {
		if fold && r != outOfRange {
			return unicode.ToLower(r)
		}
		return r
	}
	next := low(c.at(i + 1))
	switch next {
	case 's', 't', 'm', 'd':
		return 2
	}
	if nn := low(c.at(i + 2)); nn != outOfRange {
		if next == 'r' && nn == 'e' || next == 'v' && nn == 'e' || next == 'l' && nn == 'l' {
			return 3
		}
	}
	return 0
}

// whitespace ends the splitters: \s+(?!\S) leaves the last space of a run
// followed by more text to the next word, else \s+ takes the whole run;
// anything else is a word of one codepoint. It returns the word's end.
func whitespace(c cursor, pos int) int {
	n := 0
	for c.space(pos + n) {
		n++
	}
	if n > 1 && c.at(pos+n) != outOfRange {
		return pos + n - 1
	}
	if n > 0 {
		return pos + n
	}
	return pos + 1
}

// splitGPT2 is llama.cpp's hand-written GPT-2 splitter
// (unicode_regex_split_custom_gpt2).
func splitGPT2(c []rune, lens []int) []int {
	return eachWord(c, lens, func(w cursor) []int {
		var out []int
		for pos := 0; pos < len(w.s); {
			end := gpt2Word(w, pos)
			out = append(out, end-pos)
			pos = end
		}
		return out
	})
}

// gpt2Word returns the end of the GPT-2 word that starts at pos.
func gpt2Word(w cursor, pos int) int {
	if n := contraction(w, pos, false); n > 0 {
		return pos + n
	}
	q := pos
	if w.at(pos) == ' ' {
		q++
	}
	for _, class := range []func(int) bool{w.letter, w.number, w.other} {
		if class(q) {
			for class(q) {
				q++
			}
			return q
		}
	}
	return whitespace(w, pos)
}

// splitLlama3 is llama.cpp's hand-written Llama 3 splitter
// (unicode_regex_split_custom_llama3); digits is how many digits one word
// may hold (3 for Llama 3, 1 for Qwen 2's \p{N}).
func splitLlama3(c []rune, lens []int, digits int) []int {
	return eachWord(c, lens, func(w cursor) []int {
		var out []int
		for pos := 0; pos < len(w.s); {
			ends := llama3Word(w, pos, digits)
			for _, e := range ends {
				out = append(out, e-pos)
				pos = e
			}
		}
		return out
	})
}

// llama3Word returns the end(s) of the Llama 3 word(s) at pos: a run of
// digits gives several.
func llama3Word(w cursor, pos, digits int) []int {
	if n := contraction(w, pos, true); n > 0 {
		return []int{pos + n}
	}
	r := w.at(pos)
	// [^\r\n\p{L}\p{N}]?\p{L}+
	if r != '\r' && r != '\n' && !w.number(pos) && (w.letter(pos) || w.letter(pos+1)) {
		q := pos + 1
		for w.letter(q) {
			q++
		}
		return []int{q}
	}
	// \p{N}{1,digits}
	if w.number(pos) {
		var ends []int
		q := pos
		for w.number(q) {
			q++
			if q-pos-len(ends)*digits >= digits || !w.number(q) {
				ends = append(ends, q)
			}
		}
		return ends
	}
	// <space>?[^\s\p{L}\p{N}]+[\r\n]*
	q := pos
	if r == ' ' {
		q++
	}
	if w.other(q) {
		for w.other(q) {
			q++
		}
		for w.at(q) == '\r' || w.at(q) == '\n' {
			q++
		}
		return []int{q}
	}
	// \s*[\r\n]+
	lastNL := -1
	for n := 0; w.space(pos + n); n++ {
		if c := w.at(pos + n); c == '\r' || c == '\n' {
			lastNL = pos + n + 1
		}
	}
	if lastNL > 0 {
		return []int{lastNL}
	}
	return []int{whitespace(w, pos)}
}
