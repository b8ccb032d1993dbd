package chattemplate

import (
	"fmt"
	"strconv"
)

// maxNesting bounds how deep blocks and expressions may nest, so that a
// hostile template cannot exhaust the parser's stack.
const maxNesting = 100

// node is a statement of the template.
type node interface{}

type (
	textNode   struct{ s string }
	outputNode struct{ e expr }
	ifNode     struct {
		conds  []expr
		bodies [][]node
		els    []node
	}
	forNode struct {
		vars      []string
		iter      expr
		filter    expr // the optional "if" of a for loop, or nil
		body, els []node
	}
	setNode struct {
		name, attr string // attr != "" for "set ns.attr = …"
		e          expr
	}
	loopCtl struct{ brk bool } // break or continue
)

// expr is an expression inside a tag.
type expr interface{}

type (
	literal struct{ v any }
	nameRef struct{ name string }
	listLit struct{ items []expr }
	dictLit struct{ keys, vals []expr }
	attrOf  struct {
		x    expr
		name string
	}
	indexOf struct{ x, i expr }
	sliceOf struct {
		x             expr
		lo, hi, stepE expr
	}
	callOf struct {
		fn     expr
		args   []expr
		kwargs map[string]expr
		order  []string // kwargs in source order
	}
	filterOf struct {
		x    expr
		name string
		call *callOf // arguments after the piped value, or nil
	}
	testOf struct {
		x    expr
		name string
		not  bool
		args []expr
	}
	binary struct {
		op   string
		l, r expr
	}
	unary struct {
		op string
		x  expr
	}
	cond struct{ c, yes, no expr }
)

// parser turns pieces into nodes.
type parser struct {
	pieces []piece
	i      int
	depth  int
}

// block parses nodes until a statement whose first word is in ends (or the
// end of the template when ends is empty) and returns that word and the
// rest of its tag.
func (p *parser) block(ends ...string) ([]node, string, []token, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxNesting {
		return nil, "", nil, fmt.Errorf("%w: blocks nested more than %d deep", ErrSyntax, maxNesting)
	}
	var out []node
	for p.i < len(p.pieces) {
		pc := p.pieces[p.i]
		p.i++
		switch pc.kind {
		case 't':
			out = append(out, textNode{pc.text})
		case 'o':
			toks, err := lex(pc.text)
			if err != nil {
				return nil, "", nil, err
			}
			e, err := parseWhole(toks)
			if err != nil {
				return nil, "", nil, fmt.Errorf("{{%s}} at byte %d: %w", pc.text, pc.pos, err)
			}
			out = append(out, outputNode{e})
		case 's':
			toks, err := lex(pc.text)
			if err != nil {
				return nil, "", nil, err
			}
			if len(toks) == 0 || toks[0].kind != 'n' {
				return nil, "", nil, fmt.Errorf("%w: empty or nameless statement at byte %d", ErrSyntax, pc.pos)
			}
			word := toks[0].text
			for _, e := range ends {
				if word == e {
					return out, word, toks[1:], nil
				}
			}
			n, err := p.statement(word, toks[1:])
			if err != nil {
				return nil, "", nil, fmt.Errorf("{%%%s%%} at byte %d: %w", pc.text, pc.pos, err)
			}
			if n != nil {
				out = append(out, n)
			}
		}
	}
	if len(ends) > 0 {
		return nil, "", nil, fmt.Errorf("%w: missing {%% %s %%}", ErrSyntax, ends[len(ends)-1])
	}
	return out, "", nil, nil
}

// statement parses one statement tag (and its body, for blocks).
func (p *parser) statement(word string, toks []token) (node, error) {
	switch word {
	case "if":
		return p.ifStmt(toks)
	case "for":
		return p.forStmt(toks)
	case "set":
		return setStmt(toks)
	case "break", "continue":
		return loopCtl{brk: word == "break"}, nil
	case "generation", "endgeneration":
		return nil, nil // Hugging Face's assistant-mask marker: no output
	}
	return nil, fmt.Errorf("%w: tag %q", ErrUnsupported, word)
}

func (p *parser) ifStmt(toks []token) (node, error) {
	n := ifNode{}
	for {
		c, err := parseWhole(toks)
		if err != nil {
			return nil, err
		}
		body, end, rest, err := p.block("elif", "else", "endif")
		if err != nil {
			return nil, err
		}
		n.conds, n.bodies = append(n.conds, c), append(n.bodies, body)
		switch end {
		case "elif":
			toks = rest
			continue
		case "else":
			els, _, _, err := p.block("endif")
			if err != nil {
				return nil, err
			}
			n.els = els
		}
		return n, nil
	}
}

func (p *parser) forStmt(toks []token) (node, error) {
	n := forNode{}
	i := 0
	for ; i < len(toks) && !(toks[i].kind == 'n' && toks[i].text == "in"); i++ {
		if toks[i].kind == 'n' {
			n.vars = append(n.vars, toks[i].text)
		} else if toks[i].text != "," && toks[i].text != "(" && toks[i].text != ")" {
			return nil, fmt.Errorf("%w: bad loop variable %q", ErrSyntax, toks[i].text)
		}
	}
	if len(n.vars) == 0 || i == len(toks) {
		return nil, fmt.Errorf("%w: for needs \"for x in items\"", ErrSyntax)
	}
	ep := &exprParser{toks: toks[i+1:]}
	var err error
	if n.iter, err = ep.orExpr(); err != nil {
		return nil, err
	}
	if ep.word("if") {
		if n.filter, err = ep.orExpr(); err != nil {
			return nil, err
		}
	}
	if ep.word("recursive") || ep.i != len(ep.toks) {
		return nil, fmt.Errorf("%w: unexpected %q after the loop's items", ErrSyntax, ep.peek().text)
	}
	body, end, _, err := p.block("else", "endfor")
	if err != nil {
		return nil, err
	}
	n.body = body
	if end == "else" {
		if n.els, _, _, err = p.block("endfor"); err != nil {
			return nil, err
		}
	}
	return n, nil
}

func setStmt(toks []token) (node, error) {
	if len(toks) < 3 || toks[0].kind != 'n' {
		return nil, fmt.Errorf("%w: set needs \"set name = value\" (block set is not supported)", ErrUnsupported)
	}
	n := setNode{name: toks[0].text}
	rest := toks[1:]
	if rest[0].text == "." && len(rest) > 2 && rest[1].kind == 'n' {
		n.attr, rest = rest[1].text, rest[2:]
	}
	if len(rest) < 2 || rest[0].text != "=" {
		return nil, fmt.Errorf("%w: set needs \"set name = value\"", ErrUnsupported)
	}
	e, err := parseWhole(rest[1:])
	n.e = e
	return n, err
}

// parseWhole parses toks as one expression, all of them.
func parseWhole(toks []token) (expr, error) {
	ep := &exprParser{toks: toks}
	e, err := ep.ternary()
	if err != nil {
		return nil, err
	}
	if ep.i != len(toks) {
		return nil, fmt.Errorf("%w: unexpected %q", ErrSyntax, toks[ep.i].text)
	}
	return e, nil
}

// exprParser parses an expression by Jinja's precedence.
type exprParser struct {
	toks  []token
	i     int
	depth int
}

func (p *exprParser) peek() token {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return token{}
}

// op consumes punctuation s when it comes next.
func (p *exprParser) op(s string) bool {
	if t := p.peek(); t.kind == 'p' && t.text == s {
		p.i++
		return true
	}
	return false
}

// word consumes the name s when it comes next.
func (p *exprParser) word(s string) bool {
	if t := p.peek(); t.kind == 'n' && t.text == s {
		p.i++
		return true
	}
	return false
}

func (p *exprParser) ternary() (expr, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxNesting {
		return nil, fmt.Errorf("%w: expression nested more than %d deep", ErrSyntax, maxNesting)
	}
	e, err := p.orExpr()
	if err != nil || !p.word("if") {
		return e, err
	}
	c, err := p.orExpr()
	if err != nil {
		return nil, err
	}
	var no expr = literal{undefined{"else branch"}}
	if p.word("else") {
		if no, err = p.ternary(); err != nil {
			return nil, err
		}
	}
	return cond{c, e, no}, nil
}

// leftAssoc parses next (op next)* for the operators ops.
func (p *exprParser) leftAssoc(next func() (expr, error), isOp func() (string, bool)) (expr, error) {
	l, err := next()
	if err != nil {
		return nil, err
	}
	for {
		op, ok := isOp()
		if !ok {
			return l, nil
		}
		r, err := next()
		if err != nil {
			return nil, err
		}
		l = binary{op, l, r}
	}
}

func (p *exprParser) ops(list ...string) func() (string, bool) {
	return func() (string, bool) {
		for _, o := range list {
			if p.op(o) {
				return o, true
			}
		}
		return "", false
	}
}

func (p *exprParser) words(list ...string) func() (string, bool) {
	return func() (string, bool) {
		for _, w := range list {
			if p.word(w) {
				return w, true
			}
		}
		return "", false
	}
}

func (p *exprParser) orExpr() (expr, error)  { return p.leftAssoc(p.andExpr, p.words("or")) }
func (p *exprParser) andExpr() (expr, error) { return p.leftAssoc(p.notExpr, p.words("and")) }

func (p *exprParser) notExpr() (expr, error) {
	if p.word("not") {
		x, err := p.notExpr()
		return unary{"not", x}, err
	}
	return p.compare()
}

func (p *exprParser) compare() (expr, error) {
	return p.leftAssoc(p.math1, func() (string, bool) {
		if o, ok := p.ops("==", "!=", "<=", ">=", "<", ">")(); ok {
			return o, true
		}
		if p.word("in") {
			return "in", true
		}
		if t := p.peek(); t.kind == 'n' && t.text == "not" && p.i+1 < len(p.toks) && p.toks[p.i+1].text == "in" {
			p.i += 2
			return "not in", true
		}
		return "", false
	})
}

func (p *exprParser) math1() (expr, error)  { return p.leftAssoc(p.concat, p.ops("+", "-")) }
func (p *exprParser) concat() (expr, error) { return p.leftAssoc(p.math2, p.ops("~")) }
func (p *exprParser) math2() (expr, error) {
	return p.leftAssoc(p.pow, p.ops("//", "/", "%", "*"))
}
func (p *exprParser) pow() (expr, error) { return p.leftAssoc(p.unaryExpr, p.ops("**")) }

func (p *exprParser) unaryExpr() (expr, error) {
	if p.op("-") {
		x, err := p.unaryExpr()
		return unary{"-", x}, err
	}
	if p.op("+") {
		return p.unaryExpr()
	}
	x, err := p.postfix()
	if err != nil {
		return nil, err
	}
	return p.filters(x)
}

// filters parses "| name(args)" and "is [not] test" after a value.
func (p *exprParser) filters(x expr) (expr, error) {
	for {
		switch {
		case p.op("|"):
			t := p.peek()
			if t.kind != 'n' {
				return nil, fmt.Errorf("%w: a filter name must follow |", ErrSyntax)
			}
			p.i++
			f := filterOf{x: x, name: t.text}
			if p.op("(") {
				c, err := p.callArgs(nil)
				if err != nil {
					return nil, err
				}
				f.call = c
			}
			x = f
		case p.word("is"):
			tst := testOf{x: x, not: p.word("not")}
			t := p.peek()
			if t.kind != 'n' {
				return nil, fmt.Errorf("%w: a test name must follow is", ErrSyntax)
			}
			p.i++
			tst.name = t.text
			if p.op("(") {
				c, err := p.callArgs(nil)
				if err != nil {
					return nil, err
				}
				tst.args = c.args
			}
			x = tst
		default:
			return x, nil
		}
	}
}

// postfix parses a primary and its attribute, index and call suffixes.
func (p *exprParser) postfix() (expr, error) {
	x, err := p.primary()
	if err != nil {
		return nil, err
	}
	for {
		switch {
		case p.op("."):
			t := p.peek()
			if t.kind != 'n' && t.kind != 'i' {
				return nil, fmt.Errorf("%w: an attribute name must follow the dot", ErrSyntax)
			}
			p.i++
			x = attrOf{x, t.text}
		case p.op("["):
			if x, err = p.subscript(x); err != nil {
				return nil, err
			}
		case p.op("("):
			if x, err = p.callArgs(x); err != nil {
				return nil, err
			}
		default:
			return x, nil
		}
	}
}

// subscript parses the inside of [...] after x: an index or a slice.
func (p *exprParser) subscript(x expr) (expr, error) {
	var parts [3]expr
	k := 0
	for {
		if t := p.peek(); !(t.kind == 'p' && (t.text == ":" || t.text == "]")) {
			e, err := p.ternary()
			if err != nil {
				return nil, err
			}
			parts[k] = e
		}
		if p.op("]") {
			break
		}
		if !p.op(":") || k == 2 {
			return nil, fmt.Errorf("%w: bad subscript", ErrSyntax)
		}
		k++
	}
	if k == 0 {
		if parts[0] == nil {
			return nil, fmt.Errorf("%w: empty subscript", ErrSyntax)
		}
		return indexOf{x, parts[0]}, nil
	}
	return sliceOf{x, parts[0], parts[1], parts[2]}, nil
}

// callArgs parses arguments up to ")" (the "(" is consumed).
func (p *exprParser) callArgs(fn expr) (*callOf, error) {
	c := &callOf{fn: fn, kwargs: map[string]expr{}}
	for !p.op(")") {
		if len(c.args)+len(c.order) > 0 && !p.op(",") {
			return nil, fmt.Errorf("%w: expected , or ) in arguments", ErrSyntax)
		}
		if p.op(")") {
			break
		}
		if t := p.peek(); t.kind == 'n' && p.i+1 < len(p.toks) && p.toks[p.i+1].text == "=" {
			p.i += 2
			e, err := p.ternary()
			if err != nil {
				return nil, err
			}
			c.kwargs[t.text] = e
			c.order = append(c.order, t.text)
			continue
		}
		e, err := p.ternary()
		if err != nil {
			return nil, err
		}
		c.args = append(c.args, e)
	}
	return c, nil
}

func (p *exprParser) primary() (expr, error) {
	t := p.peek()
	if t.kind == 0 {
		return nil, fmt.Errorf("%w: expression ends too soon", ErrSyntax)
	}
	p.i++
	switch t.kind {
	case 's':
		s := t.text
		for p.peek().kind == 's' { // adjacent literals join, as in Python
			s += p.peek().text
			p.i++
		}
		return literal{s}, nil
	case 'i':
		n, err := strconv.Atoi(t.text)
		if err != nil {
			return nil, fmt.Errorf("%w: integer %s", ErrSyntax, t.text)
		}
		return literal{n}, nil
	case 'f':
		f, err := strconv.ParseFloat(t.text, 64)
		return literal{f}, err
	case 'n':
		switch t.text {
		case "true", "True":
			return literal{true}, nil
		case "false", "False":
			return literal{false}, nil
		case "none", "None":
			return literal{nil}, nil
		}
		return nameRef{t.text}, nil
	}
	switch t.text {
	case "(":
		e, err := p.ternary()
		if err != nil {
			return nil, err
		}
		if p.op(")") {
			return e, nil
		}
		tuple := listLit{items: []expr{e}} // a tuple acts as a list here
		for p.op(",") && !p.op(")") {
			x, err := p.ternary()
			if err != nil {
				return nil, err
			}
			tuple.items = append(tuple.items, x)
			if p.op(")") {
				return tuple, nil
			}
		}
		if p.toks[p.i-1].text != ")" {
			return nil, fmt.Errorf("%w: missing )", ErrSyntax)
		}
		return tuple, nil
	case "[":
		return p.listLiteral()
	case "{":
		return p.dictLiteral()
	}
	return nil, fmt.Errorf("%w: unexpected %q", ErrSyntax, t.text)
}

func (p *exprParser) listLiteral() (expr, error) {
	var l listLit
	for !p.op("]") {
		if len(l.items) > 0 && !p.op(",") {
			return nil, fmt.Errorf("%w: expected , or ] in list", ErrSyntax)
		}
		if p.op("]") {
			break
		}
		e, err := p.ternary()
		if err != nil {
			return nil, err
		}
		l.items = append(l.items, e)
	}
	return l, nil
}

func (p *exprParser) dictLiteral() (expr, error) {
	var d dictLit
	for !p.op("}") {
		if len(d.keys) > 0 && !p.op(",") {
			return nil, fmt.Errorf("%w: expected , or } in dict", ErrSyntax)
		}
		if p.op("}") {
			break
		}
		k, err := p.ternary()
		if err != nil {
			return nil, err
		}
		if !p.op(":") {
			return nil, fmt.Errorf("%w: expected : in dict", ErrSyntax)
		}
		v, err := p.ternary()
		if err != nil {
			return nil, err
		}
		d.keys, d.vals = append(d.keys, k), append(d.vals, v)
	}
	return d, nil
}
