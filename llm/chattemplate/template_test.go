package chattemplate

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRealTemplates renders the chat templates of Llama 2, Llama 3,
// Mistral, ChatML and Qwen 2.5 (with tools and tool results) for the
// conversations in testdata/cases.json and compares each with what
// Jinja2 itself renders under Hugging Face's settings
// (testdata/render.py wrote the .want and .err files).
func TestRealTemplates(t *testing.T) {
	raw, err := os.ReadFile("testdata/cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Name     string          `json:"name"`
		Template string          `json:"template"`
		Vars     json.RawMessage `json:"vars"`
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join("testdata", c.Template))
			if err != nil {
				t.Fatal(err)
			}
			tmpl, err := Parse(string(src))
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			v, err := FromJSON(c.Vars)
			if err != nil {
				t.Fatal(err)
			}
			vars := map[string]any{}
			for _, k := range v.(*Dict).Keys() {
				vars[k], _ = v.(*Dict).Get(k)
			}
			got, err := tmpl.Render(vars, Limits{})
			if want, rerr := os.ReadFile(filepath.Join("testdata", c.Name+".err")); rerr == nil {
				if !errors.Is(err, ErrRender) || !strings.Contains(err.Error(), strings.TrimSpace(string(want))) {
					t.Fatalf("err = %v, want the template's refusal %q", err, strings.TrimSpace(string(want)))
				}
				return
			}
			if err != nil {
				t.Fatalf("render: %v", err)
			}
			want, err := os.ReadFile(filepath.Join("testdata", c.Name+".want"))
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Fatalf("render differs from Jinja2's:\n got %q\nwant %q", got, want)
			}
		})
	}
}

// TestExpressions covers the Jinja subset piece by piece.
func TestExpressions(t *testing.T) {
	vars := map[string]any{
		"s": "  Hi There  ", "n": 7, "l": []any{"a", "b", "c"},
		"d": map[string]any{"k": "v", "x": 1},
	}
	for _, tc := range []struct{ src, want string }{
		{"{{ s | trim }}|{{ s.strip() }}|{{ s.lstrip() }}|{{ s.rstrip() }}|", "Hi There|Hi There|Hi There  |  Hi There|"},
		{"{{ s.upper() }}{{ 'ab'.title() }}{{ 'aB'.capitalize() }}", "  HI THERE  AbAb"},
		{"{{ n // 2 }} {{ n % 3 }} {{ n / 2 }} {{ -7 // 2 }} {{ 2 ** 3 }}", "3 1 3.5 -4 8.0"},
		{"{{ l | length }}{{ l[-1] }}{{ l[1:] }}{{ l[::-1] | join(',') }}", "3c['b', 'c']c,b,a"},
		{"{% for x in l %}{{ loop.index }}{{ x }}{% if not loop.last %},{% endif %}{% endfor %}", "1a,2b,3c"},
		{"{% for x in l if x != 'b' %}{{ loop.index0 }}{{ x }}{{ loop.length }}{% endfor %}", "0a21c2"},
		{"{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}", "k=v;x=1;"},
		{"{% set ns = namespace(c=0) %}{% for x in l %}{% set ns.c = ns.c + 1 %}{% endfor %}{{ ns.c }}", "3"},
		{"{% set c = 0 %}{% for x in l %}{% set c = c + 1 %}{% endfor %}{{ c }}", "0"},
		{"{{ d | tojson }} {{ l | tojson }} {{ 'é\"\\n' | tojson }}", `{"k": "v", "x": 1} ["a", "b", "c"] "é\"\n"`},
		{"{{ d | tojson(indent=2) }}", "{\n  \"k\": \"v\",\n  \"x\": 1\n}"},
		{"{{ missing is defined }}{{ n is defined }}{{ none is none }}{{ s is string }}{{ d is mapping }}", "FalseTrueTrueTrueTrue"},
		{"{{ missing }}|{{ missing | default('dflt') }}|{{ '' | default('e', true) }}", "|dflt|e"},
		{"{{ 'yes' if n > 5 else 'no' }}{{ 'a' ~ n }}{{ 'b' in l }}{{ 'z' not in l }}{{ 'k' in d }}", "yesa7TrueTrueTrue"},
		{"{% if n == 1 %}one{% elif n == 7 %}seven{% else %}other{% endif %}", "seven"},
		{"{% for i in range(5) %}{% if i == 1 %}{% continue %}{% endif %}{% if i == 3 %}{% break %}{% endif %}{{ i }}{% endfor %}", "02"},
		{"{% for x in [] %}x{% else %}empty{% endfor %}", "empty"},
		{"{{ 'a,b,,c'.split(',') }}{{ 'a b'.split() }}{{ 'abc'.startswith('ab') }}{{ 'abc'.endswith(('x', 'c')) }}", "['a', 'b', '', 'c']['a', 'b']TrueTrue"},
		{"{{ d.get('k') }}{{ d.get('zz', 'no') }}{{ d['x'] + 1 }}{{ d.k }}", "vno2v"},
		{"  {% if true %}\n  x\n  {% endif %}\n", "  x\n"},
		{"a  {%- if true -%}  b  {%- endif -%}  c", "abc"},
		{"{# a comment #}z{{ 1 }}{{ 1.5 }}{{ true }}{{ none }}", "z11.5TrueNone"},
		{"{{ [1, 2] + [3] }}{{ {'a': [1]} }}{{ 'ab' * 2 }}", "[1, 2, 3]{'a': [1]}abab"},
	} {
		tmpl, err := Parse(tc.src)
		if err != nil {
			t.Errorf("%q: parse: %v", tc.src, err)
			continue
		}
		got, err := tmpl.Render(vars, Limits{})
		if err != nil {
			t.Errorf("%q: render: %v", tc.src, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%q:\n got %q\nwant %q", tc.src, got, tc.want)
		}
	}
}

// TestHostileTemplates: a template that loops too long, writes too much,
// nests too deep or reaches outside its data is refused with an error
// naming the check, never a panic or a hang.
func TestHostileTemplates(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      error
		text      string
	}{
		{"endless loop", "{% for i in range(1000000000) %}{% endfor %}", ErrBudget, "steps"},
		{"nested loops", "{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}x{% endfor %}{% endfor %}{% endfor %}", ErrBudget, ""},
		{"output bomb", "{% for i in range(5000) %}{{ 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' }}{% endfor %}", ErrBudget, "output"},
		{"string bomb", "{{ 'x' * 1000000000 }}", ErrBudget, "string"},
		{"doubling", "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}{% endfor %}", ErrBudget, "string"},
		{"self-doubling list printed", "{% set ns = namespace(l=[1]) %}{% for i in range(60) %}{% set ns.l = [ns.l, ns.l] %}{% endfor %}{{ ns.l }}", ErrBudget, ""},
		{"self-doubling list as json", "{% set ns = namespace(l=[1]) %}{% for i in range(60) %}{% set ns.l = [ns.l, ns.l] %}{% endfor %}{{ ns.l | tojson }}", ErrBudget, "tojson"},
		{"self-doubling lists compared", "{% set ns = namespace(a=[1], b=[1]) %}{% for i in range(60) %}{% set ns.a = [ns.a, ns.a] %}{% set ns.b = [ns.b, ns.b] %}{% endfor %}{{ ns.a == ns.b }}", ErrBudget, "comparing"},
		{"namespace holding itself", "{% set ns = namespace() %}{% set ns.me = ns %}{{ ns | tojson }}", ErrRender, "nested"},
		{"python internals", "{{ ''.__class__ }}", ErrRender, `attribute "__class__" refused`},
		{"python internals by index", "{{ messages['__class__'] }}", ErrRender, "refused"},
		{"mro walk", "{{ messages.__class__.__mro__ }}", ErrRender, "refused"},
		{"deep parens", "{{ " + strings.Repeat("(", 5000) + "1" + strings.Repeat(")", 5000) + " }}", ErrSyntax, "nested"},
		{"deep blocks", strings.Repeat("{% if true %}", 5000), ErrSyntax, "nested"},
		{"unclosed tag", "{{ x ", ErrSyntax, "never closed"},
		{"unknown tag", "{% macro m() %}{% endmacro %}", ErrUnsupported, "macro"},
		{"unknown filter", "{{ x | attr('y') }}", ErrUnsupported, "attr"},
		{"include", "{% include 'other' %}", ErrUnsupported, "include"},
		{"raise", "{{ raise_exception('no system role') }}", ErrRender, "no system role"},
		{"missing endif", "{% if true %}x", ErrSyntax, "endif"},
		{"undefined attribute chain", "{{ nothing.deeper }}", ErrRender, "undefined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tmpl, err := Parse(tc.src)
			if err == nil {
				_, err = tmpl.Render(map[string]any{"messages": []any{}}, Limits{Steps: 100_000, Output: 64 << 10})
			}
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("err = %v, want %v naming %q", err, tc.want, tc.text)
			}
		})
	}
}

// FuzzRender: any template source parses or is refused, and renders or is
// refused, within its budgets and without a panic.
func FuzzRender(f *testing.F) {
	for _, name := range []string{"chatml", "llama2", "llama3", "mistral", "qwen2.5"} {
		src, err := os.ReadFile(filepath.Join("testdata", name+".jinja"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(src))
	}
	f.Add("{% for i in range(9) %}{{ i ~ loop.index }}{% set ns.x = 1 %}{% endfor %}{{ x | tojson(indent=1) }}")
	f.Add("{{ (1 if a else [2][0:1:-1]) ~ {'a': 1}.items() }}{% if x is not defined %}{{ 'a'[::-1] }}{% endif %}")
	vars := map[string]any{
		"messages": []any{
			map[string]any{"role": "system", "content": "sys"},
			map[string]any{"role": "user", "content": "hi"},
		},
		"bos_token": "<s>", "eos_token": "</s>", "add_generation_prompt": true,
	}
	f.Fuzz(func(t *testing.T, src string) {
		tmpl, err := Parse(src)
		if err != nil {
			return
		}
		out, err := tmpl.Render(vars, Limits{Steps: 20_000, Output: 16 << 10})
		if err == nil && len(out) > 16<<10 {
			t.Fatalf("output %d bytes past its budget", len(out))
		}
	})
}
