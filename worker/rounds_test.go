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
		name    string
		r       rounds
		h       int64
		now     time.Time
		pending int
		want    bool
	}{
		{"first poll", rounds{}, 10, t0, 0, true},
		{"same block, nothing queued", done, 10, t0.Add(time.Second), 0, false},
		{"a new verified block", done, 11, t0.Add(50 * time.Millisecond), 0, true},
		{"receipts or outbox messages queued (posting, resubmission)", done, 10, t0.Add(time.Millisecond), 1, true},
		{"a failed or unfinished round (retry)", rounds{}, 10, t0.Add(time.Millisecond), 0, true},
		{"a stalled chain: idle duties (benchmark, snapshot fetch)", done, 10, t0.Add(idleRound), 0, true},
	}
	for _, c := range cases {
		if got := c.r.due(c.h, c.now, c.pending); got != c.want {
			t.Errorf("%s: due = %v, want %v", c.name, got, c.want)
		}
	}
}
