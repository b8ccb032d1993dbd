package client

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/crypto/envelope"
)

// sealedPart seals lines to reply the way a worker answers a log request.
func sealedPart(t *testing.T, reply *ecdh.PrivateKey, purpose string, lines ...agentio.LogLine) agentio.LogPart {
	t.Helper()
	raw, err := json.Marshal(lines)
	if err != nil {
		t.Fatal(err)
	}
	env, err := envelope.Seal(reply.PublicKey(), purpose, nil, raw)
	if err != nil {
		t.Fatal(err)
	}
	return agentio.LogPart{Endpoint: "http://w", Status: http.StatusOK, Body: env.Encode()}
}

// TestOpenLogParts: the same line from two members' parts (the log is
// replicated) is kept once and distinct lines all stay, in order; a worker
// that failed is listed; one that refused the caller fails the read; a
// part sealed for another purpose does not open.
func TestOpenLogParts(t *testing.T) {
	reply, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 12, 6, 23, 0, 0, 0, time.UTC)
	a := agentio.LogLine{Time: t0, Level: "info", Text: "a"}
	b := agentio.LogLine{Time: t0.Add(time.Millisecond), Level: "info", Text: "b"}
	sameTimeOther := agentio.LogLine{Time: t0, Level: "warn", Text: "a"}
	down := agentio.LogPart{Endpoint: "http://down", Status: http.StatusBadGateway}
	logs, err := openLogParts([]agentio.LogPart{
		sealedPart(t, reply, envelope.PurposeAgentLog, a, b),
		down,
		sealedPart(t, reply, envelope.PurposeAgentLog, a, b, sameTimeOther),
	}, reply)
	if err != nil {
		t.Fatal(err)
	}
	if len(logs.Lines) != 3 || logs.Lines[0] != a || logs.Lines[1] != b || logs.Lines[2] != sameTimeOther {
		t.Fatalf("lines = %+v", logs.Lines)
	}
	if len(logs.Failed) != 1 || !strings.Contains(logs.Failed[0], "http://down: 502") {
		t.Fatalf("failed = %q", logs.Failed)
	}

	refused := agentio.LogPart{Endpoint: "http://w", Status: http.StatusForbidden, Body: []byte("not the agent's owner")}
	if _, err := openLogParts([]agentio.LogPart{refused}, reply); err == nil || !strings.Contains(err.Error(), "not the agent's owner") {
		t.Fatalf("refused part: err = %v", err)
	}
	other := sealedPart(t, reply, envelope.PurposeAgentLog+"-other", a)
	if _, err := openLogParts([]agentio.LogPart{other}, reply); err == nil {
		t.Fatal("a part sealed for another purpose opened")
	}
}
