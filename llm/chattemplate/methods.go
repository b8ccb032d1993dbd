package chattemplate

import (
	"fmt"
	"strings"
	"unicode"
)

// stringMethods are the str methods templates may call.
var stringMethods = map[string]func(st *state, s string, a []any) (any, error){
	"strip": func(st *state, s string, a []any) (any, error) {
		return stripWith(st, s, a, strings.Trim, strings.TrimSpace)
	},
	"lstrip": func(st *state, s string, a []any) (any, error) {
		return stripWith(st, s, a, strings.TrimLeft, trimLeftSpace)
	},
	"rstrip": func(st *state, s string, a []any) (any, error) {
		return stripWith(st, s, a, strings.TrimRight, trimRightSpace)
	},
	"upper":      func(st *state, s string, _ []any) (any, error) { return strings.ToUpper(s), nil },
	"lower":      func(st *state, s string, _ []any) (any, error) { return strings.ToLower(s), nil },
	"title":      func(st *state, s string, _ []any) (any, error) { return title(s), nil },
	"capitalize": func(st *state, s string, _ []any) (any, error) { return capitalize(s), nil },
	"startswith": func(st *state, s string, a []any) (any, error) { return affix(st, s, a, strings.HasPrefix) },
	"endswith":   func(st *state, s string, a []any) (any, error) { return affix(st, s, a, strings.HasSuffix) },
	"split":      splitMethod,
	"replace": func(st *state, s string, a []any) (any, error) {
		if len(a) != 2 {
			return nil, fmt.Errorf("%w: replace takes 2 strings", ErrRender)
		}
		return strings.ReplaceAll(s, st.str(a[0]), st.str(a[1])), nil
	},
	"join": func(st *state, s string, a []any) (any, error) {
		if len(a) != 1 {
			return nil, fmt.Errorf("%w: join takes a list", ErrRender)
		}
		return joinItems(st, a[0], s)
	},
	"find": func(st *state, s string, a []any) (any, error) {
		if len(a) != 1 {
			return nil, fmt.Errorf("%w: find takes a string", ErrRender)
		}
		return strings.Index(s, st.str(a[0])), nil
	},
}

// dictMethods are the dict methods templates may call.
var dictMethods = map[string]func(st *state, d *Dict, a []any) (any, error){
	"items": func(st *state, d *Dict, _ []any) (any, error) {
		out := make([]any, len(d.keys))
		for i, k := range d.keys {
			out[i] = []any{k, d.vals[k]}
		}
		return out, nil
	},
	"keys": func(_ *state, d *Dict, _ []any) (any, error) { return items(d) },
	"values": func(st *state, d *Dict, _ []any) (any, error) {
		out := make([]any, len(d.keys))
		for i, k := range d.keys {
			out[i] = d.vals[k]
		}
		return out, nil
	},
	"get": func(st *state, d *Dict, a []any) (any, error) {
		if len(a) < 1 || len(a) > 2 {
			return nil, fmt.Errorf("%w: get takes a key and an optional default", ErrRender)
		}
		if v, ok := d.vals[st.str(a[0])]; ok {
			return v, nil
		}
		if len(a) == 2 {
			return a[1], nil
		}
		return nil, nil
	},
}

func (s *state) callMethod(m method, a []any) (any, error) {
	switch recv := m.recv.(type) {
	case string:
		v, err := stringMethods[m.name](s, recv, a)
		if sv, ok := v.(string); ok && err == nil {
			return s.sized(sv)
		}
		return v, err
	case *Dict:
		return dictMethods[m.name](s, recv, a)
	}
	return nil, fmt.Errorf("%w: method %s", ErrUnsupported, m.name)
}

func trimLeftSpace(s string) string  { return strings.TrimLeftFunc(s, unicode.IsSpace) }
func trimRightSpace(s string) string { return strings.TrimRightFunc(s, unicode.IsSpace) }

// stripWith is strip/lstrip/rstrip: whitespace, or the given characters.
func stripWith(st *state, s string, a []any, chars func(string, string) string, space func(string) string) (any, error) {
	if len(a) == 0 || a[0] == nil {
		return space(s), nil
	}
	return chars(s, st.str(a[0])), nil
}

func affix(st *state, s string, a []any, has func(string, string) bool) (any, error) {
	if len(a) != 1 {
		return nil, fmt.Errorf("%w: startswith/endswith take one argument", ErrRender)
	}
	if list, ok := a[0].([]any); ok { // a tuple of candidates
		for _, x := range list {
			if has(s, st.str(x)) {
				return true, nil
			}
		}
		return false, nil
	}
	return has(s, st.str(a[0])), nil
}

func splitMethod(st *state, s string, a []any) (any, error) {
	var parts []string
	if len(a) == 0 || a[0] == nil {
		parts = strings.Fields(s)
	} else {
		sep := st.str(a[0])
		if sep == "" {
			return nil, fmt.Errorf("%w: empty separator", ErrRender)
		}
		n := -1
		if len(a) > 1 {
			if m, ok := a[1].(int); ok && m >= 0 {
				n = m + 1
			}
		}
		parts = strings.SplitN(s, sep, n)
	}
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out, nil
}

// title is Python's str.title: each run of letters starts upper case.
func title(s string) string {
	var b strings.Builder
	prev := false
	for _, r := range s {
		if unicode.IsLetter(r) {
			if prev {
				b.WriteRune(unicode.ToLower(r))
			} else {
				b.WriteRune(unicode.ToUpper(r))
			}
			prev = true
			continue
		}
		prev = false
		b.WriteRune(r)
	}
	return b.String()
}

// capitalize is Python's str.capitalize.
func capitalize(s string) string {
	for i, r := range s {
		return string(unicode.ToUpper(r)) + strings.ToLower(s[i+len(string(r)):])
	}
	return s
}

func joinItems(st *state, v any, sep string) (any, error) {
	list, err := items(v)
	if err != nil {
		return nil, err
	}
	parts := make([]string, len(list))
	for i, x := range list {
		parts[i] = st.str(x)
	}
	return strings.Join(parts, sep), nil
}

// filter applies "x | name(args)".
func (s *state) filter(f filterOf) (any, error) {
	x, err := s.eval(f.x)
	if err != nil {
		return nil, err
	}
	var pos []any
	kw := map[string]any{}
	if f.call != nil {
		if pos, kw, err = s.args(f.call); err != nil {
			return nil, err
		}
	}
	switch f.name {
	case "trim":
		return strings.TrimSpace(s.str(x)), nil
	case "tojson":
		indent := 0
		if n, ok := kw["indent"].(int); ok {
			indent = n
		} else if len(pos) > 0 {
			indent, _ = pos[0].(int)
		}
		var b strings.Builder
		if err := toJSON(x, indent, s.lim.Output, &b, 0); err != nil {
			return nil, err
		}
		return s.sized(b.String())
	case "length", "count":
		switch v := x.(type) {
		case string:
			return len([]rune(v)), nil
		case []any:
			return len(v), nil
		case *Dict:
			return len(v.keys), nil
		case undefined:
			return 0, nil
		}
		return nil, fmt.Errorf("%w: length of %s", ErrRender, typeName(x))
	case "string":
		return s.str(x), nil
	case "upper", "lower", "title", "capitalize":
		return stringMethods[f.name](s, s.str(x), nil)
	case "default", "d":
		if _, undef := x.(undefined); undef || (len(pos) > 1 && truthy(pos[1]) && !truthy(x)) {
			if len(pos) > 0 {
				return pos[0], nil
			}
			return "", nil
		}
		return x, nil
	case "safe":
		return x, nil
	case "join":
		sep := ""
		if len(pos) > 0 {
			sep = s.str(pos[0])
		}
		return joinItems(s, x, sep)
	case "first", "last", "list", "items", "reverse":
		return listFilter(s, f.name, x)
	case "int":
		if n, ok := number(x); ok {
			return int(n), nil
		}
		return 0, nil
	}
	return nil, fmt.Errorf("%w: filter %q", ErrUnsupported, f.name)
}

func listFilter(st *state, name string, x any) (any, error) {
	if d, ok := x.(*Dict); ok && name == "items" {
		return dictMethods["items"](st, d, nil)
	}
	list, err := items(x)
	if err != nil {
		return nil, err
	}
	switch name {
	case "first":
		if len(list) == 0 {
			return undefined{"first"}, nil
		}
		return list[0], nil
	case "last":
		if len(list) == 0 {
			return undefined{"last"}, nil
		}
		return list[len(list)-1], nil
	case "reverse":
		out := make([]any, len(list))
		for i, v := range list {
			out[len(list)-1-i] = v
		}
		if s, ok := x.(string); ok && s != "" {
			return joinItems(st, out, "")
		}
		return out, nil
	}
	return append([]any{}, list...), nil
}

// test applies "x is [not] name".
func (s *state) test(t testOf) (any, error) {
	x, err := s.eval(t.x)
	if err != nil {
		return nil, err
	}
	var ok bool
	switch t.name {
	case "defined":
		_, undef := x.(undefined)
		ok = !undef
	case "undefined":
		_, ok = x.(undefined)
	case "none":
		ok = x == nil
	case "string":
		_, ok = x.(string)
	case "number":
		_, isInt := x.(int)
		_, isFloat := x.(float64)
		ok = isInt || isFloat
	case "integer":
		_, ok = x.(int)
	case "float":
		_, ok = x.(float64)
	case "boolean":
		_, ok = x.(bool)
	case "true", "false":
		b, isBool := x.(bool)
		ok = isBool && b == (t.name == "true")
	case "mapping":
		_, ok = x.(*Dict)
	case "sequence", "iterable":
		switch x.(type) {
		case []any, string, *Dict:
			ok = true
		}
	case "odd", "even":
		n, isInt := x.(int)
		ok = isInt && (n%2 != 0) == (t.name == "odd")
	default:
		return nil, fmt.Errorf("%w: test %q", ErrUnsupported, t.name)
	}
	return ok != t.not, nil
}
