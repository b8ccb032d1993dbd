package agenthost

import (
	"context"
	"crypto/ecdh"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/crypto/envelope"
	"github.com/phalanetwork/phala/pruntime/chainsync"
)

// An agent's kv store and log are its replicated state (replicstate.go):
// every member of its cluster holds them, sealed.
const (
	maxKVBytes  = 1 << 20
	maxLogLines = 500
)

// LogLine is one line of an agent's log.
type LogLine = agentio.LogLine

// logLine makes a line of an agent's log, cut to 4 KiB.
func (host *Host) logLine(level, text string) LogLine {
	if len(text) > 4096 {
		text = text[:4096]
	}
	return LogLine{Time: host.clock().UTC(), Level: level, Text: text}
}

// Logs returns an agent's log sealed to the owner's reply key; the
// request must be signed by the owner.
func (host *Host) Logs(ctx context.Context, src chainsync.Source, req Request) (Response, error) {
	_, _, rec, err := host.ownerRequest(ctx, src, req, true, "only the owner reads an agent's log")
	if err != nil {
		return Response{}, err
	}
	replyHex := req.Headers.Get(agentio.HeaderReplyKey)
	rk, err := hex.DecodeString(replyHex)
	if err != nil {
		return Response{}, fmt.Errorf("%w: %s must be a hex X25519 key", ErrUnauthorized, agentio.HeaderReplyKey)
	}
	pq, err := ecdh.X25519().NewPublicKey(rk)
	if err != nil {
		return Response{}, fmt.Errorf("%w: %s: %v", ErrUnauthorized, agentio.HeaderReplyKey, err)
	}
	raw, err := host.readLog(ctx, src, req.Agent)
	if err != nil {
		return Response{}, err
	}
	id := host.core.ID()
	env, err := envelope.Seal(pq, envelope.PurposeAgentLog, id[:], raw)
	if err != nil {
		return Response{}, err
	}
	served := agentio.Answer{Cluster: [32]byte(rec.Cluster), Epoch: rec.KeyEpoch, Agent: req.Agent, Code: [32]byte(rec.Code)}
	resp := Response{Status: http.StatusOK, Headers: map[string]string{"content-type": "application/octet-stream"}, Body: env.Encode()}
	return host.signResponse(resp, served, agentio.RequestHash(req.Method, req.URI, req.Headers, req.Body), false), nil
}

// readLog reads an agent's log on this member, synced first from the
// others when this member is not current, so any member answers the
// latest acknowledged lines.
func (host *Host) readLog(ctx context.Context, src chainsync.Source, id [32]byte) ([]byte, error) {
	t := &kvTxn{host: host, ctx: ctx, src: src, id: id}
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.begin(); err != nil {
		return nil, err
	}
	defer t.unlock()
	st, _, err := host.lockedState(id)
	if err != nil {
		return nil, err
	}
	if st.Log == nil {
		st.Log = []LogLine{}
	}
	return json.Marshal(st.Log)
}
