package client

import (
	"context"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/phalanetwork/phala/agentio"
	"github.com/phalanetwork/phala/crypto/envelope"
	"github.com/phalanetwork/phala/internal/httpok"
)

// AgentLogs is an agent's owner log as the cluster's workers returned it.
type AgentLogs struct {
	// Lines are every worker's lines, each once, oldest first.
	Lines []agentio.LogLine
	// Failed names the workers whose part did not come back, with why.
	Failed []string
}

// AgentLogs reads an agent's owner log through the gateway at baseURL: the
// request is signed by key (the owner's), and each worker of the agent's
// cluster seals its part to a one-time X25519 key made here, so neither
// the gateway nor a host reads it. A worker that refuses the caller makes
// the whole read fail; one that fails otherwise is listed in Failed.
func (c *Client) AgentLogs(ctx context.Context, key ed25519.PrivateKey, baseURL string, id [32]byte) (*AgentLogs, error) {
	chainID, err := c.ChainID(ctx)
	if err != nil {
		return nil, err
	}
	reply, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	parts, err := fetchLogParts(ctx, baseURL, chainID, id, key, reply)
	if err != nil {
		return nil, err
	}
	logs, err := openLogParts(parts, reply)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(logs.Lines, func(i, j int) bool { return logs.Lines[i].Time.Before(logs.Lines[j].Time) })
	return logs, nil
}

// fetchLogParts asks the gateway for the agent's log, signed by key, with
// reply's public key for the workers to seal their parts to.
func fetchLogParts(ctx context.Context, baseURL, chainID string, id [32]byte, key ed25519.PrivateKey, reply *ecdh.PrivateKey) ([]agentio.LogPart, error) {
	u := strings.TrimRight(baseURL, "/") + "/agents/" + hex.EncodeToString(id[:]) + "/_logs"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set(agentio.HeaderReplyKey, hex.EncodeToString(reply.PublicKey().Bytes()))
	// Every worker of the cluster is asked for its part, so the request
	// names no one worker (the zero id); the parts are sealed to reply.
	agentio.SignRequest(req, chainID, id, [32]byte{}, nil, key, time.Now())
	body, err := httpok.Do(http.DefaultClient, req, 64<<20)
	if err != nil {
		return nil, fmt.Errorf("logs: %w", err)
	}
	var parts []agentio.LogPart
	if err := json.Unmarshal(body, &parts); err != nil {
		return nil, fmt.Errorf("logs: gateway answer: %w", err)
	}
	return parts, nil
}

// openLogParts opens each worker's sealed part with reply and keeps each
// line once: the log is replicated, so every member answers the same lines.
func openLogParts(parts []agentio.LogPart, reply *ecdh.PrivateKey) (*AgentLogs, error) {
	out := &AgentLogs{}
	seen := map[agentio.LogLine]bool{}
	for _, p := range parts {
		if p.Status != http.StatusOK {
			if p.Status == http.StatusForbidden || p.Status == http.StatusUnauthorized {
				return nil, fmt.Errorf("logs: %s", strings.TrimSpace(string(p.Body)))
			}
			out.Failed = append(out.Failed, fmt.Sprintf("worker %s: %d %s", p.Endpoint, p.Status, strings.TrimSpace(string(p.Body))))
			continue
		}
		env, err := envelope.Decode(p.Body)
		if err != nil {
			return nil, fmt.Errorf("logs: worker %s: %w", p.Endpoint, err)
		}
		plain, err := envelope.Open(reply, envelope.PurposeAgentLog, env)
		if err != nil {
			return nil, fmt.Errorf("logs: worker %s: %w", p.Endpoint, err)
		}
		var part []agentio.LogLine
		if err := json.Unmarshal(plain, &part); err != nil {
			return nil, fmt.Errorf("logs: worker %s: %w", p.Endpoint, err)
		}
		for _, l := range part {
			if !seen[l] {
				seen[l] = true
				out.Lines = append(out.Lines, l)
			}
		}
	}
	return out, nil
}
