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
	d, c := startDevnet(t, devnet.Options{Workers: 1, Gatekeepers: 1, Cluster: true,
		Agents: pruntime.AgentRuntime{Limits: sandbox.Limits{Time: 10 * time.Second * raceSlowdown}}}, nil)
	ctx := context.Background()
	alice, _ := d.Keyring.PrivKey("alice")
	carol, _ := d.Keyring.PrivKey("carol")
	cl := waitDevnetCluster(t, c)
	private := deployAgentFile(t, c, alice, [32]byte(cl.ID), "testdata/agents/template.js", agents.Policy{Kind: agents.PolicyOwner}, pha.Amount{})
	hostile := deployAgentFile(t, c, carol, [32]byte(cl.ID), "testdata/agents/deputy.js", agents.Policy{Kind: agents.PolicyPublic}, pha.Amount{})
	own := deployAgentFile(t, c, alice, [32]byte(cl.ID), "testdata/agents/deputy.js", agents.Policy{Kind: agents.PolicyOwner}, pha.Amount{})
	if _, err := c.Send(ctx, alice, pha.Amount{}, "", &agents.MsgDeposit{Amount: pha.Whole(10)}); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]string{"target": hex.EncodeToString(private[:])})
	endpoint := d.Workers[0].Endpoint()
	answer := func(agent [32]byte) string { return paidCall(t, c, alice, endpoint, agent, body) }
	if got := answer(own); !strings.Contains(got, "got: ") || !strings.Contains(got, "for the owner only") {
		t.Fatalf("alice's own agent calling her owner-only agent: %q", got)
	}
	if got := answer(hostile); !strings.HasPrefix(got, "refused: ") || !strings.Contains(got, "only from an agent of its owner") {
		t.Fatalf("carol's agent called alice's owner-only agent as alice: %q", got)
	}
}

// TestRedTeamHopPricesNeedConsent: the first caller pays every hop, so
// carol's free public agent, called by alice, could call carol's own agent
// priced at 5 PHA and charge it to alice, who only agreed to a free call.
// A hop into a priced agent now needs the caller's signed
// X-Phala-Max-Hop-Price covering it.
func TestRedTeamHopPricesNeedConsent(t *testing.T) {
	d, c := startDevnet(t, devnet.Options{Workers: 1, Gatekeepers: 1, Cluster: true,
		Agents: pruntime.AgentRuntime{Limits: sandbox.Limits{Time: 10 * time.Second * raceSlowdown}}}, nil)
	ctx := context.Background()
	alice, _ := d.Keyring.PrivKey("alice")
	carol, _ := d.Keyring.PrivKey("carol")
	cl := waitDevnetCluster(t, c)
	priced := deployAgentFile(t, c, carol, [32]byte(cl.ID), "testdata/agents/template.js", agents.Policy{Kind: agents.PolicyPublic}, pha.Whole(5))
	free := deployAgentFile(t, c, carol, [32]byte(cl.ID), "testdata/agents/deputy.js", agents.Policy{Kind: agents.PolicyPublic}, pha.Amount{})
	if _, err := c.Send(ctx, alice, pha.Amount{}, "", &agents.MsgDeposit{Amount: pha.Whole(20)}); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]string{"target": hex.EncodeToString(priced[:])})
	endpoint := d.Workers[0].Endpoint()
	answer := func(opts ...client.CallOption) string { return paidCall(t, c, alice, endpoint, free, body, opts...) }
	if got := answer(); !strings.HasPrefix(got, "refused: ") || !strings.Contains(got, "X-Phala-Max-Hop-Price") {
		t.Fatalf("carol's free agent charged alice for carol's priced agent without her consent: %q", got)
	}
	if got := answer(client.MaxHopPrice(pha.Whole(5))); !strings.HasPrefix(got, "got: ") {
		t.Fatalf("with 5 PHA allowed for hop prices: %q", got)
	}
	if got := answer(client.MaxHopPrice(pha.Whole(4))); !strings.HasPrefix(got, "refused: ") {
		t.Fatalf("with 4 PHA allowed for a 5 PHA hop: %q", got)
	}
}

// paidCall POSTs body to agent as key, once the worker sees key's escrow
// (until then the call is refused with 402), and returns the answer's body.
func paidCall(t *testing.T, c *client.Client, key ed25519.PrivateKey, endpoint string, agent [32]byte, body []byte, opts ...client.CallOption) string {
	t.Helper()
	var got string
	eventually(t, "a call once the escrow is visible", func() (bool, error) {
		r, err := c.CallAgent(context.Background(), key, endpoint, agent, "POST", "/", body, opts...)
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
