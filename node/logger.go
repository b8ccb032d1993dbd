package node

import (
	"context"
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
	c.l.Log(context.Background(), slog.LevelDebug-4, msg, kv...)
}

func (c cometLogger) Info(msg string, kv ...any) { c.l.Debug(msg, kv...) }

func (c cometLogger) Error(msg string, kv ...any) {
	if c.stopping.Load() {
		c.l.Debug(msg, kv...)
		return
	}
	c.l.Error(msg, kv...)
}

func (c cometLogger) With(kv ...any) cmtlog.Logger {
	return cometLogger{l: c.l.With(kv...), stopping: c.stopping}
}
