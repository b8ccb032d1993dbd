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

// TestPickWorkerShortIDs: a node that answers with a cluster or member id
// shorter than 32 bytes makes pickWorker fail with an error naming the id,
// not panic.
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
		}, "cluster: id 0203 is 2 bytes, want 32"},
		{"member", map[string]any{
			contracts.ContractPath(id):    contracts.Contract{ID: id[:], Cluster: cluster[:]},
			clusters.ClusterPath(cluster): clusters.Cluster{ID: cluster[:], Members: []keys.Hex{{7}}},
		}, "member: id 07 is 1 bytes, want 32"},
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
