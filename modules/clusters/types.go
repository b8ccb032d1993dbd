// Package clusters groups workers into clusters that share a cluster key.
// The chain records membership, the key epoch and the cluster's public
// keys; gatekeepers derive each epoch's key from the master key and
// dispatch it, encrypted, to every member; removing a member starts a new
// epoch that the removed worker never receives.
package clusters

import (
	"github.com/phalanetwork/phala/chain/abcierr"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/keys"
)

// Name is the module name: genesis section, query path and key prefix.
const Name = "clusters"

// Codespace of this module's errors.
const Codespace = Name

// Errors of the clusters module.
var (
	ErrUnknownCluster = abcierr.Register(Codespace, 2, "unknown cluster")
	ErrNotOwner       = abcierr.Register(Codespace, 3, "sender does not own the cluster")
	ErrUnknownWorker  = abcierr.Register(Codespace, 4, "unknown worker")
	ErrAlreadyMember  = abcierr.Register(Codespace, 5, "worker is already a member")
	ErrNotMember      = abcierr.Register(Codespace, 6, "worker is not a member")
	ErrWrongEpoch     = abcierr.Register(Codespace, 7, "wrong cluster key epoch")
	ErrNotHolder      = abcierr.Register(Codespace, 8, "origin is not a gatekeeper holding the master key")
	ErrKeysPublished  = abcierr.Register(Codespace, 9, "cluster keys of this epoch already published")
	ErrBadConfirm     = abcierr.Register(Codespace, 10, "confirmation is not signed by the cluster key")
	ErrNoKeys         = abcierr.Register(Codespace, 11, "cluster keys of this epoch not published yet")
	ErrPaused         = abcierr.Register(Codespace, 12, "key traffic held during a master-key rotation")
	ErrRetired        = abcierr.Register(Codespace, 13, "worker is retired")
)

// Cluster is the chain's record of a cluster.
type Cluster struct {
	ID      keys.Hex        `json:"id"`
	Owner   address.Address `json:"owner"`
	Members []keys.Hex      `json:"members"`
	// Epoch counts key changes; every member removal starts a new one.
	Epoch uint64 `json:"epoch"`
	// Generation is the master-key generation the epoch key derives from.
	Generation uint64 `json:"generation"`
	// SignKey and ECDHKey are the epoch key's public keys, published by a
	// gatekeeper; empty until then.
	SignKey keys.Hex `json:"sign_pubkey,omitempty"`
	ECDHKey keys.Hex `json:"ecdh_pubkey,omitempty"`
	// Holders are the members that proved they hold the epoch key.
	Holders []keys.Hex `json:"holders"`
	Created int64      `json:"created_height"`
}

func (c *Cluster) index(list []keys.Hex, id [32]byte) int {
	for i, m := range list {
		if string(m) == string(id[:]) {
			return i
		}
	}
	return -1
}

// startEpoch moves the cluster to a new key epoch under a master-key
// generation: no keys published and nobody holding them yet.
func (c *Cluster) startEpoch(generation uint64) {
	c.Epoch++
	c.Generation = generation
	c.SignKey, c.ECDHKey, c.Holders = nil, nil, []keys.Hex{}
}

// IsMember reports whether worker id is a member.
func (c *Cluster) IsMember(id [32]byte) bool { return c.index(c.Members, id) >= 0 }

// Holds reports whether member id confirmed the epoch key.
func (c *Cluster) Holds(id [32]byte) bool { return c.index(c.Holders, id) >= 0 }
