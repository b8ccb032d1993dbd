package client

import (
	"context"

	"github.com/phalanetwork/phala/modules/clusters"
)

// Clusters returns every cluster, in creation order.
func (c *Client) Clusters(ctx context.Context) ([]clusters.Cluster, error) {
	return queryAs[[]clusters.Cluster](ctx, c, clusters.ListPath())
}

// Cluster returns a cluster's record.
func (c *Client) Cluster(ctx context.Context, id [32]byte) (clusters.Cluster, error) {
	return queryAs[clusters.Cluster](ctx, c, clusters.ClusterPath(id))
}
