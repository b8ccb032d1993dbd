package grammar

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrStacks marks a grammar so ambiguous that following it would take
// more than maxStacks parses at once.
var ErrStacks = errors.New("grammar: too many parses at once")

// maxStacks bounds the parses a Matcher follows at once.
const maxStacks = 4096

// frame is a position inside one alternative of a rule; next is where the
// parse continues once the alternative is done (nil: the root is done).
type frame struct {
	rule, alt, idx int
	next           *frame
}

// Matcher follows the bytes generated so far: each stack is a parse whose
// top frame is at a byte set, and done says a parse has finished the
// root. A Matcher is immutable: Advance returns a new one.
type Matcher struct {
	g      *Grammar
	stacks []*frame
	done   bool
}

// Start is the matcher before any byte.
func (g *Grammar) Start() (*Matcher, error) {
	m := &Matcher{g: g}
	seen := map[string]bool{}
	for alt := range g.rules[g.root] {
		if err := m.expand(&frame{rule: g.root, alt: alt}, seen); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// expand adds f's parses, with every rule reference at the top replaced by
// its alternatives, until each top is at a byte set.
func (m *Matcher) expand(f *frame, seen map[string]bool) error {
	for f != nil && f.idx == len(m.g.rules[f.rule][f.alt]) {
		f = f.next // this alternative is done: continue with its caller
	}
	if f == nil {
		m.done = true
		return nil
	}
	e := m.g.rules[f.rule][f.alt][f.idx]
	if e.set != nil {
		k := key(f)
		if !seen[k] {
			seen[k] = true
			if len(m.stacks) >= maxStacks {
				return fmt.Errorf("%w: over %d", ErrStacks, maxStacks)
			}
			m.stacks = append(m.stacks, f)
		}
		return nil
	}
	after := &frame{rule: f.rule, alt: f.alt, idx: f.idx + 1, next: f.next}
	for alt := range m.g.rules[e.rule] {
		if err := m.expand(&frame{rule: e.rule, alt: alt, next: after}, seen); err != nil {
			return err
		}
	}
	return nil
}

// key identifies a stack, to follow each distinct parse once.
func key(f *frame) string {
	var b strings.Builder
	for ; f != nil; f = f.next {
		b.WriteString(strconv.Itoa(f.rule))
		b.WriteByte('.')
		b.WriteString(strconv.Itoa(f.alt))
		b.WriteByte('.')
		b.WriteString(strconv.Itoa(f.idx))
		b.WriteByte('/')
	}
	return b.String()
}

// Advance returns the matcher after byte c; it is Dead when c cannot come
// next.
func (m *Matcher) Advance(c byte) (*Matcher, error) {
	n := &Matcher{g: m.g}
	seen := map[string]bool{}
	for _, f := range m.stacks {
		if !m.g.rules[f.rule][f.alt][f.idx].set[c] {
			continue
		}
		if err := n.expand(&frame{rule: f.rule, alt: f.alt, idx: f.idx + 1, next: f.next}, seen); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// AdvanceBytes advances over each byte of b in turn.
func (m *Matcher) AdvanceBytes(b []byte) (*Matcher, error) {
	var err error
	for _, c := range b {
		if m, err = m.Advance(c); err != nil {
			return nil, err
		}
		if m.Dead() {
			return m, nil
		}
	}
	return m, nil
}

// Dead says no parse is left: the bytes so far are not a prefix of any
// sentence.
func (m *Matcher) Dead() bool { return len(m.stacks) == 0 && !m.done }

// Done says the bytes so far are a whole sentence (generation may stop).
func (m *Matcher) Done() bool { return m.done }

// More says some byte may still follow.
func (m *Matcher) More() bool { return len(m.stacks) > 0 }

// Match says whether text is a whole sentence of the grammar.
func (g *Grammar) Match(text string) (bool, error) {
	m, err := g.Start()
	if err != nil {
		return false, err
	}
	if m, err = m.AdvanceBytes([]byte(text)); err != nil {
		return false, err
	}
	return m.Done(), nil
}

// Vocab is a vocabulary's token bytes in a trie, for Allowed.
type Vocab struct {
	root trieNode
	n    int
}

type trieNode struct {
	kids  map[byte]*trieNode
	token []int // tokens that end here
}

// NewVocab indexes the bytes of each token (empty tokens, such as control
// tokens, are never allowed by Allowed).
func NewVocab(tokens [][]byte) *Vocab {
	v := &Vocab{n: len(tokens)}
	for id, t := range tokens {
		if len(t) == 0 {
			continue
		}
		n := &v.root
		for _, c := range t {
			if n.kids == nil {
				n.kids = map[byte]*trieNode{}
			}
			k, ok := n.kids[c]
			if !ok {
				k = &trieNode{}
				n.kids[c] = k
			}
			n = k
		}
		n.token = append(n.token, id)
	}
	return v
}

// Allowed marks the tokens whose bytes can come next, walking the trie
// once so that tokens sharing a prefix share the work.
func (m *Matcher) Allowed(v *Vocab) ([]bool, error) {
	out := make([]bool, v.n)
	var walk func(n *trieNode, at *Matcher) error
	walk = func(n *trieNode, at *Matcher) error {
		for c := 0; c < 256; c++ {
			k, ok := n.kids[byte(c)]
			if !ok {
				continue
			}
			next, err := at.Advance(byte(c))
			if err != nil {
				return err
			}
			if next.Dead() {
				continue
			}
			for _, id := range k.token {
				out[id] = true
			}
			if next.More() {
				if err := walk(k, next); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return out, walk(&v.root, m)
}
