package grammar

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestGBNF: accept/reject tables for hand-written grammars.
func TestGBNF(t *testing.T) {
	for _, tc := range []struct {
		src    string
		accept []string
		reject []string
	}{
		{`root ::= "yes" | "no"`, []string{"yes", "no"}, []string{"", "ye", "yess", "No"}},
		{`root ::= [a-c]+ "!"?`, []string{"a", "abcabc", "b!"}, []string{"", "!", "ad", "a!!"}},
		{"root ::= item (\",\" item)*\nitem ::= [0-9]+ # a number\n", []string{"1", "12,3,456"}, []string{"", ",", "1,", "1,,2"}},
		{`root ::= "(" root ")" | ""`, []string{"", "()", "((()))"}, []string{"(", "())", ")("}},
		{`root ::= [^"\\]* "\""`, []string{`"`, `héllo"`, "\xff\""}, []string{`a\"`, `"x`}},
		{"root ::= \"a\"\n  \"b\"\n", []string{"ab"}, []string{"a", "b"}},
	} {
		g, err := Parse(tc.src)
		if err != nil {
			t.Fatalf("%q: %v", tc.src, err)
		}
		for _, s := range tc.accept {
			if ok, err := g.Match(s); !ok || err != nil {
				t.Errorf("%q should accept %q (%v)", tc.src, s, err)
			}
		}
		for _, s := range tc.reject {
			if ok, _ := g.Match(s); ok {
				t.Errorf("%q should reject %q", tc.src, s)
			}
		}
	}
}

// TestBadGrammars: grammars the matcher could not follow are refused with
// an error naming the problem.
func TestBadGrammars(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{`root ::= root "a" | "b"`, "left-recursive"},
		{"root ::= x\nx ::= y \"a\"\ny ::= \"\" | x", "left-recursive"},
		{`root ::= ("" )* "a"`, "left-recursive"},
		{`root ::= undefined`, "never defined"},
		{`item ::= "a"`, "no rule named root"},
		{`root ::= "a`, "unterminated"},
		{`root ::= [a-`, "unterminated"},
		{"root ::= \"a\"\nroot ::= \"b\"", "defined twice"},
		{`root ::= "é"`, "non-ASCII"},
		{`root ::= ` + strings.Repeat("(", 500) + `"a"` + strings.Repeat(")", 500), "nested"},
	} {
		_, err := Parse(tc.src)
		if !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want one naming %q", tc.src, err, tc.want)
		}
	}
	// Ambiguity that would multiply parses is cut off, not followed.
	g, err := Parse(`root ::= ("a" | "a" | "a" | "a")* ("a" | "a")*`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Match(strings.Repeat("a", 40)); err != nil && !errors.Is(err, ErrStacks) {
		t.Fatalf("err = %v, want nil or ErrStacks", err)
	}
}

// TestAllowed: the token filter allows exactly the tokens that keep the
// grammar alive.
func TestAllowed(t *testing.T) {
	g, err := Parse(`root ::= "{\"a\": " ("true" | "false") "}"`)
	if err != nil {
		t.Fatal(err)
	}
	vocab := [][]byte{[]byte("{"), []byte(`{"`), []byte("a"), []byte(`"a": t`), []byte("tr"), []byte("x"), nil, []byte("}")}
	v := NewVocab(vocab)
	m, _ := g.Start()
	got, err := m.Allowed(v)
	if err != nil {
		t.Fatal(err)
	}
	want := []bool{true, true, false, false, false, false, false, false}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("at start: allowed %v, want %v", got, want)
		}
	}
	m, _ = m.AdvanceBytes([]byte(`{`))
	got, _ = m.Allowed(v)
	if !got[3] || got[4] || got[0] {
		t.Fatalf(`after "{": allowed %v, want "a": t only among the multi-byte tokens`, got)
	}
}

// schemas are the JSON schemas the random-output test compiles.
var schemas = []string{
	`{"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}, "ok": {"type": "boolean"}}, "required": ["name", "age"]}`,
	`{"type": "object", "properties": {"tags": {"type": "array", "items": {"enum": ["a", "b", "c\"d", "é"]}}, "size": {"type": "number"}, "none": {"type": "null"}}}`,
	`{"type": "object", "properties": {"v": {"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "object", "properties": {"x": {"const": 1}}, "required": ["x"]}]}}, "required": ["v"]}`,
	`{"type": "array", "items": {"type": ["string", "null"]}}`,
	`{"type": "object", "properties": {"a": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 4}, "b": {"type": "array", "items": {"type": "boolean"}, "maxItems": 1}, "c": {"type": "array", "minItems": 1}}, "required": ["a", "b", "c"]}`,
	`{"type": "object", "properties": {"inner": {"type": "object", "properties": {"deep": {"type": "array", "items": {"type": "object", "properties": {"k": {"type": "string", "description": "ignored"}}, "required": ["k"]}}}, "required": ["deep"]}}, "required": ["inner"], "additionalProperties": false}`,
}

// TestSchemaOutputsValidate walks each schema's grammar at random (a
// stand-in for a model choosing among the allowed bytes), for many seeds:
// every sentence parses as JSON and matches the schema.
func TestSchemaOutputsValidate(t *testing.T) {
	for i, src := range schemas {
		g, gbnf, err := FromJSONSchema([]byte(src))
		if err != nil {
			t.Fatalf("schema %d: %v", i, err)
		}
		var schema any
		if err := json.Unmarshal([]byte(src), &schema); err != nil {
			t.Fatal(err)
		}
		for seed := range uint64(6) {
			out := randomSentence(t, g, rand.New(rand.NewPCG(seed, uint64(i))))
			var doc any
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatalf("schema %d seed %d: %q is not JSON: %v\n%s", i, seed, out, err, gbnf)
			}
			if err := validate(schema, doc); err != nil {
				t.Fatalf("schema %d seed %d: %q: %v", i, seed, out, err)
			}
		}
	}
}

// randomSentence draws bytes the grammar allows until it is done, leaning
// towards ending as it grows.
func randomSentence(t *testing.T, g *Grammar, r *rand.Rand) string {
	m, err := g.Start()
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	for len(out) < 4000 {
		if m.Done() && (!m.More() || r.IntN(4) == 0) {
			return string(out)
		}
		var next []byte
		var nm []*Matcher
		for c := 0; c < 256; c++ {
			if (c < 0x20 || c >= 0x7f) && c != '\n' && c != 0xc3 && c != 0xa9 {
				continue // a little UTF-8 is enough
			}
			a, err := m.Advance(byte(c))
			if err != nil {
				t.Fatal(err)
			}
			if !a.Dead() {
				next, nm = append(next, byte(c)), append(nm, a)
			}
		}
		if len(next) == 0 {
			t.Fatalf("stuck after %q", out)
		}
		k := r.IntN(len(next))
		if len(out) > 200 { // prefer closing bytes so that sentences end
			for j, c := range next {
				if strings.IndexByte(`"]}el`, c) >= 0 {
					k = j
					break
				}
			}
		}
		out, m = append(out, next[k]), nm[k]
	}
	t.Fatalf("no end after %q", out)
	return ""
}

// validate checks doc against the schema subset FromJSONSchema compiles.
func validate(schema, doc any) error {
	s, _ := schema.(map[string]any)
	if e, ok := s["enum"].([]any); ok {
		for _, x := range e {
			if equalJSON(x, doc) {
				return nil
			}
		}
		return errors.New("not in enum")
	}
	if c, ok := s["const"]; ok && !equalJSON(c, doc) {
		return errors.New("not the const")
	}
	if alts, ok := s["anyOf"].([]any); ok {
		for _, a := range alts {
			if validate(a, doc) == nil {
				return nil
			}
		}
		return errors.New("no anyOf matches")
	}
	types, _ := s["type"].([]any)
	if ts, ok := s["type"].(string); ok {
		types = []any{ts}
	}
	if len(types) > 0 {
		ok := false
		for _, ty := range types {
			ok = ok || isType(ty.(string), doc)
		}
		if !ok {
			return errors.New("wrong type")
		}
	}
	if obj, ok := doc.(map[string]any); ok {
		props, _ := s["properties"].(map[string]any)
		for k, v := range obj {
			ps, known := props[k]
			if !known && props != nil {
				return errors.New("unknown property " + k)
			}
			if err := validate(ps, v); known && err != nil {
				return errors.New(k + ": " + err.Error())
			}
		}
		req, _ := s["required"].([]any)
		for _, r := range req {
			if _, ok := obj[r.(string)]; !ok {
				return errors.New("missing " + r.(string))
			}
		}
	}
	if arr, ok := doc.([]any); ok {
		if n, ok := s["minItems"].(float64); ok && float64(len(arr)) < n {
			return errors.New("too few items")
		}
		if n, ok := s["maxItems"].(float64); ok && float64(len(arr)) > n {
			return errors.New("too many items")
		}
		for _, v := range arr {
			if err := validate(s["items"], v); s["items"] != nil && err != nil {
				return err
			}
		}
	}
	return nil
}

func isType(ty string, doc any) bool {
	switch ty {
	case "string":
		_, ok := doc.(string)
		return ok
	case "number":
		_, ok := doc.(float64)
		return ok
	case "integer":
		f, ok := doc.(float64)
		return ok && f == float64(int64(f))
	case "boolean":
		_, ok := doc.(bool)
		return ok
	case "null":
		return doc == nil
	case "object":
		_, ok := doc.(map[string]any)
		return ok
	case "array":
		_, ok := doc.([]any)
		return ok
	}
	return false
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// TestUnsupportedSchemas: each construct the compiler cannot express is
// an ErrUnsupported error naming it (the API answers 400 with it).
func TestUnsupportedSchemas(t *testing.T) {
	for _, tc := range []struct{ schema, want string }{
		{`{"type": "string", "pattern": "^a+$"}`, `"pattern"`},
		{`{"type": "string", "format": "date"}`, `"format"`},
		{`{"$ref": "#/defs/x"}`, `"$ref"`},
		{`{"allOf": [{"type": "string"}]}`, `"allOf"`},
		{`{"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": true}`, "additionalProperties"},
		{`{"type": "array", "items": {"type": "string"}, "minItems": 2000}`, "minItems"},
		{`{"type": "array", "items": {"type": "string"}, "minItems": 3, "maxItems": 2}`, "below minItems"},
		{`{"type": "tuple"}`, `"tuple"`},
		{`{"type": "object", "properties": {"a": {}}, "required": ["b"]}`, `"b"`},
		{`{"type": "object", "properties": {"a": {"type": "object", "properties": {"b": {"not": {}}}}}}`, "root.properties.a.properties.b"},
		{`[1]`, "must be an object"},
		{`{`, "not JSON"},
	} {
		_, _, err := FromJSONSchema([]byte(tc.schema))
		if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want ErrUnsupported naming %s", tc.schema, err, tc.want)
		}
	}
}

// FuzzGrammar: any grammar source parses or is refused, and matching any
// text against it ends without a panic.
func FuzzGrammar(f *testing.F) {
	f.Add(`root ::= [a-z]+ ("," [a-z]+)*`, "ab,c")
	f.Add("root ::= object\n"+jsonPrimitives, `{"a": [1, true, null]}`)
	f.Add(`root ::= ("a" | "b"?)* "c"`, "abc")
	f.Fuzz(func(t *testing.T, src, text string) {
		g, err := Parse(src)
		if err != nil {
			return
		}
		if _, err := g.Match(text); err != nil && !errors.Is(err, ErrStacks) {
			t.Fatalf("match: %v", err)
		}
	})
}
