package gatekeeper

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/crypto/envelope"
	"github.com/phalanetwork/phala/crypto/keyderive"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/core"
)

// dispatchSlot is one cluster epoch key sent to one member.
type dispatchSlot struct {
	cluster, member [32]byte
	epoch           uint64
}

// DispatchStep is the gatekeeper's part in the clusters: the first
// gatekeeper in order that holds the current master key derives each
// cluster's epoch key from it, publishes its public keys and sends it,
// encrypted, to the members that lack it. Nothing moves while key traffic
// is paused for a rotation.
func (g *Gatekeeper) DispatchStep(ctx context.Context, src chainsync.Source) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	v, err := g.readView(ctx, src)
	if err != nil || !v.isGatekeeper || v.current == nil || v.paused {
		return err
	}
	hist, err := g.loadMasters()
	if err != nil || hist.find(v.current.Number) == nil || !g.firstHolder(ctx, src, v) {
		return err
	}
	return g.dispatchClusterKeys(ctx, src, hist)
}

// firstHolder reports whether this gatekeeper is the first in order that
// holds the master key, the one that does the dispatching.
func (g *Gatekeeper) firstHolder(ctx context.Context, src chainsync.Source, v view) bool {
	for _, id := range v.order {
		rec, err := g.record(ctx, src, id)
		if err != nil {
			return false
		}
		if rec.Holds {
			return id == g.me()
		}
	}
	return false
}

// dispatchClusterKeys derives, for each cluster, the epoch key from the
// master key, publishes its public keys, and sends it to members that do
// not hold it yet.
func (g *Gatekeeper) dispatchClusterKeys(ctx context.Context, src chainsync.Source, hist masterHistory) error {
	cs, err := g.core.Clusters(ctx, src)
	if err != nil {
		return err
	}
	now := g.core.SyncedHeight()
	for _, c := range cs {
		gen := hist.find(c.Generation)
		if gen == nil {
			continue
		}
		master, err := keyderive.NewSecret(gen.Secret)
		if err != nil {
			return err
		}
		secret := keyderive.DeriveClusterKey(master, c.ID, c.Epoch, g.core.DeriveLabel)
		pairs, err := keyderive.Pairs(secret, g.core.DeriveLabel)
		if err != nil {
			return err
		}
		publish, err := g.publishClusterKey(ctx, src, c, pairs.Public())
		if err != nil {
			return err
		}
		if !publish {
			continue
		}
		if err := g.sendClusterKey(ctx, src, c, secret, now); err != nil {
			return err
		}
	}
	return nil
}

// publishClusterKey posts a cluster epoch's public keys when the chain
// lacks them. It reports whether to go on and dispatch the key.
func (g *Gatekeeper) publishClusterKey(ctx context.Context, src chainsync.Source, c clusters.Cluster, pub keyderive.PublicKeys) (bool, error) {
	id := [32]byte(c.ID)
	if len(c.SignKey) != 0 {
		if !bytes.Equal(c.SignKey, pub.Sign) {
			return false, fmt.Errorf("enclave: cluster %x epoch %d has keys this master key does not derive", id, c.Epoch)
		}
		return true, nil
	}
	if g.out.HasPending(clusters.TopicPubKey, id[:]) {
		return false, nil // published and dispatched; waiting for the chain
	}
	// Publish the keys and dispatch in the same step: the messages land in
	// sequence order, keys first, and members check the key they receive
	// against the chain's record anyway.
	w := wire.NewWriter(96)
	w.Raw(id[:])
	w.Uvarint(c.Epoch)
	w.Uvarint(c.Generation)
	w.Raw(pub.Sign)
	w.Raw(pub.ECDH)
	_, err := g.out.Post(ctx, src, clusters.TopicPubKey, w.Bytes())
	return err == nil, err
}

// sendClusterKey sends a cluster epoch key, encrypted to each member's
// ECDH key, to the members that do not hold it and were not sent it
// recently.
func (g *Gatekeeper) sendClusterKey(ctx context.Context, src chainsync.Source, c clusters.Cluster, secret keyderive.Secret, now int64) error {
	id := [32]byte(c.ID)
	for _, m := range c.Members {
		member := [32]byte(m)
		if c.Holds(member) {
			continue
		}
		slot := dispatchSlot{cluster: id, member: member, epoch: c.Epoch}
		if at, ok := g.dispatchedAt[slot]; ok && now-at < reshareAfter {
			continue
		}
		plain, _ := json.Marshal(core.ClusterKeyRecord{Cluster: c.ID, Epoch: c.Epoch, Secret: secret.Bytes()})
		env, err := g.core.SealTo(ctx, src, member, envelope.PurposeClusterKeyDispatch, plain)
		if err != nil {
			return err
		}
		if err := g.postSealed(ctx, src, clusters.TopicDispatch, env, id[:], binary.AppendUvarint(nil, c.Epoch), member[:]); err != nil {
			return err
		}
		g.dispatchedAt[slot] = now
	}
	return nil
}
