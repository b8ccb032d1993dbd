// Package progress shows how far long work has come: a bar redrawn in
// place when the output is a terminal, and otherwise a log line every few
// seconds (so services and CI logs get periodic lines, not control codes).
package progress

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"
)

// Every is how often a line is logged when the output is not a terminal.
const Every = 2 * time.Second

// Reporter reports the progress of one piece of work.
type Reporter struct {
	what  string
	total int64
	unit  string
	tty   io.Writer
	log   *slog.Logger

	mu      sync.Mutex
	start   time.Time
	last    time.Time
	done    int64
	drawn   bool
	started int64
}

// New returns a reporter for work of total units (e.g. "blocks"). It draws
// a bar on out when out is a terminal; otherwise it logs to log (which may
// be nil for silence).
func New(out io.Writer, log *slog.Logger, what string, total int64, unit string) *Reporter {
	r := &Reporter{what: what, total: total, unit: unit, log: log, start: time.Now()}
	if f, ok := out.(*os.File); ok && isTerminal(f) {
		r.tty = out
	}
	return r
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Set records that done units are finished.
func (r *Reporter) Set(done int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started == 0 && done > 0 && r.done == 0 {
		r.started = done
	}
	r.done = done
	now := time.Now()
	switch {
	case r.tty != nil && now.Sub(r.last) >= 100*time.Millisecond:
		r.last = now
		fmt.Fprintf(r.tty, "\r%s", r.line(now))
		r.drawn = true
	case r.tty == nil && r.log != nil && now.Sub(r.last) >= Every:
		r.last = now
		r.log.Info(r.what, "done", done, "total", r.total, "unit", r.unit, "percent", r.percent(), "rate_per_s", int64(r.rate(now)), "eta", r.eta(now).String())
	}
}

// Done finishes the report.
func (r *Reporter) Done() {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	if r.tty != nil {
		if r.drawn {
			fmt.Fprintf(r.tty, "\r%s\n", r.line(now))
		}
		return
	}
	if r.log != nil && !r.last.IsZero() {
		r.log.Info(r.what+" done", "total", r.done, "unit", r.unit, "took", now.Sub(r.start).Round(time.Millisecond).String())
	}
}

func (r *Reporter) percent() int64 {
	if r.total <= 0 {
		return 0
	}
	return min(100, r.done*100/r.total)
}

func (r *Reporter) rate(now time.Time) float64 {
	s := now.Sub(r.start).Seconds()
	if s <= 0 {
		return 0
	}
	return float64(r.done-r.started) / s
}

func (r *Reporter) eta(now time.Time) time.Duration {
	rt := r.rate(now)
	if rt <= 0 || r.total <= r.done {
		return 0
	}
	return time.Duration(float64(r.total-r.done) / rt * float64(time.Second)).Round(time.Second)
}

// line is the bar: what [#####.....] 42% 1234/2900 blocks 350/s ETA 5s.
func (r *Reporter) line(now time.Time) string {
	const width = 30
	filled := int(r.percent() * width / 100)
	return fmt.Sprintf("%s [%s%s] %3d%% %d/%d %s %.0f/s ETA %s ", r.what, strings.Repeat("#", filled), strings.Repeat(".", width-filled),
		r.percent(), r.done, r.total, r.unit, r.rate(now), r.eta(now))
}
