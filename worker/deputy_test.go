package worker_test

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/pruntime"
	"github.com/phalanetwork/phala/sandbox"
)

// TestRedTeamAgentAsDeputy: alice's agent "private" lets only alice call
// it. Carol publishes a public agent; when alice calls it, it calls
// "private" through agents.call, where the hop's caller is alice, so it
// used to be let in and carol's code got the owner-only answer (and could
// send it anywhere with fetch). An agent that is not public is now reached
// through another agent only from an agent of the same owner: alice's own
// agent still reaches it, carol's is refused by name.
func TestRedTeamAgentAsDeputy(t *testing.T) {
	n := newOwnersNet(t, pha.Whole(10))
	private := n.deploy(t, n.alice, "testdata/agents/template.js", agents.PolicyOwner, pha.Amount{})
	hostile := n.deploy(t, n.carol, "testdata/agents/deputy.js", agents.PolicyPublic, pha.Amount{})
	own := n.deploy(t, n.alice, "testdata/agents/deputy.js", agents.PolicyOwner, pha.Amount{})
	body, _ := json.Marshal(map[string]string{"target": hex.EncodeToString(private[:])})
	if got := n.call(t, own, body); !strings.Contains(got, "got: ") || !strings.Contains(got, "for the owner only") {
		t.Fatalf("alice's own agent calling her owner-only agent: %q", got)
	}
	if got := n.call(t, hostile, body); !strings.HasPrefix(got, "refused: ") || !strings.Contains(got, "only from an agent of its owner") {
		t.Fatalf("carol's agent called alice's owner-only agent as alice: %q", got)
	}
}

// TestRedTeamHopPricesNeedConsent: the first caller pays every hop, so
// carol's free public agent, called by alice, could call carol's own agent
// priced at 5 PHA and charge it to alice, who only agreed to a free call.
// A hop into a priced agent now needs the caller's signed
// X-Phala-Max-Hop-Price covering it.
func TestRedTeamHopPricesNeedConsent(t *testing.T) {
	n := newOwnersNet(t, pha.Whole(20))
	priced := n.deploy(t, n.carol, "testdata/agents/template.js", agents.PolicyPublic, pha.Whole(5))
	free := n.deploy(t, n.carol, "testdata/agents/deputy.js", agents.PolicyPublic, pha.Amount{})
	body, _ := json.Marshal(map[string]string{"target": hex.EncodeToString(priced[:])})
	if got := n.call(t, free, body); !strings.HasPrefix(got, "refused: ") || !strings.Contains(got, "X-Phala-Max-Hop-Price") {
		t.Fatalf("carol's free agent charged alice for carol's priced agent without her consent: %q", got)
	}
	if got := n.call(t, free, body, client.MaxHopPrice(pha.Whole(5))); !strings.HasPrefix(got, "got: ") {
		t.Fatalf("with 5 PHA allowed for hop prices: %q", got)
	}
	if got := n.call(t, free, body, client.MaxHopPrice(pha.Whole(4))); !strings.HasPrefix(got, "refused: ") {
		t.Fatalf("with 4 PHA allowed for a 5 PHA hop: %q", got)
	}
}

// ownersNet is a one-worker devnet with a cluster, where alice and carol
// own agents and alice, with an escrow, calls them.
type ownersNet struct {
	c            *client.Client
	endpoint     string
	alice, carol ed25519.PrivateKey
	cluster      [32]byte
}

// newOwnersNet starts the devnet and deposits escrow for alice.
func newOwnersNet(t *testing.T, escrow pha.Amount) *ownersNet {
	t.Helper()
	d, c := startDevnet(t, devnet.Options{Workers: 1, Gatekeepers: 1, Cluster: true,
		Agents: pruntime.AgentRuntime{Limits: sandbox.Limits{Time: 10 * time.Second * raceSlowdown}}}, nil)
	n := &ownersNet{c: c, endpoint: d.Workers[0].Endpoint()}
	n.alice, _ = d.Keyring.PrivKey("alice")
	n.carol, _ = d.Keyring.PrivKey("carol")
	n.cluster = [32]byte(waitDevnetCluster(t, c).ID)
	if _, err := c.Send(context.Background(), n.alice, pha.Amount{}, "", &agents.MsgDeposit{Amount: escrow}); err != nil {
		t.Fatal(err)
	}
	return n
}

// deploy deploys file as owner's agent with a policy of kind and price.
func (n *ownersNet) deploy(t *testing.T, owner ed25519.PrivateKey, file, kind string, price pha.Amount) [32]byte {
	t.Helper()
	return deployAgentFile(t, n.c, owner, n.cluster, file, agents.Policy{Kind: kind}, price)
}

// call POSTs body to agent as alice, once the worker sees her escrow
// (until then the call is refused with 402), and returns the answer's body.
func (n *ownersNet) call(t *testing.T, agent [32]byte, body []byte, opts ...client.CallOption) string {
	t.Helper()
	var got string
	eventually(t, "a call once the escrow is visible", func() (bool, error) {
		r, err := n.c.CallAgent(context.Background(), n.alice, n.endpoint, agent, "POST", "/", body, opts...)
		if err != nil && strings.Contains(err.Error(), "402") {
			return false, nil
		}
		if err == nil {
			got = string(r.Body)
		}
		return true, err
	})
	return got
}
