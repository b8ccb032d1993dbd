package gateway

import "testing"

// TestProbeHysteresis: one missed probe leaves a healthy worker in
// rotation, two in a row take it out, one answer brings it back; a worker
// that never answered is not healthy.
func TestProbeHysteresis(t *testing.T) {
	g := &Gateway{health: map[string]bool{}, missed: map[string]int{}}
	const ep = "http://w"
	steps := []struct {
		ok      bool
		healthy bool
	}{
		{false, false}, // never answered
		{true, true},
		{false, true}, // one slow answer
		{true, true},
		{false, true},
		{false, false}, // two in a row
		{false, false},
		{true, true},
	}
	for i, s := range steps {
		g.recordProbe(ep, s.ok)
		if g.health[ep] != s.healthy {
			t.Fatalf("step %d (probe ok %v): healthy %v, want %v", i, s.ok, g.health[ep], s.healthy)
		}
	}
}
