package progress

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestLogsLinesWhenNotATerminal(t *testing.T) {
	var logs bytes.Buffer
	var out bytes.Buffer
	r := New(&out, slog.New(slog.NewTextHandler(&logs, nil)), "catching up", 1000, "blocks")
	r.last = time.Now().Add(-Every) // the first Set logs at once
	r.Set(250)
	r.Set(500) // within Every of the last line: not logged
	r.Done()
	got := logs.String()
	if out.Len() != 0 {
		t.Fatalf("a non-terminal got a bar: %q", out.String())
	}
	if strings.Count(got, "catching up") != 2 || !strings.Contains(got, "done=250") || !strings.Contains(got, "percent=25") ||
		!strings.Contains(got, `msg="catching up done"`) || !strings.Contains(got, "total=500") {
		t.Fatalf("logs:\n%s", got)
	}
}

func TestBarLine(t *testing.T) {
	r := &Reporter{what: "loading", total: 200, unit: "tensors", start: time.Now().Add(-time.Second)}
	r.done = 100
	line := r.line(time.Now())
	if !strings.Contains(line, "[###############...............]") || !strings.Contains(line, " 50% 100/200 tensors") {
		t.Fatalf("line %q", line)
	}
}
