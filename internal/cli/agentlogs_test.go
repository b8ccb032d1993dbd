package cli

import (
	"testing"
	"time"

	"github.com/phalanetwork/phala/pruntime"
)

// TestUniqueLines: the same line from two members' parts (the log is
// replicated) is printed once; distinct lines all stay, in order.
func TestUniqueLines(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 23, 0, 0, 0, time.UTC)
	a := pruntime.LogLine{Time: t0, Level: "info", Text: "a"}
	b := pruntime.LogLine{Time: t0.Add(time.Millisecond), Level: "info", Text: "b"}
	sameTimeOther := pruntime.LogLine{Time: t0, Level: "warn", Text: "a"}
	got := uniqueLines([]pruntime.LogLine{a, b, a, b, sameTimeOther})
	if len(got) != 3 || got[0] != a || got[1] != b || got[2] != sameTimeOther {
		t.Fatalf("uniqueLines = %+v", got)
	}
}
