package gatekeeper

import (
	"context"
	"crypto/ecdh"
	"encoding/json"
	"fmt"

	"github.com/phalanetwork/phala/crypto/envelope"
	"github.com/phalanetwork/phala/crypto/keyderive"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pruntime/chainsync"
)

// KMSStep is the gatekeepers' key-management service for TDX workers,
// which have no hardware sealing key (docs/keys.md, "KMS"): the first
// gatekeeper holding the master key answers each pending request the
// chain accepted (it verified the attestation, the measurement and the
// worker) with the sealing key of the request's measurement on this chain,
// sealed to the request's ephemeral key.
func (g *Gatekeeper) KMSStep(ctx context.Context, src chainsync.Source) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	v, err := g.readView(ctx, src)
	if err != nil || !v.isGatekeeper || v.current == nil {
		return err
	}
	hist, err := g.loadMasters()
	if err != nil {
		return err
	}
	gen0 := hist.find(0)
	if gen0 == nil || hist.find(v.current.Number) == nil || !g.firstHolder(ctx, src, v) {
		return nil
	}
	raw, _, err := g.core.State(ctx, src, registry.KMSRequestsKey())
	if err != nil || raw == nil {
		return err
	}
	var reqs []registry.KMSRequest
	if err := json.Unmarshal(raw, &reqs); err != nil {
		return fmt.Errorf("enclave: kms requests: %w", err)
	}
	master, err := keyderive.NewSecret(gen0.Secret)
	if err != nil {
		return err
	}
	now := g.core.SyncedHeight()
	for _, r := range reqs {
		if err := g.answerKMS(ctx, src, master, r, now); err != nil {
			return err
		}
	}
	return nil
}

// answerKMS posts the answer to one request, unless it was answered
// recently (the answer is on its way).
func (g *Gatekeeper) answerKMS(ctx context.Context, src chainsync.Source, master keyderive.Secret, r registry.KMSRequest, now int64) error {
	if len(r.Ephemeral) != 32 {
		return nil
	}
	eph := [32]byte(r.Ephemeral)
	if at, ok := g.answeredKMS[eph]; ok && now-at < reshareAfter {
		return nil
	}
	pub, err := ecdh.X25519().NewPublicKey(eph[:])
	if err != nil {
		return nil // the chain checked nothing about the key's shape; skip it
	}
	key := keyderive.DeriveKMSSealingKey(master, g.core.GenesisHash(), r.Measurement, g.core.DeriveLabel)
	me := g.me()
	env, err := envelope.Seal(pub, envelope.PurposeKMSSealingKey, me[:], key.Bytes())
	if err != nil {
		return fmt.Errorf("enclave: seal kms answer: %w", err)
	}
	if err := g.postSealed(ctx, src, keys.TopicKMSKey, env.Encode(), r.Worker[:], eph[:]); err != nil {
		return err
	}
	g.answeredKMS[eph] = now
	return nil
}
