package chattemplate

import (
	"errors"
	"fmt"
	"strings"
)

// errBreak and errContinue carry loop control up to the enclosing for.
var (
	errBreak    = errors.New("break")
	errContinue = errors.New("continue")
)

// exec runs statements.
func (s *state) exec(nodes []node) error {
	for _, n := range nodes {
		if err := s.step(); err != nil {
			return err
		}
		if err := s.execOne(n); err != nil {
			return err
		}
	}
	return nil
}

func (s *state) execOne(n node) error {
	switch n := n.(type) {
	case textNode:
		return s.write(n.s)
	case outputNode:
		v, err := s.eval(n.e)
		if err != nil {
			return err
		}
		return s.write(s.str(v))
	case ifNode:
		for i, c := range n.conds {
			v, err := s.eval(c)
			if err != nil {
				return err
			}
			if truthy(v) {
				return s.exec(n.bodies[i])
			}
		}
		return s.exec(n.els)
	case forNode:
		return s.execFor(n)
	case setNode:
		return s.execSet(n)
	case loopCtl:
		if n.brk {
			return errBreak
		}
		return errContinue
	}
	return fmt.Errorf("%w: unknown statement %T", ErrRender, n)
}

func (s *state) execSet(n setNode) error {
	v, err := s.eval(n.e)
	if err != nil {
		return err
	}
	if n.attr == "" {
		s.scopes[len(s.scopes)-1][n.name] = v
		return nil
	}
	ns, ok := s.lookup(n.name).(namespace)
	if !ok {
		return fmt.Errorf("%w: set %s.%s: only a namespace() takes attributes", ErrRender, n.name, n.attr)
	}
	ns.Set(n.attr, v)
	return nil
}

func (s *state) execFor(n forNode) error {
	seq, err := s.eval(n.iter)
	if err != nil {
		return err
	}
	all, err := items(seq)
	if err != nil {
		return err
	}
	list := all
	if n.filter != nil { // the loop's "if" filters before loop.* counts
		list = nil
		for _, it := range all {
			s.scopes = append(s.scopes, s.bind(n.vars, it))
			v, err := s.eval(n.filter)
			s.scopes = s.scopes[:len(s.scopes)-1]
			if err != nil {
				return err
			}
			if truthy(v) {
				list = append(list, it)
			}
		}
	}
	if len(list) == 0 {
		return s.exec(n.els)
	}
	for i, it := range list {
		scope := s.bind(n.vars, it)
		scope["loop"] = loopInfo(list, i)
		s.scopes = append(s.scopes, scope)
		err := s.exec(n.body)
		s.scopes = s.scopes[:len(s.scopes)-1]
		if errors.Is(err, errBreak) {
			return nil
		}
		if err != nil && !errors.Is(err, errContinue) {
			return err
		}
	}
	return nil
}

// bind assigns a loop item to the loop variables (unpacking pairs).
func (s *state) bind(vars []string, it any) map[string]any {
	scope := map[string]any{}
	if len(vars) == 1 {
		scope[vars[0]] = it
		return scope
	}
	parts, _ := it.([]any)
	for i, v := range vars {
		if i < len(parts) {
			scope[v] = parts[i]
		} else {
			scope[v] = undefined{v}
		}
	}
	return scope
}

// loopInfo is the loop variable of iteration i.
func loopInfo(list []any, i int) *Dict {
	d := NewDict()
	n := len(list)
	d.Set("index", i+1).Set("index0", i).Set("revindex", n-i).Set("revindex0", n-i-1)
	d.Set("first", i == 0).Set("last", i == n-1).Set("length", n)
	d.Set("previtem", any(undefined{"previtem"})).Set("nextitem", any(undefined{"nextitem"}))
	if i > 0 {
		d.Set("previtem", list[i-1])
	}
	if i < n-1 {
		d.Set("nextitem", list[i+1])
	}
	return d
}

// eval evaluates an expression.
func (s *state) eval(e expr) (any, error) {
	if err := s.step(); err != nil {
		return nil, err
	}
	switch e := e.(type) {
	case literal:
		return e.v, nil
	case nameRef:
		return s.lookup(e.name), nil
	case listLit:
		out := make([]any, len(e.items))
		for i, x := range e.items {
			v, err := s.eval(x)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case dictLit:
		return s.evalDict(e)
	case attrOf:
		x, err := s.eval(e.x)
		if err != nil {
			return nil, err
		}
		return attribute(x, e.name)
	case indexOf:
		return s.evalIndex(e)
	case sliceOf:
		return s.evalSlice(e)
	case callOf:
		return s.call(&e)
	case *callOf:
		return s.call(e)
	case filterOf:
		return s.filter(e)
	case testOf:
		return s.test(e)
	case unary:
		return s.evalUnary(e)
	case binary:
		return s.evalBinary(e)
	case cond:
		c, err := s.eval(e.c)
		if err != nil {
			return nil, err
		}
		if truthy(c) {
			return s.eval(e.yes)
		}
		return s.eval(e.no)
	}
	return nil, fmt.Errorf("%w: unknown expression %T", ErrRender, e)
}

func (s *state) evalDict(e dictLit) (any, error) {
	d := NewDict()
	for i := range e.keys {
		k, err := s.eval(e.keys[i])
		if err != nil {
			return nil, err
		}
		v, err := s.eval(e.vals[i])
		if err != nil {
			return nil, err
		}
		d.Set(s.str(k), v)
	}
	return d, nil
}

// attribute reads x.name: a dict's key, a namespace's attribute, or a
// method of a string, dict or list; nothing else is there to read.
func attribute(x any, name string) (any, error) {
	if strings.HasPrefix(name, "_") {
		return nil, fmt.Errorf("%w: attribute %q refused: templates read only the data they are given", ErrRender, name)
	}
	switch x := x.(type) {
	case *Dict:
		if v, ok := x.vals[name]; ok {
			return v, nil
		}
		if _, ok := dictMethods[name]; ok {
			return method{x, name}, nil
		}
	case namespace:
		if v, ok := x.vals[name]; ok {
			return v, nil
		}
	case string:
		if _, ok := stringMethods[name]; ok {
			return method{x, name}, nil
		}
	case undefined:
		return nil, fmt.Errorf("%w: %s is undefined, so it has no attribute %q", ErrRender, x.name, name)
	}
	return undefined{name}, nil
}

func (s *state) evalIndex(e indexOf) (any, error) {
	x, err := s.eval(e.x)
	if err != nil {
		return nil, err
	}
	i, err := s.eval(e.i)
	if err != nil {
		return nil, err
	}
	if k, ok := i.(string); ok {
		return attribute(x, k)
	}
	n, ok := i.(int)
	if !ok {
		return nil, fmt.Errorf("%w: index of type %s", ErrRender, typeName(i))
	}
	var list []any
	switch x := x.(type) {
	case []any:
		list = x
	case string:
		list, _ = items(x)
	case undefined:
		return nil, fmt.Errorf("%w: %s is undefined, so it has no item %d", ErrRender, x.name, n)
	default:
		return undefined{"item"}, nil
	}
	if n < 0 {
		n += len(list)
	}
	if n < 0 || n >= len(list) {
		return undefined{"item"}, nil
	}
	return list[n], nil
}

func (s *state) evalSlice(e sliceOf) (any, error) {
	x, err := s.eval(e.x)
	if err != nil {
		return nil, err
	}
	var b [3]*int
	for k, p := range []expr{e.lo, e.hi, e.stepE} {
		if p == nil {
			continue
		}
		v, err := s.eval(p)
		if err != nil {
			return nil, err
		}
		n, ok := v.(int)
		if !ok && v != nil {
			return nil, fmt.Errorf("%w: slice bound of type %s", ErrRender, typeName(v))
		}
		if ok {
			b[k] = &n
		}
	}
	_, isStr := x.(string)
	list, err := items(x)
	if err != nil {
		return nil, err
	}
	out, err := slice(list, b[0], b[1], b[2])
	if err != nil || !isStr {
		return out, err
	}
	var sb strings.Builder
	for _, c := range out {
		sb.WriteString(c.(string))
	}
	return sb.String(), nil
}

// slice is Python's list[lo:hi:step].
func slice(list []any, lo, hi, step *int) ([]any, error) {
	st := 1
	if step != nil {
		st = *step
	}
	if st == 0 {
		return nil, fmt.Errorf("%w: slice step cannot be zero", ErrRender)
	}
	n := len(list)
	clamp := func(p *int, def int) int {
		if p == nil {
			return def
		}
		v := *p
		if v < 0 {
			v += n
		}
		if st > 0 {
			return max(0, min(v, n))
		}
		return max(-1, min(v, n-1))
	}
	var out []any
	if st > 0 {
		for i := clamp(lo, 0); i < clamp(hi, n); i += st {
			out = append(out, list[i])
		}
	} else {
		for i := clamp(lo, n-1); i > clamp(hi, -1); i += st {
			out = append(out, list[i])
		}
	}
	if out == nil {
		out = []any{}
	}
	return out, nil
}

func (s *state) evalUnary(e unary) (any, error) {
	x, err := s.eval(e.x)
	if err != nil {
		return nil, err
	}
	if e.op == "not" {
		return !truthy(x), nil
	}
	switch x := x.(type) {
	case int:
		return -x, nil
	case float64:
		return -x, nil
	}
	return nil, fmt.Errorf("%w: -%s", ErrRender, typeName(x))
}

func (s *state) evalBinary(e binary) (any, error) {
	l, err := s.eval(e.l)
	if err != nil {
		return nil, err
	}
	switch e.op { // and/or return an operand and short-circuit, as in Python
	case "and":
		if !truthy(l) {
			return l, nil
		}
		return s.eval(e.r)
	case "or":
		if truthy(l) {
			return l, nil
		}
		return s.eval(e.r)
	}
	r, err := s.eval(e.r)
	if err != nil {
		return nil, err
	}
	return s.operate(e.op, l, r)
}
