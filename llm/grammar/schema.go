package grammar

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// jsonPrimitives are the rules every JSON grammar shares (after llama.cpp's
// json.gbnf, with at most one space between tokens so that generation
// always moves on, and numbers any JSON parser can hold: at most 15
// integer digits and a two-digit exponent).
var jsonPrimitives = `ws ::= " "?
digits15 ::= [0-9]? [0-9]? [0-9]? [0-9]? [0-9]? [0-9]? [0-9]? [0-9]? [0-9]? [0-9]? [0-9]? [0-9]? [0-9]? [0-9]?
string ::= "\"" char* "\""
char ::= [^"\\\x00-\x1f] | "\\" (["\\/bfnrt] | "u" hex hex hex hex)
hex ::= [0-9a-fA-F]
integer ::= "-"? ("0" | [1-9] digits15)
number ::= integer ("." [0-9]+)? ([eE] [-+]? [0-9] [0-9]?)?
boolean ::= "true" | "false"
null ::= "null"
value ::= object | array | string | number | boolean | null
object ::= "{" ws ( string ws ":" ws value ( ws "," ws string ws ":" ws value )* )? ws "}"
array ::= "[" ws ( value ( ws "," ws value )* )? ws "]"
`

// JSONObject is the grammar of json_object mode: any JSON object.
func JSONObject() (*Grammar, error) { return Parse("root ::= object\n" + jsonPrimitives) }

// ignoredKeywords annotate a schema without constraining it.
var ignoredKeywords = map[string]bool{"description": true, "title": true, "$schema": true, "$id": true, "default": true, "examples": true, "$comment": true, "strict": true}

// FromJSONSchema compiles a JSON schema into a grammar of the JSON
// documents it accepts: objects with properties and required (properties
// in the schema's order; no others), arrays with items, enum and const,
// string, number, integer, boolean, null, type lists, anyOf and oneOf,
// nested. Any other keyword is an ErrUnsupported error that names it.
func FromJSONSchema(schema []byte) (*Grammar, string, error) {
	dec := json.NewDecoder(bytes.NewReader(schema))
	dec.UseNumber()
	s, err := decodeOrdered(dec, 0)
	if err != nil {
		return nil, "", fmt.Errorf("%w: the schema is not JSON: %v", ErrUnsupported, err)
	}
	c := &compiler{}
	root, err := c.rule(s, "root", 0)
	if err != nil {
		return nil, "", err
	}
	src := "root ::= " + root + "\n" + strings.Join(c.rules, "") + jsonPrimitives
	g, err := Parse(src)
	if err != nil {
		return nil, "", fmt.Errorf("compiling the schema: %w", err)
	}
	return g, src, nil
}

type compiler struct{ rules []string }

// def adds a rule and returns its name.
func (c *compiler) def(body string) string {
	name := fmt.Sprintf("s%d", len(c.rules))
	c.rules = append(c.rules, name+" ::= "+body+"\n")
	return name
}

// rule returns the grammar expression of schema s found at path.
func (c *compiler) rule(s any, path string, depth int) (string, error) {
	if depth > 64 {
		return "", fmt.Errorf("%w: %s: nested more than 64 deep", ErrUnsupported, path)
	}
	switch s := s.(type) {
	case bool:
		if s {
			return "value", nil
		}
		return "", fmt.Errorf("%w: %s: the schema false accepts nothing", ErrUnsupported, path)
	case map[string]any:
		return c.object(s, path, depth)
	}
	return "", fmt.Errorf("%w: %s: a schema must be an object", ErrUnsupported, path)
}

func (c *compiler) object(s map[string]any, path string, depth int) (string, error) {
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == orderKey {
			continue
		}
		switch k {
		case "type", "properties", "required", "items", "minItems", "maxItems", "enum", "const", "anyOf", "oneOf", "additionalProperties":
		default:
			if !ignoredKeywords[k] {
				return "", fmt.Errorf("%w: %s: keyword %q", ErrUnsupported, path, k)
			}
		}
	}
	if v, ok := s["enum"]; ok {
		return c.enum(v, path)
	}
	if v, ok := s["const"]; ok {
		return c.enum([]any{v}, path)
	}
	for _, k := range []string{"anyOf", "oneOf"} {
		if v, ok := s[k]; ok {
			return c.alternatives(v, path+"."+k, depth)
		}
	}
	switch t := s["type"].(type) {
	case nil:
		if _, ok := s["properties"]; ok {
			return c.properties(s, path, depth)
		}
		return "value", nil
	case string:
		return c.typed(t, s, path, depth)
	case []any:
		var alts []string
		for _, x := range t {
			name, ok := x.(string)
			if !ok {
				return "", fmt.Errorf("%w: %s: type list entries must be strings", ErrUnsupported, path)
			}
			r, err := c.typed(name, s, path, depth)
			if err != nil {
				return "", err
			}
			alts = append(alts, r)
		}
		return c.def(strings.Join(alts, " | ")), nil
	}
	return "", fmt.Errorf("%w: %s: type must be a string or a list", ErrUnsupported, path)
}

func (c *compiler) typed(t string, s map[string]any, path string, depth int) (string, error) {
	switch t {
	case "string", "number", "integer", "boolean", "null":
		return t, nil
	case "object":
		return c.properties(s, path, depth)
	case "array":
		item := "value"
		if it, ok := s["items"]; ok {
			r, err := c.rule(it, path+".items", depth+1)
			if err != nil {
				return "", err
			}
			item = r
		}
		body, err := repeatItems(item, s, path)
		if err != nil {
			return "", err
		}
		return c.def(`"[" ws ` + body + ` ws "]"`), nil
	}
	return "", fmt.Errorf("%w: %s: type %q", ErrUnsupported, path, t)
}

// maxUnrolled bounds maxItems, which the grammar writes out item by item.
const maxUnrolled = 64

// repeatItems is the inside of an array of item with the schema's
// minItems and maxItems.
func repeatItems(item string, s map[string]any, path string) (string, error) {
	bound := func(k string, def int) (int, error) {
		v, ok := s[k]
		if !ok {
			return def, nil
		}
		n, err := v.(json.Number).Int64()
		if err != nil || n < 0 || n > maxUnrolled {
			return 0, fmt.Errorf("%w: %s: %s must be an integer from 0 to %d", ErrUnsupported, path, k, maxUnrolled)
		}
		return int(n), nil
	}
	lo, err := bound("minItems", 0)
	if err != nil {
		return "", err
	}
	hi, err := bound("maxItems", -1)
	if err != nil {
		return "", err
	}
	if hi >= 0 && hi < lo {
		return "", fmt.Errorf("%w: %s: maxItems %d is below minItems %d", ErrUnsupported, path, hi, lo)
	}
	next := ` ws "," ws ` + item
	rest := "(" + next + ")*" // unbounded
	if hi >= 0 {
		rest = ""
		for range hi - max(lo, 1) {
			rest = "(" + next + rest + ")?"
		}
	}
	if lo == 0 {
		if hi == 0 {
			return "", nil
		}
		return "( " + item + " " + rest + " )?", nil
	}
	return item + strings.Repeat(next, lo-1) + " " + rest, nil
}

// properties is an object of exactly the schema's properties, in order:
// the required ones always, the others each optional.
func (c *compiler) properties(s map[string]any, path string, depth int) (string, error) {
	if ap, ok := s["additionalProperties"]; ok && ap != false {
		return "", fmt.Errorf("%w: %s: additionalProperties other than false", ErrUnsupported, path)
	}
	props, _ := s["properties"].(map[string]any)
	if _, ok := s["properties"]; !ok {
		return "object", nil
	}
	required := map[string]bool{}
	if rl, ok := s["required"].([]any); ok {
		for _, r := range rl {
			name, _ := r.(string)
			if _, ok := props[name]; !ok {
				return "", fmt.Errorf("%w: %s: required property %q is not in properties", ErrUnsupported, path, name)
			}
			required[name] = true
		}
	}
	order, err := propertyOrder(s)
	if err != nil {
		return "", fmt.Errorf("%w: %s: %v", ErrUnsupported, path, err)
	}
	var req, opt []string
	for _, name := range order {
		r, err := c.rule(props[name], path+".properties."+name, depth+1)
		if err != nil {
			return "", err
		}
		kv := c.def(literal(jsonQuote(name)) + ` ws ":" ws ` + r)
		if required[name] {
			req = append(req, kv)
		} else {
			opt = append(opt, kv)
		}
	}
	body := strings.Join(req, ` ws "," ws `)
	tail := func(from int) string {
		var b strings.Builder
		for _, kv := range opt[from:] {
			b.WriteString(` ( ws "," ws ` + kv + ` )?`)
		}
		return b.String()
	}
	if len(req) > 0 {
		body += tail(0)
	} else if len(opt) > 0 {
		var alts []string
		for i, kv := range opt {
			alts = append(alts, kv+tail(i+1))
		}
		body = "( " + strings.Join(alts, " | ") + " )?"
	}
	return c.def(`"{" ws ` + body + ` ws "}"`), nil
}

// orderKey holds, in each decoded object, its keys in the order the
// schema wrote them (Go maps forget it; the output follows it).
const orderKey = "\x00order"

// propertyOrder lists "properties" in the schema's own order.
func propertyOrder(s map[string]any) ([]string, error) {
	props, ok := s["properties"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("properties must be an object")
	}
	order, _ := props[orderKey].([]string)
	return order, nil
}

// decodeOrdered decodes JSON as json.Decoder does into any, recording each
// object's key order under orderKey.
func decodeOrdered(dec *json.Decoder, depth int) (any, error) {
	if depth > 100 {
		return nil, fmt.Errorf("nested more than 100 deep")
	}
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	d, ok := t.(json.Delim)
	if !ok {
		return t, nil
	}
	if d == '[' {
		list := []any{}
		for dec.More() {
			v, err := decodeOrdered(dec, depth+1)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		_, err := dec.Token()
		return list, err
	}
	obj := map[string]any{}
	var order []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, _ := k.(string)
		v, err := decodeOrdered(dec, depth+1)
		if err != nil {
			return nil, err
		}
		if _, dup := obj[name]; !dup {
			order = append(order, name)
		}
		obj[name] = v
	}
	obj[orderKey] = order
	_, err = dec.Token()
	return obj, err
}

func (c *compiler) alternatives(v any, path string, depth int) (string, error) {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return "", fmt.Errorf("%w: %s must be a non-empty list", ErrUnsupported, path)
	}
	alts := make([]string, len(list))
	for i, x := range list {
		r, err := c.rule(x, fmt.Sprintf("%s[%d]", path, i), depth+1)
		if err != nil {
			return "", err
		}
		alts[i] = r
	}
	return c.def(strings.Join(alts, " | ")), nil
}

func (c *compiler) enum(v any, path string) (string, error) {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return "", fmt.Errorf("%w: %s: enum must be a non-empty list", ErrUnsupported, path)
	}
	alts := make([]string, len(list))
	for i, x := range list {
		if m, ok := x.(map[string]any); ok {
			delete(m, orderKey)
		}
		b, err := marshal(x)
		if err != nil {
			return "", fmt.Errorf("%w: %s: enum value: %v", ErrUnsupported, path, err)
		}
		alts[i] = literal(b)
	}
	return c.def(strings.Join(alts, " | ")), nil
}

// jsonQuote is s as a JSON string.
func jsonQuote(s string) string {
	b, _ := marshal(s)
	return b
}

// marshal writes v as compact JSON without escaping <, > and &.
func marshal(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// literal writes text as a GBNF string literal, bytes outside printable
// ASCII as \x escapes.
func literal(text string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
