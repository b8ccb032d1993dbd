package gatekeeper

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/crypto/keyderive"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/core"
)

// PurposeMasterShare is the envelope purpose of a master-key share.
const PurposeMasterShare = "phala/master-key-share"

// view is what a gatekeeper step reads from the chain, all verified.
type view struct {
	isGatekeeper bool
	// holds is the chain's word that this gatekeeper confirmed the current
	// generation, which it seals before it confirms.
	holds bool
	// self is this gatekeeper's chain record (its rejoin request, any
	// exclusion for cause).
	self    keys.Gatekeeper
	order   [][32]byte
	current *keys.Generation
	// paused holds key traffic to workers: a rotation runs, or it ended
	// less than keys.ResumeDelay blocks ago.
	paused bool
}

func (g *Gatekeeper) readView(ctx context.Context, src chainsync.Source) (view, error) {
	var v view
	raw, h, err := g.core.State(ctx, src, keys.GatekeeperKey(g.me()))
	if err != nil || raw == nil {
		return v, err
	}
	v.isGatekeeper = true
	var rec keys.Gatekeeper
	if err := json.Unmarshal(raw, &rec); err != nil {
		return v, fmt.Errorf("enclave: gatekeeper record: %w", err)
	}
	v.holds, v.self = rec.Holds, rec
	order, err := g.core.StateAt(ctx, src, keys.OrderKey(), h)
	if err != nil {
		return v, err
	}
	v.order = keys.DecodeOrder(order)
	cur, err := g.core.StateAt(ctx, src, keys.CurrentGenerationKey(), h)
	if err != nil {
		return v, err
	}
	if cur != nil {
		var gen keys.Generation
		if err := json.Unmarshal(cur, &gen); err != nil {
			return v, fmt.Errorf("enclave: generation record: %w", err)
		}
		v.current = &gen
	}
	rot, err := g.core.StateAt(ctx, src, keys.RotationKey(), h)
	if err != nil {
		return v, err
	}
	resume, err := g.core.StateAt(ctx, src, keys.ResumeKey(), h)
	if err != nil {
		return v, err
	}
	// The chain judges the pause at the height a message lands, which is
	// after h; waiting until h itself has passed the resume height keeps
	// this enclave on the safe side.
	v.paused = rot != nil || (len(resume) == 8 && h < int64(binary.BigEndian.Uint64(resume)))
	return v, nil
}

// Step does this enclave's part as a gatekeeper, if the chain made it one:
// the first gatekeeper creates the master key; a holder shares it,
// encrypted, with gatekeepers that lack it; a new gatekeeper opens its
// share and confirms. What it posts goes through the sealed outbox.
func (g *Gatekeeper) Step(ctx context.Context, src chainsync.Source) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	v, err := g.readView(ctx, src)
	if err != nil || !v.isGatekeeper {
		return err
	}
	hist, err := g.freshMasters(v)
	if err != nil {
		return err
	}
	if v.current == nil {
		if len(v.order) == 0 || v.order[0] != g.me() || g.hasPending(keys.TopicMasterPubKey) {
			return nil
		}
		return g.createMaster(ctx, src, hist)
	}
	held := hist.find(v.current.Number)
	if held == nil {
		return g.catchUp(ctx, src, v)
	}
	pairs, err := g.masterPairs(held.Secret)
	if err != nil {
		return err
	}
	if !bytes.Equal(pairs.Public().Sign, v.current.SignKey) {
		return fmt.Errorf("enclave: sealed master generation %d does not match the chain's public key", v.current.Number)
	}
	return g.shareWithOthers(ctx, src, v, hist)
}

// freshMasters loads the sealed master-key history and refuses one older
// than the chain's record: a gatekeeper the chain marks as holding the
// current generation sealed that generation before it confirmed, so a
// history without it is a restored copy (core.ErrRolledBack). Running from
// it would take the share again, or contribute to a rotation from a
// forgotten state.
func (g *Gatekeeper) freshMasters(v view) (masterHistory, error) {
	hist, err := g.loadMasters()
	if err != nil {
		return hist, err
	}
	if v.holds && v.current != nil && hist.find(v.current.Number) == nil {
		return hist, fmt.Errorf("%w: master-key history: sealed %d generations, the chain recorded %d for this gatekeeper",
			core.ErrRolledBack, len(hist.Generations), v.current.Number+1)
	}
	return hist, nil
}

// createMaster makes generation 0 inside the enclave, seals it, then
// publishes its public keys.
func (g *Gatekeeper) createMaster(ctx context.Context, src chainsync.Source, hist masterHistory) error {
	if hist.find(0) == nil {
		s, err := keyderive.RandomSecret()
		if err != nil {
			return err
		}
		hist.Generations = append(hist.Generations, masterGeneration{Number: 0, Secret: s.Bytes()})
		if err := g.saveMasters(hist); err != nil {
			return err
		}
	}
	pairs, err := g.masterPairs(hist.find(0).Secret)
	if err != nil {
		return err
	}
	pub := pairs.Public()
	w := wire.NewWriter(80)
	w.Uvarint(0)
	w.Raw(pub.Sign)
	w.Raw(pub.ECDH)
	_, err = g.out.Post(ctx, src, keys.TopicMasterPubKey, w.Bytes())
	return err
}

// reshareAfter is how many blocks a gatekeeper waits for a share to be
// confirmed before it sends the share again.
const reshareAfter = 20

// shareTurn is how many blocks each holder after the first in the chain's
// order waits, after the one before it, before it shares with a gatekeeper
// that still lacks the key: long enough for the first holder's share to be
// confirmed, so they do not race it.
const shareTurn = 50

// shareWithOthers sends the whole master history, encrypted, to each
// gatekeeper that does not hold the current generation yet. The first
// holder in the chain's order shares at once; the holder of rank r (0 for
// the first) only once the recipient has waited r*shareTurn blocks since
// it was added or asked to rejoin, so the others do not race the first but
// a first holder that is down holds nobody back for long.
func (g *Gatekeeper) shareWithOthers(ctx context.Context, src chainsync.Source, v view, hist masterHistory) error {
	if g.hasPending(keys.TopicShare) {
		return nil // one round of shares at a time
	}
	recs := make(map[[32]byte]keys.Gatekeeper, len(v.order))
	rank, holders := -1, 0
	for _, id := range v.order {
		rec, err := g.record(ctx, src, id)
		if err != nil {
			return err
		}
		recs[id] = rec
		if rec.Holds {
			if id == g.me() {
				rank = holders
			}
			holders++
		}
	}
	if rank < 0 {
		return nil // the chain has not taken this enclave's confirmation yet
	}
	now := g.core.SyncedHeight()
	for _, id := range v.order {
		if id == g.me() || !mayShareTo(recs[id], v.current) {
			continue
		}
		if now-max(recs[id].Added, recs[id].RejoinHeight) < int64(rank)*shareTurn {
			continue // an earlier holder's turn
		}
		if at, ok := g.sharedAt[id]; ok && now-at < reshareAfter {
			continue // sent recently; the confirmation is on its way
		}
		plain, _ := json.Marshal(hist)
		env, err := g.core.SealTo(ctx, src, id, PurposeMasterShare, plain)
		if err != nil {
			return err
		}
		if err := g.postSealed(ctx, src, keys.TopicShare, env, id[:]); err != nil {
			return err
		}
		g.sharedAt[id] = now
	}
	return nil
}

// mayShareTo is the chain's rule for a share (keys.Module.share) as a
// holder applies it: a gatekeeper that lacks the key and has no evidence
// against it, and, if the rotation that made cur left it out, that asked
// to rejoin.
func mayShareTo(rec keys.Gatekeeper, cur *keys.Generation) bool {
	if rec.Holds || rec.ExcludedForCause != "" {
		return false
	}
	return rec.RejoinHeight != 0 || !leftOut(rec.Worker, cur)
}

// leftOut reports whether the rotation that made cur left gatekeeper id
// out.
func leftOut(id []byte, cur *keys.Generation) bool {
	return slices.ContainsFunc(cur.Excluded, func(x keys.Hex) bool { return bytes.Equal(x, id) })
}

// catchUp is the step of a gatekeeper that lacks the current generation:
// it takes a checked share from its inbox or, if a rotation left it out
// (it was down, say) and it has not asked yet, asks the chain for the
// whole history once (keys/rejoin); a holder then shares it.
func (g *Gatekeeper) catchUp(ctx context.Context, src chainsync.Source, v view) error {
	took, err := g.acceptShare(ctx, src, v.current)
	if err != nil || took || !leftOut(v.self.Worker, v.current) || v.self.RejoinHeight != 0 ||
		v.self.ExcludedForCause != "" || g.hasPending(keys.TopicRejoin) {
		return err
	}
	_, err = g.out.Post(ctx, src, keys.TopicRejoin, nil)
	return err
}

// acceptShare looks in the inbox for a share that opens with this
// enclave's ECDH key and holds the complete history, every generation
// matching the chain's public keys; it merges the share into the sealed
// history (never dropping a generation) and confirms by signing with every
// generation's key. took is false when no share in the inbox passes.
func (g *Gatekeeper) acceptShare(ctx context.Context, src chainsync.Source, cur *keys.Generation) (took bool, err error) {
	if g.hasPending(keys.TopicConfirm) {
		return true, nil
	}
	msgs, _, err := g.core.Inbox(ctx, src, 0)
	if err != nil {
		return false, err
	}
	for _, m := range msgs {
		if m.Topic != keys.TopicShare {
			continue
		}
		plain, err := g.core.OpenSealed(PurposeMasterShare, m.Payload)
		if err != nil {
			continue // not for this key, or tampered: never trusted
		}
		var share masterHistory
		if json.Unmarshal(plain, &share) != nil {
			continue
		}
		if err := g.checkShare(ctx, src, share, cur.Number); err != nil {
			continue // incomplete or not the chain's keys: worthless
		}
		return true, g.keepShare(ctx, src, share, cur.Number)
	}
	return false, nil
}

// checkShare checks that a share holds every generation up to current and
// that each derives the public keys the chain recorded for it.
func (g *Gatekeeper) checkShare(ctx context.Context, src chainsync.Source, share masterHistory, current uint64) error {
	for n := uint64(0); n <= current; n++ {
		gen := share.find(n)
		if gen == nil {
			return fmt.Errorf("enclave: share refused: %w: it lacks generation %d", keys.ErrIncompleteHistory, n)
		}
		raw, _, err := g.core.State(ctx, src, keys.GenerationKey(n))
		if err != nil {
			return err
		}
		var rec keys.Generation
		if raw == nil || json.Unmarshal(raw, &rec) != nil {
			return fmt.Errorf("enclave: chain has no record of generation %d", n)
		}
		pairs, err := g.masterPairs(gen.Secret)
		if err != nil || !bytes.Equal(pairs.Public().Sign, rec.SignKey) {
			return fmt.Errorf("enclave: share refused: generation %d does not derive the chain's key", n)
		}
	}
	return nil
}

// keepShare merges a checked share into the sealed history, keeping any
// generation only this enclave has, and confirms with a history proof.
func (g *Gatekeeper) keepShare(ctx context.Context, src chainsync.Source, share masterHistory, current uint64) error {
	local, err := g.loadMasters()
	if err != nil {
		return err
	}
	for _, gen := range local.Generations {
		if share.find(gen.Number) == nil {
			share.Generations = append(share.Generations, gen)
		}
	}
	if err := g.saveMasters(share); err != nil {
		return err
	}
	pairs, err := g.masterPairs(share.find(current).Secret)
	if err != nil {
		return err
	}
	w := wire.NewWriter(80 + 64*int(min(current, 1024)))
	w.Uvarint(current)
	if err := g.proveHistory(w, share, current, pairs.Sign); err != nil {
		return err
	}
	_, err = g.out.Post(ctx, src, keys.TopicConfirm, w.Bytes())
	return err
}

// proveHistory writes a history proof for generation upTo (see
// keys.TopicConfirm): a signature by its key cur, then one by each earlier
// generation's key from the sealed history, all over
// keys.ConfirmSignBytes for upTo.
func (g *Gatekeeper) proveHistory(w *wire.Writer, hist masterHistory, upTo uint64, cur ed25519.PrivateKey) error {
	msg := keys.ConfirmSignBytes(g.core.ChainID(), g.me(), upTo)
	w.Raw(ed25519.Sign(cur, msg))
	w.Uvarint(upTo)
	for n := uint64(0); n < upTo; n++ {
		gen := hist.find(n)
		if gen == nil {
			return fmt.Errorf("enclave: %w: the sealed history lacks generation %d", keys.ErrIncompleteHistory, n)
		}
		pairs, err := g.masterPairs(gen.Secret)
		if err != nil {
			return err
		}
		w.Raw(ed25519.Sign(pairs.Sign, msg))
	}
	return nil
}
