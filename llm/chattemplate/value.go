package chattemplate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Dict is an ordered mapping, as Python's dict keeps its insertion order
// (which tojson and items() show).
type Dict struct {
	keys []string
	vals map[string]any
}

// NewDict returns an empty Dict.
func NewDict() *Dict { return &Dict{vals: map[string]any{}} }

// Set adds or replaces key, keeping its first position.
func (d *Dict) Set(key string, v any) *Dict {
	if _, ok := d.vals[key]; !ok {
		d.keys = append(d.keys, key)
	}
	d.vals[key] = v
	return d
}

// Get returns the value at key.
func (d *Dict) Get(key string) (any, bool) { v, ok := d.vals[key]; return v, ok }

// Keys returns the keys in insertion order.
func (d *Dict) Keys() []string { return d.keys }

// undefined is Jinja's undefined value: empty when printed, false, and
// "is defined" says no.
type undefined struct{ name string }

// namespace is the mutable object namespace() makes, the one thing "set
// ns.attr" may change.
type namespace struct{ *Dict }

// method is a method of a string, dict or list bound to its receiver.
type method struct {
	recv any
	name string
}

// builtin is one of the global functions templates may call.
type builtin string

// FromJSON decodes JSON into template values keeping object key order:
// objects become *Dict, arrays []any, integers int, other numbers float64.
func FromJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := fromJSON(dec, 0)
	if err != nil {
		return nil, fmt.Errorf("chattemplate: decoding JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("chattemplate: decoding JSON: trailing data")
	}
	return v, nil
}

func fromJSON(dec *json.Decoder, depth int) (any, error) {
	if depth > maxNesting {
		return nil, fmt.Errorf("nested more than %d deep", maxNesting)
	}
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := t.(type) {
	case json.Delim:
		if t == '[' {
			out := []any{}
			for dec.More() {
				v, err := fromJSON(dec, depth+1)
				if err != nil {
					return nil, err
				}
				out = append(out, v)
			}
			_, err := dec.Token()
			return out, err
		}
		d := NewDict()
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			v, err := fromJSON(dec, depth+1)
			if err != nil {
				return nil, err
			}
			d.Set(k.(string), v)
		}
		_, err := dec.Token()
		return d, err
	case json.Number:
		if i, err := strconv.Atoi(t.String()); err == nil {
			return i, nil
		}
		return t.Float64()
	}
	return t, nil
}

// truthy is Python's truth value.
func truthy(v any) bool {
	switch v := v.(type) {
	case nil, undefined:
		return false
	case bool:
		return v
	case int:
		return v != 0
	case float64:
		return v != 0
	case string:
		return v != ""
	case []any:
		return len(v) > 0
	case *Dict:
		return len(v.keys) > 0
	}
	return true
}

// str is Python's str(v) (and what {{ v }} prints). Its length is capped
// just past the output budget (anything longer fails the budget anyway),
// and the bytes it makes count against the step budget, so that a value
// shared many times over (a list of itself, doubled) cannot take
// exponential time to print.
func (s *state) str(v any) string {
	switch v := v.(type) {
	case undefined:
		return ""
	case string:
		return v
	}
	var b strings.Builder
	reprTo(&b, v, s.lim.Output+1)
	s.steps += b.Len() / 64
	return b.String()
}

// reprTo writes Python's repr(v), as lists and dicts print their items,
// stopping once b holds more than limit bytes.
func reprTo(b *strings.Builder, v any, limit int) {
	if b.Len() > limit {
		return
	}
	switch v := v.(type) {
	case nil:
		b.WriteString("None")
	case bool:
		b.WriteString(map[bool]string{true: "True", false: "False"}[v])
	case int:
		b.WriteString(strconv.Itoa(v))
	case float64:
		b.WriteString(pyFloat(v))
	case string:
		b.WriteString("'" + strings.NewReplacer("\\", "\\\\", "'", "\\'", "\n", "\\n").Replace(v) + "'")
	case []any:
		b.WriteByte('[')
		for i, x := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			reprTo(b, x, limit)
		}
		b.WriteByte(']')
	case *Dict:
		b.WriteByte('{')
		for i, k := range v.keys {
			if i > 0 {
				b.WriteString(", ")
			}
			reprTo(b, k, limit)
			b.WriteString(": ")
			reprTo(b, v.vals[k], limit)
		}
		b.WriteByte('}')
	case namespace:
		b.WriteString("<Namespace>")
	case undefined:
	default:
		b.WriteString("<" + typeName(v) + ">")
	}
}

// pyFloat formats a float as Python's repr does.
func pyFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eEn") {
		s += ".0"
	}
	return s
}

// toJSON is Python's json.dumps(v, ensure_ascii=False, indent=indent):
// ", " and ": " between items (only "," with an indent), keys in order.
func toJSON(v any, indent, limit int, b *strings.Builder, depth int) error {
	if b.Len() > limit {
		return fmt.Errorf("%w: tojson output over %d bytes", ErrBudget, limit)
	}
	if depth > maxNesting {
		return fmt.Errorf("%w: tojson nested more than %d deep", ErrRender, maxNesting)
	}
	nl := func(d int) {
		if indent > 0 {
			b.WriteByte('\n')
			b.WriteString(strings.Repeat(" ", indent*d))
		}
	}
	sep := ", "
	if indent > 0 {
		sep = ","
	}
	switch v := v.(type) {
	case nil, undefined:
		b.WriteString("null")
	case bool:
		b.WriteString(map[bool]string{true: "true", false: "false"}[v])
	case int:
		b.WriteString(strconv.Itoa(v))
	case float64:
		switch {
		case math.IsInf(v, 1):
			b.WriteString("Infinity")
		case math.IsInf(v, -1):
			b.WriteString("-Infinity")
		case math.IsNaN(v):
			b.WriteString("NaN")
		default:
			b.WriteString(pyFloat(v))
		}
	case string:
		jsonString(v, b)
	case []any:
		if len(v) == 0 {
			b.WriteString("[]")
			return nil
		}
		b.WriteByte('[')
		for i, x := range v {
			if i > 0 {
				b.WriteString(sep)
			}
			nl(depth + 1)
			if err := toJSON(x, indent, limit, b, depth+1); err != nil {
				return err
			}
		}
		nl(depth)
		b.WriteByte(']')
	case *Dict:
		return dictJSON(v, indent, limit, b, depth, sep, nl)
	case namespace:
		return dictJSON(v.Dict, indent, limit, b, depth, sep, nl)
	default:
		return fmt.Errorf("%w: tojson cannot write %s", ErrRender, typeName(v))
	}
	return nil
}

func dictJSON(d *Dict, indent, limit int, b *strings.Builder, depth int, sep string, nl func(int)) error {
	if len(d.keys) == 0 {
		b.WriteString("{}")
		return nil
	}
	b.WriteByte('{')
	for i, k := range d.keys {
		if i > 0 {
			b.WriteString(sep)
		}
		nl(depth + 1)
		jsonString(k, b)
		b.WriteString(": ")
		if err := toJSON(d.vals[k], indent, limit, b, depth+1); err != nil {
			return err
		}
	}
	nl(depth)
	b.WriteByte('}')
	return nil
}

// jsonString writes s quoted as Python's json module does with
// ensure_ascii=False.
func jsonString(s string, b *strings.Builder) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r < 0x20 {
				fmt.Fprintf(b, `\u%04x`, r)
			} else if r == utf8.RuneError {
				b.WriteString("\ufffd")
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}

// typeName names a value's type as a template author sees it.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "none"
	case undefined:
		return "undefined"
	case bool:
		return "boolean"
	case int:
		return "integer"
	case float64:
		return "float"
	case string:
		return "string"
	case []any:
		return "list"
	case *Dict:
		return "dict"
	case namespace:
		return "namespace"
	}
	return "function"
}

// equal is Python's ==; each value compared takes one unit of *work, and
// the comparison gives up (false) once *work is spent, so that the caller
// can refuse it: two lists built of themselves, doubled, would otherwise
// take exponential time.
func equal(a, b any, work *int) bool {
	*work--
	if *work < 0 {
		return false
	}
	if fa, ok := number(a); ok {
		if fb, ok := number(b); ok {
			return fa == fb
		}
	}
	switch a := a.(type) {
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !equal(a[i], b[i], work) {
				return false
			}
		}
		return true
	case *Dict:
		b, ok := b.(*Dict)
		if !ok || len(a.keys) != len(b.keys) {
			return false
		}
		for _, k := range a.keys {
			if bv, ok := b.vals[k]; !ok || !equal(a.vals[k], bv, work) {
				return false
			}
		}
		return true
	case undefined:
		_, ok := b.(undefined)
		return ok
	}
	return a == b
}

// number reads an int, float or bool as a float64.
func number(v any) (float64, bool) {
	switch v := v.(type) {
	case int:
		return float64(v), true
	case float64:
		return v, true
	case bool:
		if v {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// items lists what iterating v gives: a list's items, a dict's keys, a
// string's characters.
func items(v any) ([]any, error) {
	switch v := v.(type) {
	case []any:
		return v, nil
	case *Dict:
		out := make([]any, len(v.keys))
		for i, k := range v.keys {
			out[i] = k
		}
		return out, nil
	case string:
		var out []any
		for _, r := range v {
			out = append(out, string(r))
		}
		return out, nil
	case undefined, nil:
		return nil, nil
	}
	return nil, fmt.Errorf("%w: %s is not iterable", ErrRender, typeName(v))
}

// sortedKeys lists a Go map's keys in order (for Render's context).
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
