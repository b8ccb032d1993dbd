package clusters

// State keys, all under the module prefix.
var (
	// prefixCluster + the 32-byte cluster id holds that Cluster (JSON).
	prefixCluster = []byte("clusters/c/")
	// keyList holds every cluster id (32 bytes each), in creation order.
	keyList = []byte("clusters/list")
	// keyCounter holds the number of clusters created so far (8 bytes
	// BE); the next cluster's id derives from it.
	keyCounter = []byte("clusters/counter")
)

// ClusterKey is the state key of a cluster record (JSON of Cluster), for
// proofs.
func ClusterKey(id [32]byte) []byte { return append(append([]byte(nil), prefixCluster...), id[:]...) }

// ListKey holds every cluster id (32 bytes each), for proofs.
func ListKey() []byte { return append([]byte(nil), keyList...) }
