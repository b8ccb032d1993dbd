package clusters

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/modules/keys"
)

// Keeper reads and writes clusters state. It holds no state of its own, so
// one value serves every context.
type Keeper struct{}

// Cluster returns a cluster record.
func (Keeper) Cluster(kv state.KV, id [32]byte) (Cluster, bool) {
	return module.GetJSON[Cluster](kv, ClusterKey(id), "cluster %x", id)
}

// Cluster returns a cluster record, for the modules that hold the clusters
// module (contracts, agents).
func (m *Module) Cluster(kv state.KV, id [32]byte) (Cluster, bool) { return m.Keeper.Cluster(kv, id) }

// setCluster stores a cluster record.
func (Keeper) setCluster(kv state.KV, c Cluster) {
	raw, _ := json.Marshal(c)
	kv.Set(ClusterKey([32]byte(c.ID)), raw)
}

// IDs lists every cluster id in creation order.
func (Keeper) IDs(kv state.KV) [][32]byte { return keys.DecodeOrder(kv.Get(keyList)) }

// Clusters lists every cluster in creation order.
func (k Keeper) Clusters(kv state.KV) []Cluster {
	out := []Cluster{}
	for _, id := range k.IDs(kv) {
		c, _ := k.Cluster(kv, id)
		out = append(out, c)
	}
	return out
}

// newID takes the next cluster number and returns the id derived from
// it: SHA-256 of "phala/cluster/", the chain id, a zero byte and the
// number (8 bytes BE). The id is listed in keyList.
func (Keeper) newID(kv state.KV, chainID string) [32]byte {
	n := uint64(0)
	if raw := kv.Get(keyCounter); raw != nil {
		n = binary.BigEndian.Uint64(raw)
	}
	kv.Set(keyCounter, binary.BigEndian.AppendUint64(nil, n+1))
	id := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("phala/cluster/"+chainID+"\x00"), n))
	module.AppendID(kv, keyList, id)
	return id
}
