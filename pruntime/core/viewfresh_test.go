package core_test

import (
	"errors"
	"testing"
	"time"

	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/core"
)

// TestViewFresh: a signed call or query is served only on a view of the
// chain at most the skew older than the request (a host withholding
// headers, or a worker catching up, is behind: 503), whatever the host's
// clock says.
func TestViewFresh(t *testing.T) {
	chain := time.UnixMilli(1_700_000_000_000)
	const skew = 5 * time.Minute
	for _, tc := range []struct {
		signed  time.Time
		chain   time.Time
		refused bool
	}{
		{chain, chain, false},
		{chain.Add(skew), chain, false},
		{chain.Add(skew + time.Second), chain, true},
		{chain.Add(time.Hour), chain, true},
		{chain.Add(-time.Hour), chain, false},      // stale: the seen-set's to refuse
		{chain.Add(time.Hour), time.Time{}, false}, // no view yet: nothing is read
	} {
		err := core.ViewFresh(tc.signed, tc.chain, skew)
		if (err != nil) != tc.refused || (err != nil && !errors.Is(err, chainsync.ErrBehind)) {
			t.Errorf("signed %v, chain %v: %v, want refused %v (behind)", tc.signed.Sub(chain), tc.chain, err, tc.refused)
		}
	}
}
