package budget

import (
	"testing"
	"time"
)

func TestWindow(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	w := &Window[string]{Limit: 2, Span: time.Minute}
	for _, tc := range []struct {
		key  string
		at   time.Duration
		ok   bool
		wait time.Duration
	}{
		{"a", 0, true, 0},
		{"a", time.Second, true, 0},
		{"a", 2 * time.Second, false, 58 * time.Second},
		{"b", 3 * time.Second, true, 0},
		{"a", time.Minute, true, 0},     // the window rolled over
		{"a", time.Minute + 1, true, 0}, // a's second in the new window
		{"a", time.Minute + 2, false, time.Minute - 2},
		{"a", 30 * time.Second, true, 0}, // the clock went back: a new window
	} {
		ok, wait := w.Take(tc.key, t0.Add(tc.at))
		if ok != tc.ok || wait != tc.wait {
			t.Errorf("%s at %v: %v, %v; want %v, %v", tc.key, tc.at, ok, wait, tc.ok, tc.wait)
		}
	}
}
