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
	raw, _, err := e.core.Cached(ctx, src, computation.OnlineKey(id))
	if err != nil {
		return err
	}
	if raw == nil {
		if raw, _, err = e.core.Cached(ctx, src, computation.SessionKey(id)); err != nil || raw == nil {
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
	e.dutiesMu.Lock()
	done := s.Challenge == 0 || s.Challenge <= e.answeredChallenge
	e.dutiesMu.Unlock()
	if done || e.out.HasPending(computation.TopicHeartbeat, nil) {
		return nil
	}
	if _, err := e.out.Post(ctx, src, computation.TopicHeartbeat, computation.HeartbeatPayload(s.Challenge)); err != nil {
		return err
	}
	e.dutiesMu.Lock()
	e.answeredChallenge = s.Challenge
	e.dutiesMu.Unlock()
	return nil
}

// recoverOnline brings an offline computing worker back: the chain gives an
// offline worker no challenge of its own, so the enclave looks at each new
// verified block h and answers the first one that challenges it
// (computation.Challenged over the hash of block h-1), which the chain
// accepts within the heartbeat window.
func (e *Enclave) recoverOnline(ctx context.Context, src chainsync.Source) error {
	if e.out.HasPending(computation.TopicHeartbeat, nil) {
		return nil
	}
	raw, _, err := e.core.Cached(ctx, src, computation.ParamsKey())
	if err != nil || raw == nil {
		return err
	}
	var p computation.Params
	if err := json.Unmarshal(raw, &p); err != nil {
		return err
	}
	id := [32]byte(e.ID())
	top := e.SyncedHeight()
	e.dutiesMu.Lock()
	from := max(e.scannedChallenge+1, top-p.HeartbeatWindow/2, 2)
	e.dutiesMu.Unlock()
	for h := from; h <= top; h++ {
		prev, ok := e.core.Header(h - 1)
		if !ok {
			continue
		}
		if computation.Challenged(prev.Hash(), id, p.ChallengeThreshold) {
			if _, err := e.out.Post(ctx, src, computation.TopicHeartbeat, computation.HeartbeatPayload(h)); err != nil {
				return err
			}
			break
		}
	}
	e.dutiesMu.Lock()
	e.scannedChallenge = top
	e.dutiesMu.Unlock()
	return nil
}
