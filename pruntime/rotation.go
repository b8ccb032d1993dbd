package pruntime

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/crypto/envelope"
	"github.com/phalanetwork/phala/crypto/keyderive"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/sealed"
)

// PurposeRotationReveal is the envelope purpose of a rotation contribution.
const PurposeRotationReveal = "phala/rotation-reveal"

// readRotation returns the running rotation, if any, through the light
// client.
func (e *Enclave) readRotation(ctx context.Context, src chainsync.Source) (*keys.Rotation, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	raw, _, err := e.sync.VerifiedState(ctx, src, keys.RotationKey())
	if err != nil || raw == nil {
		return nil, err
	}
	var r keys.Rotation
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("enclave: rotation record: %w", err)
	}
	return &r, nil
}

// contribution returns this gatekeeper's sealed random contribution to a
// rotation round, making it on first use. It is sealed before it is
// committed to, so a restart mid-rotation reveals the same value.
func (e *Enclave) contribution(round uint64) ([]byte, error) {
	name := fmt.Sprintf("rotation-contribution/%d", round)
	c, err := e.store.Get(name)
	if err == nil {
		return c, nil
	}
	if !errors.Is(err, sealed.ErrNotFound) {
		return nil, err
	}
	c = make([]byte, 32)
	if _, err := rand.Read(c); err != nil {
		return nil, err
	}
	if err := e.store.Put(name, c); err != nil {
		return nil, fmt.Errorf("enclave: seal rotation contribution: %w", err)
	}
	return c, nil
}

// RotationStep does this gatekeeper's part in a running master-key
// rotation: commit to a random contribution, reveal it encrypted to each
// other member, then combine everyone's contributions into the new master
// key, seal it with the history, and confirm with a signature by it.
func (e *Enclave) RotationStep(ctx context.Context, src chainsync.Source) error {
	rot, err := e.readRotation(ctx, src)
	if err != nil {
		return err
	}
	if rot == nil {
		return e.commitAhead(ctx, src)
	}
	me := [32]byte(e.ID())
	i := -1
	for n, m := range rot.Members {
		if [32]byte(m) == me {
			i = n
		}
	}
	if i < 0 {
		return nil
	}
	mine, err := e.contribution(rot.Round)
	if err != nil {
		return err
	}
	switch rot.Phase {
	case keys.PhaseCommit:
		if len(rot.Commitments[i]) != 0 || e.hasPending(keys.TopicRotationCommit) {
			return nil
		}
		c := keys.CommitmentOf(e.chainID, rot.Round, me, mine)
		w := wire.NewWriter(48)
		w.Uvarint(rot.Round)
		w.Raw(c[:])
		_, err := e.Post(ctx, src, keys.TopicRotationCommit, w.Bytes())
		return err
	case keys.PhaseReveal:
		if rot.Revealed[i] || e.hasPending(keys.TopicRotationReveal) {
			return nil
		}
		w := wire.NewWriter(256)
		w.Uvarint(rot.Round)
		for _, m := range rot.Members {
			id := [32]byte(m)
			if id == me {
				continue
			}
			env, err := e.sealTo(ctx, src, id, PurposeRotationReveal, mine)
			if err != nil {
				return err
			}
			w.Raw(id[:])
			w.VarBytes(env)
		}
		_, err := e.Post(ctx, src, keys.TopicRotationReveal, w.Bytes())
		return err
	case keys.PhaseConfirm:
		if len(rot.SignKeys[i]) != 0 || e.hasPending(keys.TopicRotationConfirm) {
			return nil
		}
		return e.confirmRotation(ctx, src, rot, i, mine)
	}
	return nil
}

// confirmRotation gathers every member's contribution from the inbox,
// checks each against its commitment on chain, and derives the new key.
func (e *Enclave) confirmRotation(ctx context.Context, src chainsync.Source, rot *keys.Rotation, i int, mine []byte) error {
	contribs := make([][]byte, len(rot.Members))
	contribs[i] = mine
	msgs, _, err := e.Inbox(ctx, src, 0)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if m.Topic != keys.TopicRotationReveal {
			continue
		}
		r := wire.NewReader(m.Payload)
		round := r.Uvarint()
		var from [32]byte
		copy(from[:], r.Raw(32))
		raw := r.VarBytes(envelope.MaxCiphertext + 512)
		if r.Done() != nil || round != rot.Round {
			continue
		}
		c, err := e.openSealed(PurposeRotationReveal, raw)
		if err != nil {
			continue
		}
		for j, mem := range rot.Members {
			if [32]byte(mem) == from && keys.CommitmentOf(e.chainID, rot.Round, from, c) == [32]byte(rot.Commitments[j]) {
				contribs[j] = c
			}
		}
	}
	for _, c := range contribs {
		if c == nil {
			return nil // still waiting for a reveal to reach this inbox
		}
	}
	master := keyderive.CombineContributions(contribs, rot.Round, rot.Generation, e.provider.DeriveLabel)
	pairs, err := keyderive.Pairs(master, e.provider.DeriveLabel)
	if err != nil {
		return err
	}
	hist, err := e.loadMasters()
	if err != nil {
		return err
	}
	if g := hist.find(rot.Generation); g != nil {
		g.Secret = master.Bytes() // an aborted earlier round of this generation
	} else {
		hist.Generations = append(hist.Generations, masterGeneration{Number: rot.Generation, Secret: master.Bytes()})
	}
	if err := e.saveMasters(hist); err != nil {
		return err
	}
	pub := pairs.Public()
	w := wire.NewWriter(160)
	w.Uvarint(rot.Round)
	w.Uvarint(rot.Generation)
	w.Raw(pub.Sign)
	w.Raw(pub.ECDH)
	w.Raw(ed25519.Sign(pairs.Sign, keys.ConfirmSignBytes(e.chainID, [32]byte(e.ID()), rot.Generation)))
	_, err = e.Post(ctx, src, keys.TopicRotationConfirm, w.Bytes())
	return err
}

// commitAhead commits, while no rotation runs, to this gatekeeper's
// contribution for the next round, so that round can open straight in the
// reveal phase. The contribution is sealed before the commitment leaves.
func (e *Enclave) commitAhead(ctx context.Context, src chainsync.Source) error {
	me := [32]byte(e.ID())
	e.mu.Lock()
	gk, h, err := e.sync.VerifiedState(ctx, src, keys.GatekeeperKey(me))
	var next, pre []byte
	if err == nil && gk != nil {
		next, err = e.sync.VerifiedStateAt(ctx, src, keys.NextRoundKey(), h)
	}
	if err == nil && gk != nil {
		pre, err = e.sync.VerifiedStateAt(ctx, src, keys.PrecommitKey(me), h)
	}
	e.mu.Unlock()
	if err != nil || gk == nil || e.hasPending(keys.TopicRotationPrecommit) {
		return err
	}
	round := keys.DecodeRound(next)
	if r, _, ok := keys.DecodePrecommit(pre); ok && r == round {
		return nil // already committed ahead for this round
	}
	c, err := e.contribution(round)
	if err != nil {
		return err
	}
	commitment := keys.CommitmentOf(e.chainID, round, me, c)
	w := wire.NewWriter(48)
	w.Uvarint(round)
	w.Raw(commitment[:])
	_, err = e.Post(ctx, src, keys.TopicRotationPrecommit, w.Bytes())
	return err
}
