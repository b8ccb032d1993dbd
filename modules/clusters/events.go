package clusters

// Event types and attribute keys of the clusters module.
const (
	EventCreated = "cluster_created"
	EventMember  = "cluster_member"
	EventKeys    = "cluster_keys"

	AttrCluster = "cluster"
	AttrOwner   = "owner"
	AttrWorker  = "worker"
	AttrAction  = "action"
	AttrEpoch   = "epoch"
)
