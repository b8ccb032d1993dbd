package node

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"

	cmtlog "github.com/cometbft/cometbft/libs/log"
)

// cometLogger sends CometBFT's logs to slog. CometBFT logs a great deal at
// info level; we demote it to debug so a node's default output stays about
// what the operator needs. Its errors stay errors, except while the node
// is stopping, when closed listeners and connections are expected.
type cometLogger struct {
	l        *slog.Logger
	stopping *atomic.Bool
}

// newCometLogger adapts l to CometBFT's logger interface; errors logged
// after stopping is set are demoted to debug.
func newCometLogger(l *slog.Logger, stopping *atomic.Bool) cmtlog.Logger {
	return cometLogger{l: l.With("component", "cometbft"), stopping: stopping}
}

func (c cometLogger) Debug(msg string, kv ...any) {
	c.l.Log(context.Background(), slog.LevelDebug-4, msg, byString(kv)...)
}

func (c cometLogger) Info(msg string, kv ...any) { c.l.Debug(msg, byString(kv)...) }

func (c cometLogger) Error(msg string, kv ...any) {
	kv = byString(kv)
	if c.stopping.Load() {
		c.l.Debug(msg, kv...)
		return
	}
	c.l.Error(msg, kv...)
}

func (c cometLogger) With(kv ...any) cmtlog.Logger {
	return cometLogger{l: c.l.With(byString(kv)...), stopping: c.stopping}
}

// byString has the values of kv that are fmt.Stringers (errors aside)
// logged by their String method, as CometBFT's own loggers print them.
// A JSON handler would otherwise marshal them field by field: CometBFT
// logs live objects (a service's impl is the consensus state, for one)
// whose fields its goroutines are writing, which is a data race.
func byString(kv []any) []any {
	out := kv
	for i := 1; i < len(kv); i += 2 {
		if _, isErr := kv[i].(error); isErr {
			continue
		}
		if s, ok := kv[i].(fmt.Stringer); ok {
			if &out[0] == &kv[0] {
				out = append([]any(nil), kv...)
			}
			out[i] = stringValue{s}
		}
	}
	return out
}

// stringValue logs a Stringer by its String method, called only if the
// record is handled.
type stringValue struct{ s fmt.Stringer }

func (v stringValue) LogValue() slog.Value { return slog.StringValue(v.s.String()) }
