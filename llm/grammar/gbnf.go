// Package grammar constrains generated text to a grammar, as llama.cpp's
// GBNF grammars do: Parse reads a GBNF grammar (rules of literals,
// character classes, rule references, groups and * + ? repetition), a
// Matcher follows the bytes generated so far as a set of pushdown stacks,
// Allowed says which vocabulary tokens keep the grammar alive, and
// FromJSONSchema compiles a JSON schema into a grammar whose sentences are
// JSON documents matching it.
//
// The grammar works on bytes: character classes hold bytes (ASCII ranges,
// or any byte when negated), so UTF-8 text passes through negated classes
// such as [^"\\].
package grammar

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrSyntax marks a grammar that does not parse.
	ErrSyntax = errors.New("grammar: syntax error")
	// ErrUnsupported marks a JSON-schema construct the compiler cannot
	// express; its message names the construct.
	ErrUnsupported = errors.New("grammar: unsupported JSON schema")
)

// elem is one element of a sequence: a byte set, or a reference to a rule.
type elem struct {
	set  *[256]bool // nil for a rule reference
	rule int
}

// Grammar is a parsed grammar: rules of alternatives of sequences.
type Grammar struct {
	names []string
	rules [][][]elem // rule → alternatives → sequence
	root  int
}

// maxRules bounds the rules a grammar may have (the source's own and those
// made for groups and repetitions).
const maxRules = 100_000

// Parse reads a GBNF grammar whose start rule is "root".
func Parse(src string) (*Grammar, error) {
	p := &gbnfParser{src: src, g: &Grammar{}, index: map[string]int{}}
	if err := p.parse(); err != nil {
		return nil, err
	}
	root, ok := p.index["root"]
	if !ok {
		return nil, fmt.Errorf("%w: no rule named root", ErrSyntax)
	}
	for i, alts := range p.g.rules {
		if alts == nil {
			return nil, fmt.Errorf("%w: rule %s is used but never defined", ErrSyntax, p.g.names[i])
		}
	}
	p.g.root = root
	if err := p.g.checkLeftRecursion(); err != nil {
		return nil, err
	}
	return p.g, nil
}

type gbnfParser struct {
	src   string
	i     int
	g     *Grammar
	index map[string]int
	depth int
}

// ruleID returns the rule named name, declaring it if new.
func (p *gbnfParser) ruleID(name string) (int, error) {
	if id, ok := p.index[name]; ok {
		return id, nil
	}
	if len(p.g.rules) >= maxRules {
		return 0, fmt.Errorf("%w: more than %d rules", ErrSyntax, maxRules)
	}
	p.index[name] = len(p.g.rules)
	p.g.names = append(p.g.names, name)
	p.g.rules = append(p.g.rules, nil)
	return len(p.g.rules) - 1, nil
}

// newRule makes an anonymous rule for a group or a repetition.
func (p *gbnfParser) newRule(alts [][]elem) (int, error) {
	id, err := p.ruleID(fmt.Sprintf("_%d", len(p.g.rules)))
	if err != nil {
		return 0, err
	}
	p.g.rules[id] = alts
	return id, nil
}

// space skips whitespace and comments; newlines only when nl is set.
func (p *gbnfParser) space(nl bool) {
	for p.i < len(p.src) {
		c := p.src[p.i]
		switch {
		case c == ' ' || c == '\t' || (nl && (c == '\n' || c == '\r')):
			p.i++
		case c == '#':
			for p.i < len(p.src) && p.src[p.i] != '\n' {
				p.i++
			}
		case !nl && c == '\n' && p.i+1 < len(p.src) && (p.src[p.i+1] == ' ' || p.src[p.i+1] == '\t'):
			p.i++ // an indented line continues the rule
		default:
			return
		}
	}
}

func (p *gbnfParser) name() string {
	j := p.i
	for j < len(p.src) && (p.src[j] == '-' || p.src[j] == '_' || p.src[j] >= 'a' && p.src[j] <= 'z' || p.src[j] >= 'A' && p.src[j] <= 'Z' || p.src[j] >= '0' && p.src[j] <= '9') {
		j++
	}
	n := p.src[p.i:j]
	p.i = j
	return n
}

func (p *gbnfParser) parse() error {
	for {
		p.space(true)
		if p.i >= len(p.src) {
			return nil
		}
		name := p.name()
		if name == "" {
			return fmt.Errorf("%w: expected a rule name at byte %d", ErrSyntax, p.i)
		}
		p.space(false)
		if !strings.HasPrefix(p.src[p.i:], "::=") {
			return fmt.Errorf("%w: expected ::= after %s", ErrSyntax, name)
		}
		p.i += 3
		id, err := p.ruleID(name)
		if err != nil {
			return err
		}
		if p.g.rules[id] != nil {
			return fmt.Errorf("%w: rule %s is defined twice", ErrSyntax, name)
		}
		alts, err := p.alternatives()
		if err != nil {
			return fmt.Errorf("rule %s: %w", name, err)
		}
		p.g.rules[id] = alts
	}
}

// alternatives parses "seq | seq | …" up to the end of the rule or a ")".
func (p *gbnfParser) alternatives() ([][]elem, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > 100 {
		return nil, fmt.Errorf("%w: groups nested more than 100 deep", ErrSyntax)
	}
	var alts [][]elem
	for {
		seq, err := p.sequence()
		if err != nil {
			return nil, err
		}
		alts = append(alts, seq)
		p.space(false)
		if p.i < len(p.src) && p.src[p.i] == '|' {
			p.i++
			continue
		}
		return alts, nil
	}
}

// sequence parses elements up to "|", ")" or the end of the rule.
func (p *gbnfParser) sequence() ([]elem, error) {
	seq := []elem{}
	for {
		p.space(false)
		if p.i >= len(p.src) || strings.IndexByte("|)\n\r", p.src[p.i]) >= 0 {
			return seq, nil
		}
		start := len(seq)
		var err error
		if seq, err = p.element(seq); err != nil {
			return nil, err
		}
		if p.i < len(p.src) && strings.IndexByte("*+?", p.src[p.i]) >= 0 {
			if seq, err = p.repeat(seq, start, p.src[p.i]); err != nil {
				return nil, err
			}
			p.i++
		}
	}
}

// element appends one literal, class, reference or group to seq.
func (p *gbnfParser) element(seq []elem) ([]elem, error) {
	switch c := p.src[p.i]; {
	case c == '"':
		p.i++
		for p.i < len(p.src) && p.src[p.i] != '"' {
			b, err := p.char()
			if err != nil {
				return nil, err
			}
			var set [256]bool
			set[b] = true
			seq = append(seq, elem{set: &set})
		}
		if p.i >= len(p.src) {
			return nil, fmt.Errorf("%w: unterminated string", ErrSyntax)
		}
		p.i++
	case c == '[':
		set, err := p.class()
		if err != nil {
			return nil, err
		}
		seq = append(seq, elem{set: set})
	case c == '.':
		p.i++
		var set [256]bool
		for b := range set {
			set[b] = b != '\n'
		}
		seq = append(seq, elem{set: &set})
	case c == '(':
		p.i++
		alts, err := p.alternatives()
		if err != nil {
			return nil, err
		}
		p.space(true)
		if p.i >= len(p.src) || p.src[p.i] != ')' {
			return nil, fmt.Errorf("%w: missing )", ErrSyntax)
		}
		p.i++
		id, err := p.newRule(alts)
		if err != nil {
			return nil, err
		}
		seq = append(seq, elem{rule: id})
	default:
		n := p.name()
		if n == "" {
			return nil, fmt.Errorf("%w: unexpected %q at byte %d", ErrSyntax, c, p.i)
		}
		id, err := p.ruleID(n)
		if err != nil {
			return nil, err
		}
		seq = append(seq, elem{rule: id})
	}
	return seq, nil
}

// repeat replaces seq[start:] (one element) by a rule for x*, x+ or x?.
func (p *gbnfParser) repeat(seq []elem, start int, op byte) ([]elem, error) {
	item := append([]elem{}, seq[start:]...)
	seq = seq[:start]
	switch op {
	case '?':
		id, err := p.newRule([][]elem{item, {}})
		if err != nil {
			return nil, err
		}
		return append(seq, elem{rule: id}), nil
	}
	// x* ::= x x* | ε (right recursion, as llama.cpp rewrites it)
	id, err := p.newRule(nil)
	if err != nil {
		return nil, err
	}
	p.g.rules[id] = [][]elem{append(append([]elem{}, item...), elem{rule: id}), {}}
	if op == '+' {
		seq = append(seq, item...)
	}
	return append(seq, elem{rule: id}), nil
}

// class parses a character class "[...]" of bytes.
func (p *gbnfParser) class() (*[256]bool, error) {
	p.i++
	neg := p.i < len(p.src) && p.src[p.i] == '^'
	if neg {
		p.i++
	}
	var set [256]bool
	for p.i < len(p.src) && p.src[p.i] != ']' {
		lo, err := p.char()
		if err != nil {
			return nil, err
		}
		hi := lo
		if p.i+1 < len(p.src) && p.src[p.i] == '-' && p.src[p.i+1] != ']' {
			p.i++
			if hi, err = p.char(); err != nil {
				return nil, err
			}
		}
		for b := int(lo); b <= int(hi); b++ {
			set[b] = true
		}
	}
	if p.i >= len(p.src) {
		return nil, fmt.Errorf("%w: unterminated character class", ErrSyntax)
	}
	p.i++
	if neg {
		for b := range set {
			set[b] = !set[b]
		}
	}
	return &set, nil
}

// char reads one byte of a literal or class, with escapes; a non-ASCII
// character is refused (classes are over bytes).
func (p *gbnfParser) char() (byte, error) {
	c := p.src[p.i]
	p.i++
	if c >= 0x80 {
		return 0, fmt.Errorf("%w: non-ASCII character in a literal or class (write UTF-8 text outside classes as bytes)", ErrSyntax)
	}
	if c != '\\' {
		return c, nil
	}
	if p.i >= len(p.src) {
		return 0, fmt.Errorf("%w: dangling \\", ErrSyntax)
	}
	e := p.src[p.i]
	p.i++
	switch e {
	case 'n':
		return '\n', nil
	case 'r':
		return '\r', nil
	case 't':
		return '\t', nil
	case 'x':
		if p.i+2 > len(p.src) {
			return 0, fmt.Errorf("%w: short \\x escape", ErrSyntax)
		}
		var v byte
		if _, err := fmt.Sscanf(p.src[p.i:p.i+2], "%02x", &v); err != nil {
			return 0, fmt.Errorf("%w: bad \\x escape", ErrSyntax)
		}
		p.i += 2
		return v, nil
	}
	return e, nil
}

// checkLeftRecursion refuses a rule that can reach itself without
// consuming a byte: the matcher's expansion would never end.
func (g *Grammar) checkLeftRecursion() error {
	nullable := make([]bool, len(g.rules))
	for changed := true; changed; {
		changed = false
		for r, alts := range g.rules {
			if nullable[r] {
				continue
			}
			for _, seq := range alts {
				if g.allNullable(seq, nullable) {
					nullable[r], changed = true, true
					break
				}
			}
		}
	}
	state := make([]byte, len(g.rules)) // 0 new, 1 on the path, 2 done
	var visit func(r int) error
	visit = func(r int) error {
		if state[r] == 1 {
			return fmt.Errorf("%w: rule %s is left-recursive", ErrSyntax, g.names[r])
		}
		if state[r] == 2 {
			return nil
		}
		state[r] = 1
		for _, seq := range g.rules[r] {
			for _, e := range seq {
				if e.set != nil {
					break
				}
				if err := visit(e.rule); err != nil {
					return err
				}
				if !nullable[e.rule] {
					break
				}
			}
		}
		state[r] = 2
		return nil
	}
	for r := range g.rules {
		if err := visit(r); err != nil {
			return err
		}
	}
	return nil
}

func (g *Grammar) allNullable(seq []elem, nullable []bool) bool {
	for _, e := range seq {
		if e.set != nil || !nullable[e.rule] {
			return false
		}
	}
	return true
}
