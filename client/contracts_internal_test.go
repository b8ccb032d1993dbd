package client

import (
	"context"
	"strings"
	"testing"

	"github.com/phalanetwork/phala/client/clienttest"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/modules/keys"
)

// TestPickWorkerShortIDs: a node that answers the contract and cluster
// queries with a cluster or member id shorter than 32 bytes, and serves
// no headers or proofs, makes pickWorker fail with the light client's
// error, not panic: the records it seals to are proven reads, and these
// answers are never read.
func TestPickWorkerShortIDs(t *testing.T) {
	var id, cluster [32]byte
	id[0], cluster[0] = 1, 2
	for _, tc := range []struct {
		name    string
		answers map[string]any
		want    string
	}{
		{"cluster", map[string]any{
			contracts.ContractPath(id): contracts.Contract{ID: id[:], Cluster: []byte{2, 3}},
		}, "lightclient: no trusted root"},
		{"member", map[string]any{
			contracts.ContractPath(id):    contracts.Contract{ID: id[:], Cluster: cluster[:]},
			clusters.ClusterPath(cluster): clusters.Cluster{ID: cluster[:], Members: []keys.Hex{{7}}},
		}, "lightclient: no trusted root"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(clienttest.Node(t, tc.answers))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.pickWorker(context.Background(), id, [32]byte{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("pickWorker: %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
