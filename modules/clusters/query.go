package clusters

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/modules/keys"
)

// Query paths under /clusters/.
const (
	QueryList    = "list"    // list -> []Cluster in creation order
	QueryCluster = "cluster" // cluster/<hex id> -> Cluster
)

// ListPath is the query path of every cluster; it answers []Cluster in
// creation order.
func ListPath() string { return "/" + Name + "/" + QueryList }

// ClusterPath is the query path of one cluster; it answers Cluster.
func ClusterPath(id [32]byte) string {
	return "/" + Name + "/" + QueryCluster + "/" + hex.EncodeToString(id[:])
}

// query answers the paths under /clusters/.
func (m *Module) query(kv state.KV, path string, _ []byte) ([]byte, error) {
	head, rest, _ := strings.Cut(path, "/")
	switch head {
	case QueryList:
		return json.Marshal(m.Keeper.Clusters(kv))
	case QueryCluster:
		var h keys.Hex
		if err := h.UnmarshalText([]byte(rest)); err != nil || len(h) != 32 {
			return nil, fmt.Errorf("%w: cluster id must be 64 hex characters", ErrUnknownCluster)
		}
		c, ok := m.Keeper.Cluster(kv, [32]byte(h))
		if !ok {
			return nil, fmt.Errorf("%w: %s", ErrUnknownCluster, rest)
		}
		return json.Marshal(c)
	}
	return nil, fmt.Errorf("%w: query path /clusters/%s", tx.ErrNotFound, path)
}
