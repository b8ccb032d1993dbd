package pruntime

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/crypto/envelope"
	"github.com/phalanetwork/phala/crypto/keyderive"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/sealed"
)

// EntryMasterKeys holds the sealed master-key history of a gatekeeper.
const EntryMasterKeys = "master-keys"

// PurposeMasterShare is the envelope purpose of a master-key share.
const PurposeMasterShare = "phala/master-key-share"

// masterHistory is every master-key generation this gatekeeper holds.
// Older generations are kept so data sealed under them stays readable.
type masterHistory struct {
	Generations []masterGeneration `json:"generations"`
}

type masterGeneration struct {
	Number uint64 `json:"number"`
	Secret []byte `json:"secret"`
}

func (e *Enclave) loadMasters() (masterHistory, error) {
	var h masterHistory
	raw, err := e.store.Get(EntryMasterKeys)
	if errors.Is(err, sealed.ErrNotFound) {
		return h, nil
	}
	if err != nil {
		return h, fmt.Errorf("enclave: unseal master keys: %w", err)
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		return h, fmt.Errorf("enclave: sealed master keys unreadable: %w", err)
	}
	return h, nil
}

func (e *Enclave) saveMasters(h masterHistory) error {
	raw, err := json.Marshal(h)
	if err != nil {
		return err
	}
	return e.store.Put(EntryMasterKeys, raw)
}

// masterPairs derives the master key's signing and ECDH pairs.
func (e *Enclave) masterPairs(secret []byte) (keyderive.KeyPair, error) {
	s, err := keyderive.NewSecret(secret)
	if err != nil {
		return keyderive.KeyPair{}, err
	}
	return keyderive.Pairs(s, e.provider.DeriveLabel)
}

// gkView is what a gatekeeper step reads from the chain, all verified.
type gkView struct {
	isGatekeeper bool
	order        [][32]byte
	current      *keys.Generation
	// paused holds key traffic to workers: a rotation runs, or it ended
	// less than keys.ResumeDelay blocks ago.
	paused bool
}

func (e *Enclave) readGatekeeperView(ctx context.Context, src chainsync.Source) (gkView, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var v gkView
	me := [32]byte(e.ID())
	raw, h, err := e.sync.VerifiedState(ctx, src, keys.GatekeeperKey(me))
	if err != nil || raw == nil {
		return v, err
	}
	v.isGatekeeper = true
	order, err := e.sync.VerifiedStateAt(ctx, src, keys.OrderKey(), h)
	if err != nil {
		return v, err
	}
	v.order = keys.DecodeOrder(order)
	cur, err := e.sync.VerifiedStateAt(ctx, src, keys.CurrentGenerationKey(), h)
	if err != nil {
		return v, err
	}
	if cur != nil {
		var g keys.Generation
		if err := json.Unmarshal(cur, &g); err != nil {
			return v, fmt.Errorf("enclave: generation record: %w", err)
		}
		v.current = &g
	}
	rot, err := e.sync.VerifiedStateAt(ctx, src, keys.RotationKey(), h)
	if err != nil {
		return v, err
	}
	resume, err := e.sync.VerifiedStateAt(ctx, src, keys.ResumeKey(), h)
	if err != nil {
		return v, err
	}
	// The chain judges the pause at the height a message lands, which is
	// after h; waiting until h itself has passed the resume height keeps
	// this enclave on the safe side.
	v.paused = rot != nil || (len(resume) == 8 && h < int64(binary.BigEndian.Uint64(resume)))
	return v, nil
}

// GatekeeperStep does this enclave's part as a gatekeeper, if the chain
// made it one: the first gatekeeper creates the master key; a holder shares
// it, encrypted, with gatekeepers that lack it; a new gatekeeper opens its
// share and confirms. What it posts goes through the sealed outbox.
func (e *Enclave) GatekeeperStep(ctx context.Context, src chainsync.Source) error {
	v, err := e.readGatekeeperView(ctx, src)
	if err != nil || !v.isGatekeeper {
		return err
	}
	hist, err := e.loadMasters()
	if err != nil {
		return err
	}
	if v.current == nil {
		if len(v.order) == 0 || v.order[0] != [32]byte(e.ID()) || e.hasPending(keys.TopicMasterPubKey) {
			return nil
		}
		return e.createMaster(ctx, src, hist)
	}
	held := hist.find(v.current.Number)
	if held == nil {
		return e.acceptShare(ctx, src, v.current)
	}
	pairs, err := e.masterPairs(held.Secret)
	if err != nil {
		return err
	}
	if !bytes.Equal(pairs.Public().Sign, v.current.SignKey) {
		return fmt.Errorf("enclave: sealed master generation %d does not match the chain's public key", v.current.Number)
	}
	return e.shareWithOthers(ctx, src, v, hist)
}

func (h masterHistory) find(n uint64) *masterGeneration {
	for i := range h.Generations {
		if h.Generations[i].Number == n {
			return &h.Generations[i]
		}
	}
	return nil
}

func (e *Enclave) hasPending(topic string) bool { return e.hasPendingPrefix(topic, nil) }

// createMaster makes generation 0 inside the enclave, seals it, then
// publishes its public keys.
func (e *Enclave) createMaster(ctx context.Context, src chainsync.Source, hist masterHistory) error {
	if hist.find(0) == nil {
		s, err := keyderive.RandomSecret()
		if err != nil {
			return err
		}
		hist.Generations = append(hist.Generations, masterGeneration{Number: 0, Secret: s.Bytes()})
		if err := e.saveMasters(hist); err != nil {
			return err
		}
	}
	pairs, err := e.masterPairs(hist.find(0).Secret)
	if err != nil {
		return err
	}
	pub := pairs.Public()
	w := wire.NewWriter(80)
	w.Uvarint(0)
	w.Raw(pub.Sign)
	w.Raw(pub.ECDH)
	_, err = e.Post(ctx, src, keys.TopicMasterPubKey, w.Bytes())
	return err
}

// reshareAfter is how many blocks a gatekeeper waits for a share to be
// confirmed before it sends the share again.
const reshareAfter = 20

// shareWithOthers sends the whole master history, encrypted, to each
// gatekeeper that does not hold the current generation yet. Only the first
// holder in the chain's order shares, so the others do not race it.
func (e *Enclave) shareWithOthers(ctx context.Context, src chainsync.Source, v gkView, hist masterHistory) error {
	if e.hasPending(keys.TopicShare) {
		return nil // one round of shares at a time
	}
	recs := make(map[[32]byte]keys.Gatekeeper, len(v.order))
	for _, id := range v.order {
		rec, err := e.gatekeeperRecord(ctx, src, id)
		if err != nil {
			return err
		}
		recs[id] = rec
	}
	for _, id := range v.order {
		if recs[id].Holds {
			if id != [32]byte(e.ID()) {
				return nil // an earlier holder does the sharing
			}
			break
		}
	}
	now := e.SyncedHeight()
	excluded := map[[32]byte]bool{}
	for _, x := range v.current.Excluded {
		excluded[[32]byte(x)] = true
	}
	for _, id := range v.order {
		if id == [32]byte(e.ID()) || recs[id].Holds || excluded[id] {
			continue
		}
		if at, ok := e.sharedAt[id]; ok && now-at < reshareAfter {
			continue // sent recently; the confirmation is on its way
		}
		plain, _ := json.Marshal(hist)
		env, err := e.sealTo(ctx, src, id, PurposeMasterShare, plain)
		if err != nil {
			return err
		}
		w := wire.NewWriter(64 + len(env))
		w.Raw(id[:])
		w.VarBytes(env)
		if _, err := e.Post(ctx, src, keys.TopicShare, w.Bytes()); err != nil {
			return err
		}
		e.sharedAt[id] = now
	}
	return nil
}

// sealTo encrypts plaintext for a worker: to the ECDH key of its chain
// record (read through the light client), from this enclave's identity.
// It returns the encoded envelope.
func (e *Enclave) sealTo(ctx context.Context, src chainsync.Source, id [32]byte, purpose string, plaintext []byte) ([]byte, error) {
	e.mu.Lock()
	raw, _, err := e.sync.VerifiedState(ctx, src, registry.WorkerKey(registry.WorkerID(id)))
	e.mu.Unlock()
	if err != nil || raw == nil {
		return nil, fmt.Errorf("enclave: worker %x: %v", id, err)
	}
	var w registry.Worker
	if err := json.Unmarshal(raw, &w); err != nil {
		return nil, err
	}
	pub, err := ecdh.X25519().NewPublicKey(w.ECDHKey)
	if err != nil {
		return nil, fmt.Errorf("enclave: worker %x ECDH key: %w", id, err)
	}
	env, err := envelope.Seal(pub, purpose, e.identity.Public().(ed25519.PublicKey), plaintext)
	if err != nil {
		return nil, err
	}
	return env.Encode(), nil
}

// openSealed decodes and opens an envelope sent to this enclave; an error
// means it is malformed, for another key or purpose, or tampered with.
func (e *Enclave) openSealed(purpose string, raw []byte) ([]byte, error) {
	env, err := envelope.Decode(raw)
	if err != nil {
		return nil, err
	}
	return envelope.Open(e.ecdh, purpose, env)
}

// gatekeeperRecord reads a gatekeeper's chain record.
func (e *Enclave) gatekeeperRecord(ctx context.Context, src chainsync.Source, id [32]byte) (keys.Gatekeeper, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var gk keys.Gatekeeper
	raw, _, err := e.sync.VerifiedState(ctx, src, keys.GatekeeperKey(id))
	if err != nil || raw == nil {
		return gk, fmt.Errorf("enclave: gatekeeper %x: %v", id, err)
	}
	return gk, json.Unmarshal(raw, &gk)
}

// acceptShare looks in the inbox for a share that opens with this
// enclave's ECDH key and matches the chain's current master public key,
// seals it and confirms by signing with the master key.
func (e *Enclave) acceptShare(ctx context.Context, src chainsync.Source, cur *keys.Generation) error {
	if e.hasPending(keys.TopicConfirm) {
		return nil
	}
	msgs, _, err := e.Inbox(ctx, src, 0)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if m.Topic != keys.TopicShare {
			continue
		}
		plain, err := e.openSealed(PurposeMasterShare, m.Payload)
		if err != nil {
			continue // not for this key, or tampered: never trusted
		}
		var hist masterHistory
		if json.Unmarshal(plain, &hist) != nil {
			continue
		}
		g := hist.find(cur.Number)
		if g == nil {
			continue
		}
		pairs, err := e.masterPairs(g.Secret)
		if err != nil || !bytes.Equal(pairs.Public().Sign, cur.SignKey) {
			continue // a share that does not match the chain's key is worthless
		}
		if err := e.saveMasters(hist); err != nil {
			return err
		}
		w := wire.NewWriter(80)
		w.Uvarint(cur.Number)
		w.Raw(ed25519.Sign(pairs.Sign, keys.ConfirmSignBytes(e.chainID, [32]byte(e.ID()), cur.Number)))
		_, err = e.Post(ctx, src, keys.TopicConfirm, w.Bytes())
		return err
	}
	return nil
}
