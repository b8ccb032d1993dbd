package dao_test

import (
	"errors"
	"testing"

	"github.com/phalanetwork/phala/modules/dao"
)

// FuzzParseOption: a vote option is what a CLI user types; no string
// panics the parser, a refusal is ErrBadVote, and an option that parses
// prints back as the input.
func FuzzParseOption(f *testing.F) {
	for _, s := range []string{"yes", "no", "abstain", "YES", "", "invalid"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := dao.ParseOption(s)
		if err != nil {
			if !errors.Is(err, dao.ErrBadVote) {
				t.Fatalf("refusal is not ErrBadVote: %v", err)
			}
			return
		}
		if got := dao.OptionName(o); got != s {
			t.Fatalf("option %q prints as %q", s, got)
		}
	})
}
