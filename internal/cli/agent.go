package cli

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/pha"
)

// defaultGateway is --gateway when neither the flag nor the home's client
// config names one.
const defaultGateway = "http://127.0.0.1:8080"

// agentFlags are the flags every "phala agent" command shares.
type agentFlags struct {
	from    string
	gateway string
}

func newAgentCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Write, run, deploy, call and manage AI agent contracts",
		Long: `AI agents are TypeScript or JavaScript handlers (export default async function
main(request) returning {status, body, headers}; agents written for Phala's
ai-agent-template run unchanged) that run inside TEE workers, with fetch, an
LLM router (llm.chat), agents.call, a KV store and a log only the owner reads.

Start with: phala agent init my-agent && phala agent dev my-agent/agent.ts
See docs/agents.md.`,
	}
	f := &agentFlags{}
	fromFlag(cmd.PersistentFlags(), &f.from)
	cmd.PersistentFlags().StringVar(&f.gateway, "gateway", defaultGateway, "gateway URL (a running devnet's comes from <home>/client.json)")
	cmd.AddCommand(newAgentInitCmd(g), newAgentDevCmd(g), newAgentDeployCmd(g, f), newAgentUpgradeCmd(g, f),
		newAgentCallCmd(g, f), newAgentSecretsCmd(g, f), newAgentLogsCmd(g, f), newAgentInfoCmd(g))
	cmd.AddCommand(newAgentOwnerCmds(g, f)...)
	cmd.AddCommand(newAgentEscrowCmd(g, f, false), newAgentEscrowCmd(g, f, true), newAgentAPIKeyCmd(g, f))
	return cmd
}

// policyFlags are the flags that say who may call an agent.
type policyFlags struct {
	kind, contract string
	allow          []string
}

// register adds --policy, --allow and --policy-contract; long adds the
// hints deploy gives.
func (p *policyFlags) register(fs *pflag.FlagSet, long bool) {
	kind, allow, contract := "owner, allowlist, public or contract", "account allowed to call; repeatable", "confidential contract that decides"
	if long {
		kind, allow, contract = "who may call: "+kind, "account allowed to call (with --policy allowlist); repeatable", contract+" (with --policy contract)"
	}
	fs.StringVar(&p.kind, "policy", agents.PolicyOwner, kind)
	fs.StringArrayVar(&p.allow, "allow", nil, allow)
	fs.StringVar(&p.contract, "policy-contract", "", contract)
}

// policy is the agents.Policy the flags describe.
func (p *policyFlags) policy() (agents.Policy, error) {
	pol := agents.Policy{Kind: p.kind}
	for _, a := range p.allow {
		ad, err := address.Parse(a)
		if err != nil {
			return pol, fmt.Errorf("--allow %q: %w", a, err)
		}
		pol.Allow = append(pol.Allow, ad)
	}
	if p.contract != "" {
		id, err := parseHex32(p.contract, "--policy-contract")
		if err != nil {
			return pol, err
		}
		pol.Contract = id[:]
	}
	return pol, nil
}

// deployFlags are the flags of "phala agent deploy".
type deployFlags struct {
	policyFlags
	cluster, price string
}

func newAgentDeployCmd(g *globals, af *agentFlags) *cobra.Command {
	var f deployFlags
	cmd := &cobra.Command{
		Use:   "deploy FILE --cluster CLUSTER_ID",
		Short: "Bundle an agent (esbuild, in-process), store its code and create the agent",
		Example: `  phala agent deploy my-agent/agent.ts --cluster 9c1e...04 --policy public --price 0.01PHA --from alice
  phala agent deploy agent.ts --cluster 9c1e...04 --policy allowlist --allow pha1... --from alice`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAgentDeploy(cmd.Context(), g, af, &f, args)
		},
	}
	cmd.Flags().StringVar(&f.cluster, "cluster", "", "cluster to run the agent in (see: phala query clusters)")
	f.register(cmd.Flags(), true)
	cmd.Flags().StringVar(&f.price, "price", "0", "price per call paid to you, e.g. 0.01PHA")
	return cmd
}

func runAgentDeploy(ctx context.Context, g *globals, af *agentFlags, f *deployFlags, args []string) error {
	code, err := g.bundled(args[0])
	if err != nil {
		return err
	}
	cl, err := parseHex32(f.cluster, "--cluster")
	if err != nil {
		return err
	}
	pol, err := f.policy()
	if err != nil {
		return err
	}
	amount, err := pha.Parse(f.price)
	if err != nil {
		return fmt.Errorf("--price: %w", err)
	}
	up, err := g.uploadCode(ctx, af.from, code)
	if err != nil {
		return err
	}
	hash := up.hash
	id, res, err := up.client.DeployAgent(ctx, up.key, hash, cl, pol, amount)
	if err != nil {
		return err
	}
	if err := g.awaitWorkers(ctx, up.client, res); err != nil {
		return err
	}
	out := map[string]any{"agent": hex.EncodeToString(id[:]), "code_hash": hex.EncodeToString(hash[:]), "height": res.Height}
	// A call costs at least the call fee from the caller's escrow: say how
	// to fund it when the deployer's is empty.
	ev, err := up.client.Escrow(ctx, address.FromPubKey(up.key.Public().(ed25519.PublicKey)))
	unfunded := err == nil && ev.Balance.IsZero()
	return g.print(out, func(w io.Writer) {
		fmt.Fprintf(w, "agent %x deployed in block %d (code %x)\n", id, res.Height, hash)
		if unfunded {
			fmt.Fprintf(w, "fund calls: phala agent deposit 1PHA --from %s%s\n", af.from, g.hintFlags(af))
		}
		fmt.Fprintf(w, "call it:    phala agent call %x / --from %s%s\n", id, af.from, g.hintFlags(af))
	})
}

// hintFlags are the flags a printed command needs to reach what this one
// reached: those that differ from what the home's client config gives.
func (g *globals) hintFlags(af *agentFlags) string {
	cfg, _ := loadClientConfig(g.home)
	var s string
	if g.home != DefaultHome() {
		s += " --home " + g.home
	}
	if cfg.KeyringBackend == "" && g.keyringBackend != "file" {
		s += " --keyring-backend " + g.keyringBackend
	}
	if cfg.Node != g.node && g.node != defaultNode {
		s += " --node " + g.node
	}
	if cfg.Gateway != af.gateway && af.gateway != defaultGateway {
		s += " --gateway " + af.gateway
	}
	return s
}

func newAgentUpgradeCmd(g *globals, af *agentFlags) *cobra.Command {
	return &cobra.Command{
		Use: "upgrade AGENT_ID FILE", Short: "Bundle and store new code and point the agent at it",
		Example: "  phala agent upgrade 81a3...9e my-agent/agent.ts --from alice", Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAgentUpgrade(cmd.Context(), g, af.from, args)
		},
	}
}

func runAgentUpgrade(ctx context.Context, g *globals, from string, args []string) error {
	id, err := parseHex32(args[0], "agent id")
	if err != nil {
		return err
	}
	code, err := BundleFile(args[1])
	if err != nil {
		return err
	}
	up, err := g.uploadCode(ctx, from, code)
	if err != nil {
		return err
	}
	hash := up.hash
	res, err := up.client.Send(ctx, up.key, pha.Amount{}, "", &agents.MsgUpgrade{Agent: id, Code: hash})
	if err != nil {
		return err
	}
	return g.print(res, func(w io.Writer) { fmt.Fprintf(w, "agent now runs code %x (block %d)\n", hash, res.Height) })
}

func newAgentInfoCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "info [AGENT_ID]", Short: "Show an agent (owner, code versions, policy, price, calls and fees), or list all",
		Example: "  phala agent info 81a3...9e --output json", Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAgentInfo(cmd.Context(), g, args)
		},
	}
}

func runAgentInfo(ctx context.Context, g *globals, args []string) error {
	c, err := g.client()
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return printListOf(ctx, g, c, unproven(g, "the agent list", (*client.Client).Agents), "", func(w io.Writer, a agents.AgentView) {
			fmt.Fprintf(w, "%x  owner %s  policy %s  price %s  calls %d  paused %v\n", []byte(a.ID), a.Owner, a.Policy.Kind, a.Price.PHA(), a.Calls, a.Paused)
		})
	}
	id, err := parseHex32(args[0], "agent id")
	if err != nil {
		return err
	}
	a, _, err := c.ProvenAgent(ctx, id)
	if err != nil {
		return err
	}
	// Secrets stay ciphertext; show only whether there are any.
	view := a
	view.Secrets = nil
	return g.print(view, func(w io.Writer) {
		fmt.Fprintf(w, "agent      %x\nowner      %s\ncluster    %x\ncode       %x\npolicy     %s %v\nprice      %s\npaused     %v\ncalls      %d\nfees       %s\nsecrets    %v (sealed to epoch %d)\n",
			[]byte(a.ID), a.Owner, []byte(a.Cluster), []byte(a.Code), a.Policy.Kind, a.Policy.Allow, a.Price.PHA(), a.Paused, a.Calls, a.Fees.PHA(), len(a.Secrets) > 0, a.SecretsEpoch)
	})
}
