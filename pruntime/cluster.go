package pruntime

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/crypto/envelope"
	"github.com/phalanetwork/phala/crypto/keyderive"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/sealed"
)

// EntryClusterKeys holds the sealed cluster keys a worker received, every
// epoch kept so nothing written under an earlier epoch is lost.
const EntryClusterKeys = "cluster-keys"

// clusterKeyRecord is one epoch key of one cluster: sealed in the store,
// and what a dispatch envelope holds.
type clusterKeyRecord struct {
	Cluster keys.Hex `json:"cluster"`
	Epoch   uint64   `json:"epoch"`
	Secret  []byte   `json:"secret"`
}

// ClusterKeyInfo names a cluster key this enclave holds, without the key.
type ClusterKeyInfo struct {
	Cluster [32]byte
	Epoch   uint64
}

func (e *Enclave) loadClusterKeys() ([]clusterKeyRecord, error) {
	raw, err := e.store.Get(EntryClusterKeys)
	if errors.Is(err, sealed.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("enclave: unseal cluster keys: %w", err)
	}
	var out []clusterKeyRecord
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("enclave: sealed cluster keys unreadable: %w", err)
	}
	return out, nil
}

// ClusterKeys lists the cluster epochs whose keys this enclave holds.
func (e *Enclave) ClusterKeys() ([]ClusterKeyInfo, error) {
	recs, err := e.loadClusterKeys()
	out := make([]ClusterKeyInfo, len(recs))
	for i, r := range recs {
		out[i] = ClusterKeyInfo{Cluster: [32]byte(r.Cluster), Epoch: r.Epoch}
	}
	return out, err
}

func (e *Enclave) readClusters(ctx context.Context, src chainsync.Source) ([]clusters.Cluster, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	list, h, err := e.sync.VerifiedState(ctx, src, clusters.ListKey())
	if err != nil {
		return nil, err
	}
	var out []clusters.Cluster
	for _, id := range keys.DecodeOrder(list) {
		raw, err := e.sync.VerifiedStateAt(ctx, src, clusters.ClusterKey(id), h)
		if err != nil || raw == nil {
			return nil, fmt.Errorf("enclave: cluster %x: %v", id, err)
		}
		var c clusters.Cluster
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// dispatchClusterKeys is the gatekeeper's part: for each cluster it
// derives the epoch key from the master key, publishes its public keys,
// and sends it, encrypted to each member's ECDH key, to members that do not
// hold it yet.
func (e *Enclave) dispatchClusterKeys(ctx context.Context, src chainsync.Source, hist masterHistory) error {
	cs, err := e.readClusters(ctx, src)
	if err != nil {
		return err
	}
	now := e.SyncedHeight()
	for _, c := range cs {
		g := hist.find(c.Generation)
		if g == nil {
			continue
		}
		master, err := keyderive.NewSecret(g.Secret)
		if err != nil {
			return err
		}
		secret := keyderive.DeriveClusterKey(master, c.ID, c.Epoch, e.provider.DeriveLabel)
		pairs, err := keyderive.Pairs(secret, e.provider.DeriveLabel)
		if err != nil {
			return err
		}
		pub := pairs.Public()
		id := [32]byte(c.ID)
		if len(c.SignKey) == 0 {
			if e.hasPendingPrefix(clusters.TopicPubKey, id[:]) {
				continue // published and dispatched; waiting for the chain
			}
			// Publish the keys and dispatch in the same step: the messages
			// land in sequence order, keys first, and members check the
			// key they receive against the chain's record anyway.
			w := wire.NewWriter(96)
			w.Raw(id[:])
			w.Uvarint(c.Epoch)
			w.Uvarint(c.Generation)
			w.Raw(pub.Sign)
			w.Raw(pub.ECDH)
			if _, err := e.Post(ctx, src, clusters.TopicPubKey, w.Bytes()); err != nil {
				return err
			}
		} else if !bytes.Equal(c.SignKey, pub.Sign) {
			return fmt.Errorf("enclave: cluster %x epoch %d has keys this master key does not derive", id, c.Epoch)
		}
		for _, m := range c.Members {
			member := [32]byte(m)
			if c.Holds(member) {
				continue
			}
			slot := dispatchSlot{cluster: id, member: member, epoch: c.Epoch}
			if at, ok := e.dispatchedAt[slot]; ok && now-at < reshareAfter {
				continue
			}
			plain, _ := json.Marshal(clusterKeyRecord{Cluster: c.ID, Epoch: c.Epoch, Secret: secret.Bytes()})
			env, err := e.sealTo(ctx, src, member, envelope.PurposeClusterKeyDispatch, plain)
			if err != nil {
				return err
			}
			w := wire.NewWriter(128 + len(plain))
			w.Raw(id[:])
			w.Uvarint(c.Epoch)
			w.Raw(member[:])
			w.VarBytes(env)
			if _, err := e.Post(ctx, src, clusters.TopicDispatch, w.Bytes()); err != nil {
				return err
			}
			e.dispatchedAt[slot] = now
		}
	}
	return nil
}

type dispatchSlot struct {
	cluster, member [32]byte
	epoch           uint64
}

// hasPendingPrefix reports whether the outbox holds a message of topic
// whose payload starts with prefix.
func (e *Enclave) hasPendingPrefix(topic string, prefix []byte) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, m := range e.out.Pending {
		if m.Topic == topic && bytes.HasPrefix(m.Payload, prefix) {
			return true
		}
	}
	return false
}

// ClusterStep does this enclave's part in the clusters: a gatekeeper
// holding the master key derives and dispatches cluster keys; every worker
// takes in the keys dispatched to it, checks them against the chain's
// public keys, seals them and confirms.
func (e *Enclave) ClusterStep(ctx context.Context, src chainsync.Source) error {
	if err := e.receiveClusterKeys(ctx, src); err != nil {
		return err
	}
	v, err := e.readGatekeeperView(ctx, src)
	if err != nil || !v.isGatekeeper || v.current == nil || v.paused {
		return err
	}
	hist, err := e.loadMasters()
	if err != nil || hist.find(v.current.Number) == nil || !e.firstHolder(ctx, src, v) {
		return err
	}
	return e.dispatchClusterKeys(ctx, src, hist)
}

// firstHolder reports whether this gatekeeper is the first in order that
// holds the master key, the one that does the dispatching.
func (e *Enclave) firstHolder(ctx context.Context, src chainsync.Source, v gkView) bool {
	for _, id := range v.order {
		rec, err := e.gatekeeperRecord(ctx, src, id)
		if err != nil {
			return false
		}
		if rec.Holds {
			return id == [32]byte(e.ID())
		}
	}
	return false
}

// receiveClusterKeys reads new inbox messages and takes in cluster keys.
func (e *Enclave) receiveClusterKeys(ctx context.Context, src chainsync.Source) error {
	msgs, next, err := e.Inbox(ctx, src, e.clusterInbox)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if m.Topic != clusters.TopicDispatch {
			continue
		}
		if err := e.takeClusterKey(ctx, src, m.Payload); err != nil {
			return err
		}
	}
	e.clusterInbox = next
	return nil
}

// takeClusterKey opens one dispatched key. A key that does not open, or
// does not match the chain's public keys for its cluster epoch, is
// dropped: the chain's record is what the enclave trusts.
func (e *Enclave) takeClusterKey(ctx context.Context, src chainsync.Source, payload []byte) error {
	plain, err := e.openSealed(envelope.PurposeClusterKeyDispatch, payload)
	if err != nil {
		return nil
	}
	var d clusterKeyRecord
	if json.Unmarshal(plain, &d) != nil || len(d.Cluster) != 32 {
		return nil
	}
	secret, err := keyderive.NewSecret(d.Secret)
	if err != nil {
		return nil
	}
	pairs, err := keyderive.Pairs(secret, e.provider.DeriveLabel)
	if err != nil {
		return nil
	}
	cs, err := e.readClusters(ctx, src)
	if err != nil {
		return err
	}
	id := [32]byte(d.Cluster)
	for _, c := range cs {
		if [32]byte(c.ID) != id {
			continue
		}
		if c.Epoch != d.Epoch || !bytes.Equal(c.SignKey, pairs.Public().Sign) || !c.IsMember([32]byte(e.ID())) {
			return nil
		}
		recs, err := e.loadClusterKeys()
		if err != nil {
			return err
		}
		for _, r := range recs {
			if [32]byte(r.Cluster) == id && r.Epoch == d.Epoch {
				return nil // already held
			}
		}
		recs = append(recs, d)
		raw, _ := json.Marshal(recs)
		if err := e.store.Put(EntryClusterKeys, raw); err != nil {
			return err
		}
		w := wire.NewWriter(128)
		w.Raw(id[:])
		w.Uvarint(d.Epoch)
		w.Raw(ed25519.Sign(pairs.Sign, clusters.ConfirmSignBytes(e.chainID, id, [32]byte(e.ID()), d.Epoch)))
		_, err = e.Post(ctx, src, clusters.TopicConfirm, w.Bytes())
		return err
	}
	return nil
}
