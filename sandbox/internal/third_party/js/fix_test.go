package js

import (
	"testing"

	"github.com/tdewolff/parse/v2"
)

// TestArrowPatternDefaults is the regression test of the sandbox fix.
func TestArrowPatternDefaults(t *testing.T) {
	valid := []string{
		`f = ({ b } = { b: 1 }) => b`,
		`f = async ([c] = [1, 2], { d } = { d }) => c`,
		`f = ({ b: { c } = { c: 1 } }) => c`,
		`x = ({ b } = { b: 1 })`,
	}
	for _, src := range valid {
		if _, err := Parse(parse.NewInputString(src), Options{}); err != nil {
			t.Errorf("%s: %v", src, err)
		}
	}
	invalid := []string{
		`f = (a.b = 1) => a`,
		`f = ({ b } += 1) => b`,
	}
	for _, src := range invalid {
		if _, err := Parse(parse.NewInputString(src), Options{}); err == nil {
			t.Errorf("%s: parsed", src)
		}
	}
}
