package worker_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/egress"
	"github.com/phalanetwork/phala/llm"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/pruntime"
	"github.com/phalanetwork/phala/sandbox"
)

// TestRedTeamHopBilling: an agent that calls a helper twice (two sibling
// hops at the same depth) and makes one outbound request and one LLM chat,
// while each helper hop makes one of each of its own. Every hop is billed
// once under its own id (the second sibling is not dropped as a duplicate
// of the first), and each token and outbound request once, in the hop
// that used it (a child's tokens are not added to its parent's receipt):
// the caller, who allows 2 PHA for hop prices, pays exactly three prices,
// three call fees, three request fees and the token fee of three chats.
func TestRedTeamHopBilling(t *testing.T) {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("x")) }))
	t.Cleanup(server.Close)
	d, c := startDevnet(t, devnet.Options{Workers: 2, Gatekeepers: 1, Cluster: true,
		Agents: pruntime.AgentRuntime{Router: llm.NewRouter(fixedTokens{}), Egress: egress.Policy{AllowHosts: []string{strings.TrimPrefix(server.URL, "http://")}}, Limits: sandbox.Limits{Time: 10 * time.Second * raceSlowdown}}}, nil)
	ctx := context.Background()
	alice, _ := d.Keyring.PrivKey("alice")
	bob, _ := d.Keyring.PrivKey("bob")
	cl := waitDevnetCluster(t, c)
	deploy := func(file string, price pha.Amount) [32]byte {
		t.Helper()
		return deployAgentFile(t, c, alice, [32]byte(cl.ID), file, agents.Policy{Kind: agents.PolicyPublic}, price)
	}
	helper := deploy("testdata/agents/fetcher.js", pha.Whole(1))
	parent := deploy("testdata/agents/fanout.js", pha.Whole(2))
	if _, err := c.Send(ctx, bob, pha.Amount{}, "", &agents.MsgDeposit{Amount: pha.Whole(10)}); err != nil {
		t.Fatal(err)
	}
	args, _ := json.Marshal(map[string]string{"server": server.URL, "helper": hex.EncodeToString(helper[:])})
	endpoint := d.Workers[1].Endpoint()
	eventually(t, "the call once the escrow is visible", func() (bool, error) {
		r, err := c.CallAgent(ctx, bob, endpoint, parent, "POST", "/", args, client.MaxHopPrice(pha.Whole(2)))
		if err != nil && strings.Contains(err.Error(), "402") {
			return false, nil
		}
		return err == nil && string(r.Body) == "x|x", err
	})
	eventually(t, "the three hops settled", func() (bool, error) {
		h, err1 := c.Agent(ctx, helper)
		p, err2 := c.Agent(ctx, parent)
		return h.Calls+p.Calls >= 3, errors.Join(err1, err2)
	})
	h, _ := c.Agent(ctx, helper)
	p, _ := c.Agent(ctx, parent)
	if h.Calls != 2 || p.Calls != 1 {
		t.Fatalf("helper billed %d times and parent %d, want 2 and 1", h.Calls, p.Calls)
	}
	params := agents.DefaultParams()
	network, _ := params.NetworkFee(chatTokens, 1)
	perHop, _ := network.MulDiv(pha.Units(3), pha.Units(1))
	want, _ := pha.Whole(2 + 2*1).Add(perHop) // the parent's price and the helper's twice
	var esc agents.EscrowView
	c.Query(ctx, agents.EscrowPath(addrOf(bob)), &esc)
	if spent, _ := pha.Whole(10).Sub(esc.Balance); spent != want {
		t.Fatalf("bob paid %s for three hops with one outbound request each, want %s", spent.PHA(), want.PHA())
	}
}

// chatTokens is what every chat of fixedTokens uses.
const chatTokens = 1000

// fixedTokens is an LLM provider whose every chat uses chatTokens tokens.
type fixedTokens struct{}

func (fixedTokens) Name() string { return "fake" }

func (fixedTokens) Models(context.Context) ([]string, error) { return []string{"m"}, nil }

func (fixedTokens) Chat(context.Context, llm.ChatRequest, func(llm.Delta) error) (llm.ChatResponse, error) {
	return llm.ChatResponse{Model: "m", Content: "ok", FinishReason: "stop", Usage: llm.Usage{TotalTokens: chatTokens}}, nil
}
