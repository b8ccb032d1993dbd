package chattemplate

import (
	"fmt"
	"math"
	"strings"
)

// operate applies a binary operator other than and/or.
func (s *state) operate(op string, l, r any) (any, error) {
	switch op {
	case "==", "!=", "in", "not in":
		work := s.lim.Steps - s.steps
		var res bool
		var err error
		if op == "==" || op == "!=" {
			res = equal(l, r, &work) == (op == "==")
		} else {
			res, err = contains(r, l, &work)
			res = res != (op == "not in")
		}
		if work < 0 {
			return nil, fmt.Errorf("%w: more than %d steps comparing values", ErrBudget, s.lim.Steps)
		}
		s.steps = s.lim.Steps - work
		return res, err
	case "~":
		return s.sized(s.str(l) + s.str(r))
	case "<", ">", "<=", ">=":
		return compare(op, l, r)
	case "+":
		switch a := l.(type) {
		case string:
			if b, ok := r.(string); ok {
				return s.sized(a + b)
			}
		case []any:
			if b, ok := r.([]any); ok {
				if len(a)+len(b) > s.lim.Output {
					return nil, fmt.Errorf("%w: list over %d items", ErrBudget, s.lim.Output)
				}
				return append(append([]any{}, a...), b...), nil
			}
		}
	case "*":
		if a, ok := l.(string); ok {
			if n, ok := r.(int); ok {
				if n > 0 && len(a)*n/n == len(a) && len(a)*n <= s.lim.Output {
					return strings.Repeat(a, n), nil
				}
				if n <= 0 {
					return "", nil
				}
				return nil, fmt.Errorf("%w: string over %d bytes", ErrBudget, s.lim.Output)
			}
		}
	}
	return arith(op, l, r)
}

// sized refuses a string past the output budget.
func (s *state) sized(v string) (any, error) {
	if len(v) > s.lim.Output {
		return nil, fmt.Errorf("%w: string over %d bytes", ErrBudget, s.lim.Output)
	}
	return v, nil
}

// arith is +, -, *, /, //, %, ** on numbers (ints stay ints but for /).
func arith(op string, l, r any) (any, error) {
	a, okA := l.(int)
	b, okB := r.(int)
	if okA && okB {
		switch op {
		case "+":
			return a + b, nil
		case "-":
			return a - b, nil
		case "*":
			return a * b, nil
		case "//", "%":
			if b == 0 {
				return nil, fmt.Errorf("%w: division by zero", ErrRender)
			}
			q, m := a/b, a%b
			if m != 0 && (m < 0) != (b < 0) { // Python floors
				q, m = q-1, m+b
			}
			if op == "//" {
				return q, nil
			}
			return m, nil
		}
	}
	x, okX := number(l)
	y, okY := number(r)
	if !okX || !okY {
		return nil, fmt.Errorf("%w: %s %s %s", ErrRender, typeName(l), op, typeName(r))
	}
	switch op {
	case "+":
		return x + y, nil
	case "-":
		return x - y, nil
	case "*":
		return x * y, nil
	case "/", "//", "%":
		if y == 0 {
			return nil, fmt.Errorf("%w: division by zero", ErrRender)
		}
		switch op {
		case "/":
			return x / y, nil
		case "//":
			return math.Floor(x / y), nil
		}
		return x - y*math.Floor(x/y), nil
	case "**":
		return math.Pow(x, y), nil
	}
	return nil, fmt.Errorf("%w: operator %s", ErrUnsupported, op)
}

// compare is <, >, <=, >= on numbers or strings.
func compare(op string, l, r any) (any, error) {
	var c int
	if x, ok := number(l); ok {
		y, ok := number(r)
		if !ok {
			return nil, fmt.Errorf("%w: %s %s %s", ErrRender, typeName(l), op, typeName(r))
		}
		c = map[bool]int{true: -1, false: 0}[x < y] + map[bool]int{true: 1, false: 0}[x > y]
	} else {
		a, okA := l.(string)
		b, okB := r.(string)
		if !okA || !okB {
			return nil, fmt.Errorf("%w: %s %s %s", ErrRender, typeName(l), op, typeName(r))
		}
		c = strings.Compare(a, b)
	}
	switch op {
	case "<":
		return c < 0, nil
	case ">":
		return c > 0, nil
	case "<=":
		return c <= 0, nil
	}
	return c >= 0, nil
}

// contains is Python's "x in container".
func contains(container, x any, work *int) (bool, error) {
	switch c := container.(type) {
	case string:
		s, ok := x.(string)
		if !ok {
			return false, fmt.Errorf("%w: %s in string", ErrRender, typeName(x))
		}
		return strings.Contains(c, s), nil
	case []any:
		for _, it := range c {
			if equal(it, x, work) {
				return true, nil
			}
		}
		return false, nil
	case *Dict:
		k, ok := x.(string)
		if !ok {
			return false, nil
		}
		_, in := c.vals[k]
		return in, nil
	case undefined, nil:
		return false, nil
	}
	return false, fmt.Errorf("%w: in %s", ErrRender, typeName(container))
}

// args evaluates a call's arguments.
func (s *state) args(c *callOf) ([]any, map[string]any, error) {
	pos := make([]any, len(c.args))
	for i, a := range c.args {
		v, err := s.eval(a)
		if err != nil {
			return nil, nil, err
		}
		pos[i] = v
	}
	kw := map[string]any{}
	for _, k := range c.order {
		v, err := s.eval(c.kwargs[k])
		if err != nil {
			return nil, nil, err
		}
		kw[k] = v
	}
	return pos, kw, nil
}

// call calls a builtin or a method.
func (s *state) call(c *callOf) (any, error) {
	fn, err := s.eval(c.fn)
	if err != nil {
		return nil, err
	}
	pos, kw, err := s.args(c)
	if err != nil {
		return nil, err
	}
	switch fn := fn.(type) {
	case builtin:
		return s.callBuiltin(string(fn), pos, kw, c.order)
	case method:
		return s.callMethod(fn, pos)
	}
	return nil, fmt.Errorf("%w: %s is not callable", ErrRender, typeName(fn))
}

func (s *state) callBuiltin(name string, pos []any, kw map[string]any, order []string) (any, error) {
	switch name {
	case "raise_exception":
		msg := "raise_exception"
		if len(pos) > 0 {
			msg = s.str(pos[0])
		}
		return nil, fmt.Errorf("%w: the template refused the conversation: %s", ErrRender, msg)
	case "namespace":
		d := NewDict()
		for _, k := range order {
			d.Set(k, kw[k])
		}
		return namespace{d}, nil
	case "range":
		var lo, hi, st = 0, 0, 1
		ints := make([]int, len(pos))
		for i, p := range pos {
			n, ok := p.(int)
			if !ok {
				return nil, fmt.Errorf("%w: range takes integers", ErrRender)
			}
			ints[i] = n
		}
		switch len(ints) {
		case 1:
			hi = ints[0]
		case 2:
			lo, hi = ints[0], ints[1]
		case 3:
			lo, hi, st = ints[0], ints[1], ints[2]
		default:
			return nil, fmt.Errorf("%w: range takes 1 to 3 integers", ErrRender)
		}
		if st == 0 {
			return nil, fmt.Errorf("%w: range step cannot be zero", ErrRender)
		}
		var out []any
		for i := lo; (st > 0 && i < hi) || (st < 0 && i > hi); i += st {
			if err := s.step(); err != nil {
				return nil, err
			}
			out = append(out, i)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: function %s", ErrUnsupported, name)
}
