package gatekeeper

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/crypto/envelope"
	"github.com/phalanetwork/phala/crypto/keyderive"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/sealed"
)

// PurposeRotationReveal is the envelope purpose of a rotation contribution.
const PurposeRotationReveal = keys.PurposeRotationReveal

// readRotation returns the running rotation, if any, through the light
// client.
func (g *Gatekeeper) readRotation(ctx context.Context, src chainsync.Source) (*keys.Rotation, error) {
	raw, _, err := g.core.State(ctx, src, keys.RotationKey())
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
func (g *Gatekeeper) contribution(round uint64) ([]byte, error) {
	name := fmt.Sprintf("rotation-contribution/%d", round)
	c, err := g.store.Get(name)
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
	if err := g.store.Put(name, c); err != nil {
		return nil, fmt.Errorf("enclave: seal rotation contribution: %w", err)
	}
	return c, nil
}

// RotationStep does this gatekeeper's part in a running master-key
// rotation: commit to a random contribution, reveal it encrypted to each
// other member, then combine everyone's contributions into the new master
// key, seal it with the history, and confirm with a signature by it. This
// is the one place a rotation moves on this side of the chain.
func (g *Gatekeeper) RotationStep(ctx context.Context, src chainsync.Source) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	rot, err := g.readRotation(ctx, src)
	if err != nil {
		return err
	}
	if rot == nil {
		return g.commitAhead(ctx, src)
	}
	me := g.me()
	i := -1
	for n, m := range rot.Members {
		if [32]byte(m) == me {
			i = n
		}
	}
	if i < 0 {
		return nil
	}
	mine, err := g.contribution(rot.Round)
	if err != nil {
		return err
	}
	switch rot.Phase {
	case keys.PhaseCommit:
		if len(rot.Commitments[i]) != 0 || g.hasPending(keys.TopicRotationCommit) {
			return nil
		}
		return g.postCommitment(ctx, src, keys.TopicRotationCommit, rot.Round, mine)
	case keys.PhaseReveal:
		if rot.Revealed[i] || g.hasPending(keys.TopicRotationReveal) {
			return nil
		}
		return g.reveal(ctx, src, rot, mine)
	case keys.PhaseConfirm:
		if len(rot.SignKeys[i]) != 0 || g.hasPending(keys.TopicRotationConfirm) {
			return nil
		}
		return g.confirmRotation(ctx, src, rot, i, mine)
	}
	return nil
}

// postCommitment posts a commitment to this gatekeeper's contribution to a
// round, under topic (a commit in the round or a precommit ahead of it).
func (g *Gatekeeper) postCommitment(ctx context.Context, src chainsync.Source, topic string, round uint64, contribution []byte) error {
	c := keys.CommitmentOf(g.core.ChainID(), round, g.me(), contribution)
	w := wire.NewWriter(48)
	w.Uvarint(round)
	w.Raw(c[:])
	_, err := g.out.Post(ctx, src, topic, w.Bytes())
	return err
}

// reveal sends this gatekeeper's contribution, encrypted to each other
// member, in one message.
func (g *Gatekeeper) reveal(ctx context.Context, src chainsync.Source, rot *keys.Rotation, mine []byte) error {
	w := wire.NewWriter(256)
	w.Uvarint(rot.Round)
	for _, m := range rot.Members {
		id := [32]byte(m)
		if id == g.me() {
			continue
		}
		env, err := g.core.SealTo(ctx, src, id, PurposeRotationReveal, mine)
		if err != nil {
			return err
		}
		w.Raw(id[:])
		w.VarBytes(env)
	}
	_, err := g.out.Post(ctx, src, keys.TopicRotationReveal, w.Bytes())
	return err
}

// badReveal is a reveal in this enclave's inbox that does not hold the
// contribution its sender committed to.
type badReveal struct {
	seq uint64
	raw []byte
}

// revealed gathers every member's contribution from the inbox, each
// checked against its commitment on chain; it is nil until all are there.
// A reveal that fails the check is returned as bad.
func (g *Gatekeeper) revealed(ctx context.Context, src chainsync.Source, rot *keys.Rotation, i int, mine []byte) ([][]byte, *badReveal, error) {
	contribs := make([][]byte, len(rot.Members))
	contribs[i] = mine
	msgs, _, err := g.core.Inbox(ctx, src, 0)
	if err != nil {
		return nil, nil, err
	}
	var bad *badReveal
	for seq, m := range msgs {
		if m.Topic != keys.TopicRotationReveal {
			continue
		}
		r := wire.NewReader(m.Payload)
		round := r.Uvarint()
		from := r.Bytes32()
		raw := r.VarBytes(envelope.MaxCiphertext + 512)
		j := slices.IndexFunc(rot.Members, func(mem keys.Hex) bool { return [32]byte(mem) == from })
		if r.Done() != nil || round != rot.Round || j < 0 || j == i {
			continue
		}
		c, err := g.core.OpenSealed(PurposeRotationReveal, raw)
		if err != nil || keys.CommitmentOf(g.core.ChainID(), rot.Round, from, c) != [32]byte(rot.Commitments[j]) {
			bad = &badReveal{seq: uint64(seq), raw: raw}
			continue
		}
		contribs[j] = c
	}
	for _, c := range contribs {
		if c == nil {
			return nil, bad, nil // still waiting for a reveal, or one is bad
		}
	}
	return contribs, nil, nil
}

// complain proves to the chain that a reveal does not hold its sender's
// committed contribution, by disclosing that envelope's key.
func (g *Gatekeeper) complain(ctx context.Context, src chainsync.Source, rot *keys.Rotation, bad *badReveal) error {
	if g.hasPending(keys.TopicRotationComplaint) {
		return nil
	}
	key, err := g.core.DiscloseKey(bad.raw)
	if err != nil {
		key = make([]byte, 32) // not an envelope at all: the chain sees that itself
	}
	w := wire.NewWriter(64)
	w.Uvarint(rot.Round)
	w.Uvarint(bad.seq)
	w.Raw(key)
	_, err = g.out.Post(ctx, src, keys.TopicRotationComplaint, w.Bytes())
	return err
}

// confirmRotation derives the new master key from every member's
// contribution, seals it into the history and confirms it; a bad reveal
// gets a complaint instead.
func (g *Gatekeeper) confirmRotation(ctx context.Context, src chainsync.Source, rot *keys.Rotation, i int, mine []byte) error {
	contribs, bad, err := g.revealed(ctx, src, rot, i, mine)
	if bad != nil && err == nil {
		return g.complain(ctx, src, rot, bad)
	}
	if err != nil || contribs == nil {
		return err
	}
	master := keyderive.CombineContributions(contribs, rot.Round, rot.Generation, g.core.DeriveLabel)
	pairs, err := keyderive.Pairs(master, g.core.DeriveLabel)
	if err != nil {
		return err
	}
	hist, err := g.loadMasters()
	if err != nil {
		return err
	}
	if gen := hist.find(rot.Generation); gen != nil {
		gen.Secret = master.Bytes() // an aborted earlier round of this generation
	} else {
		hist.Generations = append(hist.Generations, masterGeneration{Number: rot.Generation, Secret: master.Bytes()})
	}
	if err := g.saveMasters(hist); err != nil {
		return err
	}
	pub := pairs.Public()
	w := wire.NewWriter(160 + 64*int(min(rot.Generation, 1024)))
	w.Uvarint(rot.Round)
	w.Uvarint(rot.Generation)
	w.Raw(pub.Sign)
	w.Raw(pub.ECDH)
	if err := g.proveHistory(w, hist, rot.Generation, pairs.Sign); err != nil {
		return err
	}
	_, err = g.out.Post(ctx, src, keys.TopicRotationConfirm, w.Bytes())
	return err
}

// commitAhead commits, while no rotation runs, to this gatekeeper's
// contribution for the next round, so that round can open straight in the
// reveal phase. The contribution is sealed before the commitment leaves.
func (g *Gatekeeper) commitAhead(ctx context.Context, src chainsync.Source) error {
	me := g.me()
	gk, h, err := g.core.State(ctx, src, keys.GatekeeperKey(me))
	var next, pre []byte
	if err == nil && gk != nil {
		next, err = g.core.StateAt(ctx, src, keys.NextRoundKey(), h)
	}
	if err == nil && gk != nil {
		pre, err = g.core.StateAt(ctx, src, keys.PrecommitKey(me), h)
	}
	if err != nil || gk == nil || g.hasPending(keys.TopicRotationPrecommit) {
		return err
	}
	round := keys.DecodeRound(next)
	if r, _, ok := keys.DecodePrecommit(pre); ok && r == round {
		return nil // already committed ahead for this round
	}
	c, err := g.contribution(round)
	if err != nil {
		return err
	}
	return g.postCommitment(ctx, src, keys.TopicRotationPrecommit, round, c)
}
