package local

import (
	"cmp"
	"slices"
	"strings"
)

// fragment is a piece of text to tokenize, or a special token already
// found in it (tok >= 0).
type fragment struct {
	text string
	tok  int
}

// indexSpecial lists the tokens llama.cpp looks for in text before
// tokenizing it (control, user-defined and unknown tokens), longest first.
func (t *Tokenizer) indexSpecial() {
	t.special = t.special[:0]
	for id, typ := range t.types {
		if (typ == TokenControl || typ == TokenUserDefined || typ == TokenUnknown) && t.tokens[id] != "" {
			t.special = append(t.special, id)
		}
	}
	slices.SortStableFunc(t.special, func(a, b int) int { return cmp.Compare(len(t.tokens[b]), len(t.tokens[a])) })
}

// partition splits text at the special tokens in it, as llama.cpp's
// tokenizer_st_partition: each special token in turn, longest first, is
// cut out of the text fragments left. Without parseSpecial only
// user-defined tokens are cut out (control and unknown ones stay text).
func (t *Tokenizer) partition(text string, parseSpecial bool) []fragment {
	if text == "" {
		return nil
	}
	frags := []fragment{{text: text, tok: -1}}
	for _, id := range t.special {
		if !parseSpecial && t.types[id] != TokenUserDefined {
			continue
		}
		s := t.tokens[id]
		var next []fragment
		for _, f := range frags {
			if f.tok >= 0 || !strings.Contains(f.text, s) {
				next = append(next, f)
				continue
			}
			rest := f.text
			for {
				i := strings.Index(rest, s)
				if i < 0 {
					break
				}
				if i > 0 {
					next = append(next, fragment{text: rest[:i], tok: -1})
				}
				next = append(next, fragment{tok: id})
				rest = rest[i+len(s):]
			}
			if rest != "" {
				next = append(next, fragment{text: rest, tok: -1})
			}
		}
		frags = next
	}
	return frags
}

// Tokenize turns text into tokens as llama.cpp's llama_tokenize does:
// addSpecial puts BOS first (and EOS last) when the vocabulary asks for
// them, and parseSpecial reads special-token text such as
// "<|eot_id|>" in text as those tokens (chat templates need it; user
// text must not get it).
func (t *Tokenizer) Tokenize(text string, addSpecial, parseSpecial bool) []int {
	var out []int
	if addSpecial && t.AddBOS && t.BOS >= 0 {
		out = append(out, t.BOS)
	}
	prevSpecial := true // SentencePiece puts a space before the first text
	for _, f := range t.partition(text, parseSpecial) {
		switch {
		case f.tok >= 0:
			out = append(out, f.tok)
			prevSpecial = true
		case t.bpe != nil:
			out = t.encodeBPE(f.text, out)
		default:
			out = t.encodeSPM(f.text, prevSpecial && t.AddSpacePrefix, out)
			prevSpecial = false
		}
	}
	if addSpecial && t.AddEOS && t.EOS >= 0 {
		out = append(out, t.EOS)
	}
	return out
}
