package worker

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/phalanetwork/phala/sandbox"
)

// TestLimitHitsLogged: every kind of sandbox limit that stops an agent call
// is counted and logged with the agent and the limit, and the log carries
// nothing the script said.
func TestLimitHitsLogged(t *testing.T) {
	var buf bytes.Buffer
	m := &agentMetrics{
		calls:   prometheus.NewCounterVec(prometheus.CounterOpts{Name: "c"}, []string{"agent", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "l"}, []string{"agent"}),
		limits:  prometheus.NewCounterVec(prometheus.CounterOpts{Name: "h"}, []string{"limit"}),
		log:     slog.New(slog.NewTextHandler(&buf, nil)),
	}
	const secret = "payload-canary-91f3"
	agent := [32]byte{0xab, 0x12}
	for _, tt := range []struct {
		err   error
		limit string
	}{
		{fmt.Errorf("%w (10s)", sandbox.ErrTimeout), "time"},
		{fmt.Errorf("agent: %w: %s", sandbox.ErrStackOverflow, secret), "stack"},
		{fmt.Errorf("agent: %w: %s", sandbox.ErrMemory, secret), "memory"},
		{fmt.Errorf("%w: %s", sandbox.ErrOutputTooLarge, secret), "output"},
		{fmt.Errorf("%w (limit 5)", sandbox.ErrOutOfGas), "gas"},
		{fmt.Errorf("%w: %s", sandbox.ErrScript, secret), ""},
	} {
		buf.Reset()
		m.observe(agent, 500, 3*time.Millisecond, tt.err)
		line := buf.String()
		if tt.limit == "" {
			if line != "" {
				t.Errorf("%v: logged %q, want nothing", tt.err, line)
			}
			continue
		}
		if !strings.Contains(line, "agent="+hex.EncodeToString(agent[:])) || !strings.Contains(line, "limit="+tt.limit) {
			t.Errorf("%v: logged %q, want the agent and limit %s", tt.err, line, tt.limit)
		}
		if strings.Contains(line, secret) {
			t.Errorf("%v: the log carries the script's text: %q", tt.err, line)
		}
		var got dto.Metric
		if err := m.limits.WithLabelValues(tt.limit).Write(&got); err != nil || got.GetCounter().GetValue() != 1 {
			t.Errorf("%s hits = %v (%v), want 1", tt.limit, got.GetCounter().GetValue(), err)
		}
	}
}
