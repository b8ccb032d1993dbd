package clusters

import (
	"encoding/hex"
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
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
	return module.Dispatch(kv, Name, path, []module.QueryRoute{
		module.Rest(QueryList, func(string) (any, error) { return m.Keeper.Clusters(kv), nil }),
		module.Rest(QueryCluster, func(rest string) (any, error) { return m.queryCluster(kv, rest) }),
	})
}

// queryCluster answers cluster/<hex id>.
func (m *Module) queryCluster(kv state.KV, rest string) (Cluster, error) {
	var h keys.Hex
	if err := h.UnmarshalText([]byte(rest)); err != nil || len(h) != 32 {
		return Cluster{}, fmt.Errorf("%w: cluster id must be 64 hex characters", ErrUnknownCluster)
	}
	c, ok := m.Keeper.Cluster(kv, [32]byte(h))
	if !ok {
		return Cluster{}, fmt.Errorf("%w: %s", ErrUnknownCluster, rest)
	}
	return c, nil
}
