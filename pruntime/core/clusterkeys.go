package core

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"golang.org/x/crypto/hkdf"

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

// ClusterKeyRecord is one epoch key of one cluster: sealed in the store,
// and what a gatekeeper's dispatch envelope holds.
type ClusterKeyRecord struct {
	Cluster keys.Hex `json:"cluster"`
	Epoch   uint64   `json:"epoch"`
	Secret  []byte   `json:"secret"`
}

// ClusterKeyInfo names a cluster key this enclave holds, without the key.
type ClusterKeyInfo struct {
	Cluster [32]byte
	Epoch   uint64
}

// loadClusterKeys returns the sealed cluster-key list, unsealed once and
// then kept in memory (every agent call checks it); only sealClusterKey
// changes the entry, and it updates the kept list. Callers must not
// modify the list.
func (c *Core) loadClusterKeys() ([]ClusterKeyRecord, error) {
	c.ckMu.Lock()
	defer c.ckMu.Unlock()
	if c.ckLoaded {
		return c.clusterKeys, nil
	}
	raw, err := c.store.Get(EntryClusterKeys)
	if errors.Is(err, sealed.ErrNotFound) {
		c.ckLoaded = true
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("enclave: unseal cluster keys: %w", err)
	}
	var out []ClusterKeyRecord
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("enclave: sealed cluster keys unreadable: %w", err)
	}
	c.clusterKeys, c.ckLoaded = out, true
	return out, nil
}

// ClusterKeys lists the cluster epochs whose keys this enclave holds.
func (c *Core) ClusterKeys() ([]ClusterKeyInfo, error) {
	recs, err := c.loadClusterKeys()
	out := make([]ClusterKeyInfo, len(recs))
	for i, r := range recs {
		out[i] = ClusterKeyInfo{Cluster: [32]byte(r.Cluster), Epoch: r.Epoch}
	}
	return out, err
}

// clusterSecret returns the cluster key of an epoch if this worker holds it.
func (c *Core) clusterSecret(cluster [32]byte, epoch uint64) (keyderive.Secret, bool, error) {
	recs, err := c.loadClusterKeys()
	if err != nil {
		return keyderive.Secret{}, false, err
	}
	for _, r := range recs {
		if [32]byte(r.Cluster) == cluster && r.Epoch == epoch {
			s, err := keyderive.NewSecret(r.Secret)
			return s, err == nil, err
		}
	}
	return keyderive.Secret{}, false, nil
}

// HoldsClusterKey reports whether this worker holds the cluster key of an
// epoch.
func (c *Core) HoldsClusterKey(cluster [32]byte, epoch uint64) (bool, error) {
	_, ok, err := c.clusterSecret(cluster, epoch)
	return ok, err
}

// ClusterPairs derives the signing and ECDH pairs of a cluster key this
// worker holds; ok is false when it does not hold it.
func (c *Core) ClusterPairs(cluster [32]byte, epoch uint64) (keyderive.KeyPair, bool, error) {
	cs, ok, err := c.clusterSecret(cluster, epoch)
	if err != nil || !ok {
		return keyderive.KeyPair{}, false, err
	}
	p, err := keyderive.Pairs(cs, c.provider.DeriveLabel)
	return p, err == nil, err
}

// ContractKey is a contract's key of one cluster epoch, derived from the
// cluster key.
type ContractKey struct {
	Secret keyderive.Secret
	Pairs  keyderive.KeyPair
	label  func(string) string
}

// SubKey derives a 32-byte key for one use below the contract key.
func (k ContractKey) SubKey(label string) []byte {
	out := make([]byte, 32)
	if _, err := io.ReadFull(hkdf.New(sha256.New, k.Secret.Bytes(), nil, []byte(k.label(label))), out); err != nil {
		panic(err) // HKDF cannot fail for 32 bytes
	}
	return out
}

// Label is the TEE provider's label for one use below the contract key.
func (k ContractKey) Label(label string) string { return k.label(label) }

// ContractKey derives a contract's (or agent's) key of a cluster epoch;
// ok is false when this worker lacks that epoch's cluster key.
func (c *Core) ContractKey(cluster, id [32]byte, epoch uint64) (ContractKey, bool, error) {
	cs, ok, err := c.clusterSecret(cluster, epoch)
	if !ok || err != nil {
		return ContractKey{}, false, err
	}
	s := keyderive.DeriveContractKey(cs, id[:], c.provider.DeriveLabel)
	p, err := keyderive.Pairs(s, c.provider.DeriveLabel)
	return ContractKey{Secret: s, Pairs: p, label: c.provider.DeriveLabel}, err == nil, err
}

// ReceiveClusterKeys is every worker's part in the clusters: it reads new
// inbox messages and takes in the cluster keys dispatched to it, checks
// them against the chain's public keys, seals them and confirms each (the
// one message kind the core posts itself).
func (c *Core) ReceiveClusterKeys(ctx context.Context, src chainsync.Source) error {
	c.keysMu.Lock()
	defer c.keysMu.Unlock()
	msgs, next, err := c.Inbox(ctx, src, c.clusterInbox)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if m.Topic != clusters.TopicDispatch {
			continue
		}
		if err := c.takeClusterKey(ctx, src, m.Payload); err != nil {
			return err
		}
	}
	c.clusterInbox = next
	return nil
}

// takeClusterKey opens one dispatched key. A key that does not open, or
// does not match the chain's public keys for its cluster epoch, is
// dropped: the chain's record is what the enclave trusts.
func (c *Core) takeClusterKey(ctx context.Context, src chainsync.Source, payload []byte) error {
	plain, err := c.OpenSealed(envelope.PurposeClusterKeyDispatch, payload)
	if err != nil {
		return nil
	}
	var d ClusterKeyRecord
	if json.Unmarshal(plain, &d) != nil || len(d.Cluster) != 32 {
		return nil
	}
	secret, err := keyderive.NewSecret(d.Secret)
	if err != nil {
		return nil
	}
	pairs, err := keyderive.Pairs(secret, c.provider.DeriveLabel)
	if err != nil {
		return nil
	}
	cs, err := c.Clusters(ctx, src)
	if err != nil {
		return err
	}
	id := [32]byte(d.Cluster)
	for _, cl := range cs {
		if [32]byte(cl.ID) != id {
			continue
		}
		if cl.Epoch != d.Epoch || !bytes.Equal(cl.SignKey, pairs.Public().Sign) || !cl.IsMember([32]byte(c.ID())) {
			return nil
		}
		if held, err := c.sealClusterKey(d); err != nil || held {
			return err
		}
		w := wire.NewWriter(128)
		w.Raw(id[:])
		w.Uvarint(d.Epoch)
		w.Raw(ed25519.Sign(pairs.Sign, clusters.ConfirmSignBytes(c.chainID, id, [32]byte(c.ID()), d.Epoch)))
		_, err = c.post(ctx, src, clusters.TopicConfirm, w.Bytes())
		return err
	}
	return nil
}

// sealClusterKey adds a received key to the sealed list; held reports that
// the list had it already.
func (c *Core) sealClusterKey(d ClusterKeyRecord) (held bool, err error) {
	recs, err := c.loadClusterKeys()
	if err != nil {
		return false, err
	}
	for _, r := range recs {
		if [32]byte(r.Cluster) == [32]byte(d.Cluster) && r.Epoch == d.Epoch {
			return true, nil
		}
	}
	// A new list: the kept one may be in a caller's hands.
	recs = append(slices.Clip(recs), d)
	raw, _ := json.Marshal(recs)
	if err := c.store.Put(EntryClusterKeys, raw); err != nil {
		return false, err
	}
	c.ckMu.Lock()
	c.clusterKeys = recs
	c.ckMu.Unlock()
	return false, nil
}

// MemberTurn reports whether it is member me's turn, at height h, to act
// for a cluster (publish contract keys, re-seal agent secrets): members
// take turns every ten blocks so one that is down does not stall the
// cluster for long.
func MemberTurn(c clusters.Cluster, h int64, me [32]byte) bool {
	return len(c.Members) != 0 && [32]byte(c.Members[int(h/10)%len(c.Members)]) == me
}
