package node

import (
	"bytes"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
)

// liveState stands for a CometBFT object with exported fields that its
// goroutines write and a String method for logs.
type liveState struct{ Height int64 }

func (*liveState) String() string { return "LiveState" }

func TestCometLoggerLogsStringersByString(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug - 4}))
	c := newCometLogger(l, new(atomic.Bool))
	kv := []any{"impl", &liveState{Height: 7}, "n", 3}
	c.Info("Stopping service", kv...)
	c.With("impl", &liveState{}).Debug("x")
	out := buf.String()
	if !strings.Contains(out, `"impl":"LiveState"`) || strings.Contains(out, "Height") {
		t.Fatalf("log = %s, want the impl by its String method", out)
	}
	if _, ok := kv[1].(*liveState); !ok {
		t.Fatal("the caller's key/values were modified")
	}
}
