package gateway

import (
	"context"
	"crypto/sha256"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/client/clienttest"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/keys"
)

// TestMalformedChainAnswers: a node that answers with ids shorter than 32
// bytes (an agent's cluster, a cluster's member, an API key's agent) makes
// the gateway's lookups fail with an error naming the id, not panic.
func TestMalformedChainAnswers(t *testing.T) {
	var agent, cluster [32]byte
	agent[0], cluster[0] = 1, 2
	token := sha256.Sum256([]byte("tok"))
	for _, tc := range []struct {
		name    string
		answers map[string]any
		call    func(*Gateway) error
		want    string
	}{
		{"agent cluster", map[string]any{
			agents.AgentPath(agent): agents.AgentView{Cluster: []byte{2}},
		}, workersOf(agent), "cluster: id 02 is 1 bytes, want 32"},
		{"cluster member", map[string]any{
			agents.AgentPath(agent):       agents.AgentView{Cluster: cluster[:]},
			clusters.ClusterPath(cluster): clusters.Cluster{ID: cluster[:], Members: []keys.Hex{{7, 7}}},
		}, workersOf(agent), "member: id 0707 is 2 bytes, want 32"},
		{"api key agent", map[string]any{
			agents.APIKeyPath(token): agents.APIKey{Hash: token[:], Agent: []byte{1}},
		}, func(g *Gateway) error {
			r := httptest.NewRequest("POST", "/agents/x/", nil)
			r.Header.Set("Authorization", "Bearer tok")
			return g.authenticate(context.Background(), r, agent, nil)
		}, "API key: agent: id 01 is 1 bytes, want 32"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := client.New(clienttest.Node(t, tc.answers))
			if err != nil {
				t.Fatal(err)
			}
			g := &Gateway{chain: c, health: map[string]bool{}, missed: map[string]int{}, cache: map[string]cached{}}
			if err := tc.call(g); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func workersOf(agent [32]byte) func(*Gateway) error {
	return func(g *Gateway) error {
		_, err := g.agentWorkers(context.Background(), agent)
		return err
	}
}
