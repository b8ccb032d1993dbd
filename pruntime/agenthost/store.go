package agenthost

import (
	"context"
	"crypto/ecdh"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/crypto/envelope"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/sealed"
)

// Agent KV stores and logs live in the sealed store of this worker; they
// are not replicated.
const (
	maxKVBytes  = 1 << 20
	maxLogLines = 500
)

func (host *Host) agentKV(id [32]byte) (map[string]string, error) {
	kv := map[string]string{}
	raw, err := host.store.Get("agent-kv/" + hex.EncodeToString(id[:]))
	if errors.Is(err, sealed.ErrNotFound) {
		return kv, nil
	}
	if err != nil {
		return nil, err
	}
	return kv, json.Unmarshal(raw, &kv)
}

func (host *Host) agentKVUpdate(id [32]byte, k string, v *string) error {
	host.mu.Lock()
	defer host.mu.Unlock()
	kv, err := host.agentKV(id)
	if err != nil {
		return err
	}
	if v == nil {
		delete(kv, k)
	} else {
		kv[k] = *v
	}
	raw, _ := json.Marshal(kv)
	if len(raw) > maxKVBytes {
		return fmt.Errorf("kv: the agent's store would exceed %d bytes", maxKVBytes)
	}
	return host.store.Put("agent-kv/"+hex.EncodeToString(id[:]), raw)
}

// LogLine is one line of an agent's log.
type LogLine struct {
	Time  time.Time `json:"time"`
	Level string    `json:"level"`
	Text  string    `json:"text"`
}

// agentLog appends to the agent's sealed log, which only the owner reads.
func (host *Host) agentLog(id [32]byte, level, text string) {
	host.mu.Lock()
	defer host.mu.Unlock()
	name := "agent-log/" + hex.EncodeToString(id[:])
	var lines []LogLine
	if raw, err := host.store.Get(name); err == nil {
		json.Unmarshal(raw, &lines)
	}
	if len(text) > 4096 {
		text = text[:4096]
	}
	lines = append(lines, LogLine{Time: host.clock().UTC(), Level: level, Text: text})
	if len(lines) > maxLogLines {
		lines = lines[len(lines)-maxLogLines:]
	}
	raw, _ := json.Marshal(lines)
	host.store.Put(name, raw)
}

// Logs returns an agent's log sealed to the owner's reply key; the
// request must be signed by the owner.
func (host *Host) Logs(ctx context.Context, src chainsync.Source, req Request) (Response, error) {
	c, err := host.authenticate(ctx, src, req.Agent, req.Method, req.URI, req.Headers, req.Body, true)
	if err != nil {
		return Response{}, err
	}
	a, rec, _, err := host.agentRecords(ctx, src, req.Agent)
	if err != nil {
		return Response{}, err
	}
	if c.addr != a.Owner {
		return Response{}, fmt.Errorf("%w: only the owner reads an agent's log", ErrForbidden)
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
	host.mu.Lock()
	raw, err := host.store.Get("agent-log/" + hex.EncodeToString(req.Agent[:]))
	host.mu.Unlock()
	if errors.Is(err, sealed.ErrNotFound) {
		raw, err = []byte("[]"), nil
	}
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
