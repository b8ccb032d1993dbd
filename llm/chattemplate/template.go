// Package chattemplate renders a model's chat template
// (tokenizer.chat_template, a Jinja template) with a small, safe subset of
// Jinja: for, if/elif/else, set (and namespace), loop variables, the
// filters and string, dict and list methods chat templates use, tests
// (is defined, is string, …) and raise_exception, in the environment
// Hugging Face renders them with (trim_blocks, lstrip_blocks,
// loopcontrols).
//
// A template reads only the data it is given: there is no Python object
// underneath, attribute names starting with "_" are refused, and a render
// stops with ErrBudget once it has taken too many steps or written too
// much.
package chattemplate

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrSyntax marks a template that does not parse.
	ErrSyntax = errors.New("chattemplate: syntax error")
	// ErrUnsupported marks a construct outside the supported subset.
	ErrUnsupported = errors.New("chattemplate: unsupported")
	// ErrRender marks an error while rendering (a bad operand, a refused
	// attribute, a raise_exception).
	ErrRender = errors.New("chattemplate: render error")
	// ErrBudget marks a render stopped by its step or output budget.
	ErrBudget = errors.New("chattemplate: budget exceeded")
)

// Limits bound one render.
type Limits struct {
	// Steps is the most statements and expressions evaluated (default 1,000,000).
	Steps int
	// Output is the most bytes written, and the largest string or list
	// built (default 1 MiB).
	Output int
}

// DefaultLimits are the limits Render uses for zero fields.
var DefaultLimits = Limits{Steps: 1_000_000, Output: 1 << 20}

// Template is a parsed chat template, safe to render from many goroutines.
type Template struct {
	nodes []node
}

// Parse parses a template's source.
func Parse(src string) (*Template, error) {
	pieces, err := split(src)
	if err != nil {
		return nil, err
	}
	p := &parser{pieces: pieces}
	nodes, _, _, err := p.block()
	if err != nil {
		return nil, err
	}
	return &Template{nodes: nodes}, nil
}

// Render renders the template with the variables in vars (Go strings,
// bools, ints, float64s, []any, map[string]any or *Dict: values from
// FromJSON) within lim.
func (t *Template) Render(vars map[string]any, lim Limits) (string, error) {
	if lim.Steps <= 0 {
		lim.Steps = DefaultLimits.Steps
	}
	if lim.Output <= 0 {
		lim.Output = DefaultLimits.Output
	}
	globals := map[string]any{}
	for _, k := range sortedKeys(vars) {
		v, err := fromGo(vars[k], 0)
		if err != nil {
			return "", fmt.Errorf("%w: variable %s: %v", ErrRender, k, err)
		}
		globals[k] = v
	}
	for _, name := range []string{"raise_exception", "namespace", "range"} {
		if _, ok := globals[name]; !ok {
			globals[name] = builtin(name)
		}
	}
	s := &state{lim: lim, scopes: []map[string]any{globals}}
	if err := s.exec(t.nodes); err != nil {
		return "", err
	}
	return s.out.String(), nil
}

// fromGo converts Go values into template values.
func fromGo(v any, depth int) (any, error) {
	if depth > maxNesting {
		return nil, fmt.Errorf("nested more than %d deep", maxNesting)
	}
	switch v := v.(type) {
	case nil, bool, int, float64, string, *Dict:
		return v, nil
	case int64:
		return int(v), nil
	case float32:
		return float64(v), nil
	case []string:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = x
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			c, err := fromGo(x, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case map[string]any:
		d := NewDict()
		for _, k := range sortedKeys(v) {
			c, err := fromGo(v[k], depth+1)
			if err != nil {
				return nil, err
			}
			d.Set(k, c)
		}
		return d, nil
	}
	return nil, fmt.Errorf("unsupported Go type %T", v)
}

// state is one render in progress.
type state struct {
	lim    Limits
	steps  int
	out    strings.Builder
	scopes []map[string]any
}

// step counts one unit of work against the budget.
func (s *state) step() error {
	s.steps++
	if s.steps > s.lim.Steps {
		return fmt.Errorf("%w: more than %d steps (a loop that runs too long?)", ErrBudget, s.lim.Steps)
	}
	return nil
}

// write appends to the output within its budget.
func (s *state) write(str string) error {
	if s.out.Len()+len(str) > s.lim.Output {
		return fmt.Errorf("%w: output over %d bytes", ErrBudget, s.lim.Output)
	}
	s.out.WriteString(str)
	return nil
}

// lookup finds a variable, innermost scope first.
func (s *state) lookup(name string) any {
	for i := len(s.scopes) - 1; i >= 0; i-- {
		if v, ok := s.scopes[i][name]; ok {
			return v
		}
	}
	return undefined{name}
}
