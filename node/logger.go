package node

import (
	"context"
	"log/slog"

	cmtlog "github.com/cometbft/cometbft/libs/log"
)

// cometLogger sends CometBFT's logs to slog. CometBFT logs a great deal at
// info level; we demote it to debug so a node's default output stays about
// what the operator needs, and keep errors as errors.
type cometLogger struct{ l *slog.Logger }

// NewCometLogger adapts l to CometBFT's logger interface.
func NewCometLogger(l *slog.Logger) cmtlog.Logger {
	return cometLogger{l: l.With("component", "cometbft")}
}

func (c cometLogger) Debug(msg string, kv ...any) {
	c.l.Log(context.Background(), slog.LevelDebug-4, msg, kv...)
}
func (c cometLogger) Info(msg string, kv ...any)  { c.l.Debug(msg, kv...) }
func (c cometLogger) Error(msg string, kv ...any) { c.l.Error(msg, kv...) }
func (c cometLogger) With(kv ...any) cmtlog.Logger {
	return cometLogger{l: c.l.With(kv...)}
}
