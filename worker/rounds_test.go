package worker

import (
	"testing"
	"time"
)

// TestRoundsDue: a poll runs the roles' chain reads only when something
// they act on may have changed; every duty keeps a trigger.
func TestRoundsDue(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	done := rounds{height: 10, at: t0}
	cases := []struct {
		name string
		r    rounds
		h    int64
		now  time.Time
		want bool
	}{
		{"first poll", rounds{}, 10, t0, true},
		{"same block, a poll later", done, 10, t0.Add(50 * time.Millisecond), false},
		{"same block, a second later", done, 10, t0.Add(time.Second), false},
		{"a new verified block (chain duties, receipts, resubmissions)", done, 11, t0.Add(50 * time.Millisecond), true},
		{"after a failed round (retry)", rounds{}, 10, t0.Add(time.Millisecond), true},
		{"a stalled chain (benchmark, receipts, snapshot fetch)", done, 10, t0.Add(idleRound), true},
	}
	for _, c := range cases {
		if got := c.r.due(c.h, c.now); got != c.want {
			t.Errorf("%s: due = %v, want %v", c.name, got, c.want)
		}
	}
}
