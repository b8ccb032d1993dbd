package pruntime

import (
	"context"
	"encoding/json"

	"github.com/phalanetwork/phala/modules/computation"
	"github.com/phalanetwork/phala/pruntime/chainsync"
)

// ComputationStep answers the chain's heartbeat challenges while this
// worker computes: it reads its own session with a proof and, when the
// session names a challenge not answered yet, posts the heartbeat.
func (e *Enclave) ComputationStep(ctx context.Context, src chainsync.Source) error {
	id := e.ID()
	raw, _, err := e.verified(ctx, src, computation.OnlineKey(id))
	if err != nil {
		return err
	}
	if raw == nil {
		if raw, _, err = e.verified(ctx, src, computation.SessionKey(id)); err != nil || raw == nil {
			return err
		}
	}
	s, err := computation.DecodeSession(raw)
	if err != nil {
		return err
	}
	if s.State == computation.StateComputing && !s.Online {
		return e.recoverOnline(ctx, src)
	}
	e.agentsMu.Lock()
	done := s.Challenge == 0 || s.Challenge <= e.answeredChallenge
	e.agentsMu.Unlock()
	if done || e.hasPendingPrefix(computation.TopicHeartbeat, nil) {
		return nil
	}
	if _, err := e.Post(ctx, src, computation.TopicHeartbeat, computation.HeartbeatPayload(s.Challenge)); err != nil {
		return err
	}
	e.agentsMu.Lock()
	e.answeredChallenge = s.Challenge
	e.agentsMu.Unlock()
	return nil
}

// recoverOnline brings an offline computing worker back: the chain gives an
// offline worker no challenge of its own, so the enclave looks at each new
// verified block h and answers the first one that challenges it
// (computation.Challenged over the hash of block h-1), which the chain
// accepts within the heartbeat window.
func (e *Enclave) recoverOnline(ctx context.Context, src chainsync.Source) error {
	if e.hasPending(computation.TopicHeartbeat) {
		return nil
	}
	raw, _, err := e.verified(ctx, src, computation.ParamsKey())
	if err != nil || raw == nil {
		return err
	}
	var p computation.Params
	if err := json.Unmarshal(raw, &p); err != nil {
		return err
	}
	id := [32]byte(e.ID())
	top := e.SyncedHeight()
	e.agentsMu.Lock()
	from := max(e.scannedChallenge+1, top-p.HeartbeatWindow/2, 2)
	e.agentsMu.Unlock()
	for h := from; h <= top; h++ {
		prev, ok := e.sync.Header(h - 1)
		if !ok {
			continue
		}
		if computation.Challenged(prev.Hash(), id, p.ChallengeThreshold) {
			if _, err := e.Post(ctx, src, computation.TopicHeartbeat, computation.HeartbeatPayload(h)); err != nil {
				return err
			}
			break
		}
	}
	e.agentsMu.Lock()
	e.scannedChallenge = top
	e.agentsMu.Unlock()
	return nil
}
