package cli

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/modules/agents"
	"github.com/phalanetwork/phala/pha"
)

// newAgentOwnerCmds are the owner's operations on an agent that are one
// message each: pause, resume, set-price, set-policy and transfer.
func newAgentOwnerCmds(g *globals, af *agentFlags) []*cobra.Command {
	var pf policyFlags
	setPolicy := newAgentOwnerCmd(g, af, "set-policy AGENT_ID", "Replace who may call the agent (--policy, --allow, --policy-contract)", "  phala agent set-policy 81a3...9e --policy allowlist --allow pha1... --from alice", 1,
		func(id [32]byte, _ []string) (tx.Msg, error) {
			p, err := pf.policy()
			return &agents.MsgSetPolicy{Agent: id, Policy: p}, err
		})
	pf.register(setPolicy.Flags(), false)
	return []*cobra.Command{
		newAgentOwnerCmd(g, af, "pause AGENT_ID", "Refuse every call until resumed", "  phala agent pause 81a3...9e --from alice", 1,
			func(id [32]byte, _ []string) (tx.Msg, error) {
				return &agents.MsgSetPaused{Agent: id, Paused: true}, nil
			}),
		newAgentOwnerCmd(g, af, "resume AGENT_ID", "Serve calls again", "  phala agent resume 81a3...9e --from alice", 1,
			func(id [32]byte, _ []string) (tx.Msg, error) { return &agents.MsgSetPaused{Agent: id}, nil }),
		newAgentOwnerCmd(g, af, "set-price AGENT_ID AMOUNT", "Set the price per call paid to the owner", "  phala agent set-price 81a3...9e 0.5PHA --from alice", 2,
			func(id [32]byte, a []string) (tx.Msg, error) {
				amount, err := pha.Parse(a[0])
				return &agents.MsgSetPrice{Agent: id, Price: amount}, err
			}),
		setPolicy,
		newAgentOwnerCmd(g, af, "transfer AGENT_ID NEW_OWNER", "Hand the agent to another account", "  phala agent transfer 81a3...9e pha1... --from alice", 2,
			func(id [32]byte, a []string) (tx.Msg, error) {
				to, err := resolveAddress(g.openKeyring, a[0])
				return &agents.MsgTransfer{Agent: id, NewOwner: to}, err
			}),
	}
}

// newAgentOwnerCmd is an "AGENT_ID ARGS..." command that sends the message
// build makes from the agent id and the other nargs-1 arguments.
func newAgentOwnerCmd(g *globals, af *agentFlags, use, short, example string, nargs int, build func(id [32]byte, args []string) (tx.Msg, error)) *cobra.Command {
	return newSendCmd(g, &af.from, &cobra.Command{
		Use: use, Short: short, Example: example, Args: cobra.ExactArgs(nargs),
	}, func(_ context.Context, args []string) (tx.Msg, error) {
		id, err := parseHex32(args[0], "agent id")
		if err != nil {
			return nil, err
		}
		return build(id, args[1:])
	}, g.afterWorkers(context.Background(), nil))
}

// newAgentEscrowCmd is "phala agent deposit" or, with withdraw, "phala
// agent withdraw".
func newAgentEscrowCmd(g *globals, af *agentFlags, withdraw bool) *cobra.Command {
	use, short := "deposit AMOUNT", "Prepay into your escrow for agent calls and LLM use"
	if withdraw {
		use, short = "withdraw AMOUNT", "Take unspent PHA back from your escrow"
	}
	return newSendCmd(g, &af.from, &cobra.Command{
		Use: use, Short: short, Example: "  phala agent " + strings.Fields(use)[0] + " 10PHA --from bob", Args: cobra.ExactArgs(1),
	}, func(_ context.Context, args []string) (tx.Msg, error) {
		amount, err := pha.Parse(args[0])
		if err != nil {
			return nil, err
		}
		return &agents.MsgDeposit{Amount: amount, Withdraw: withdraw}, nil
	}, g.afterWorkers(context.Background(), nil))
}

func newAgentAPIKeyCmd(g *globals, af *agentFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "apikey", Short: "API keys for plain HTTP clients (OpenAI SDKs): only their hash is on chain"}
	cmd.AddCommand(newAgentAPIKeyCreateCmd(g, af), newSendCmd(g, &af.from, &cobra.Command{
		Use: "revoke KEY", Short: "Remove an API key", Example: "  phala agent apikey revoke phk-... --from bob", Args: cobra.ExactArgs(1),
	}, func(_ context.Context, args []string) (tx.Msg, error) {
		return &agents.MsgRevokeKey{Hash: sha256.Sum256([]byte(args[0]))}, nil
	}, g.afterWorkers(context.Background(), g.reportf("revoked in block %d\n"))))
	return cmd
}

// apiKeyFlags are the flags of "phala agent apikey create".
type apiKeyFlags struct {
	agent   string
	expires int64
}

func newAgentAPIKeyCreateCmd(g *globals, af *agentFlags) *cobra.Command {
	var f apiKeyFlags
	cmd := &cobra.Command{
		Use: "create", Short: "Make a random API key for --from, register its hash, and print the key once",
		Example: "  phala agent apikey create --from bob\n  phala agent apikey create --agent 81a3...9e --expires 100000 --from bob",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runAgentAPIKeyCreate(cmd.Context(), g, af.from, &f)
		},
	}
	cmd.Flags().StringVar(&f.agent, "agent", "", "limit the key to one agent")
	cmd.Flags().Int64Var(&f.expires, "expires", 0, "block height the key stops working at (0: never)")
	return cmd
}

// newAPIKey makes a random API key and the message that registers its
// hash (only the hash goes on chain).
func newAPIKey() (string, *agents.MsgRegisterKey) {
	raw := make([]byte, 24)
	rand.Read(raw)
	key := "phk-" + hex.EncodeToString(raw)
	return key, &agents.MsgRegisterKey{Hash: sha256.Sum256([]byte(key))}
}

func runAgentAPIKeyCreate(ctx context.Context, g *globals, from string, f *apiKeyFlags) error {
	key, msg := newAPIKey()
	msg.Expires = f.expires
	if f.agent != "" {
		id, err := parseHex32(f.agent, "--agent")
		if err != nil {
			return err
		}
		msg.Agent = id
	}
	signKey, c, err := g.signer(from)
	if err != nil {
		return err
	}
	res, err := c.Send(ctx, signKey, pha.Amount{}, "", msg)
	if err != nil {
		return err
	}
	if err := g.awaitWorkers(ctx, c, res); err != nil {
		return err
	}
	return g.print(map[string]any{"api_key": key, "height": res.Height}, func(w io.Writer) {
		fmt.Fprintf(w, "%s\n", key)
		fmt.Fprintln(g.errOut, "keep it: only its hash is on chain. Use it as: Authorization: Bearer <key>")
	})
}

func newAgentSecretsCmd(g *globals, af *agentFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "secrets", Short: "Manage an agent's secrets (sealed to the agent's key on this machine)"}
	var merge bool
	set := &cobra.Command{
		Use:   "set AGENT_ID NAME=VALUE...",
		Short: "Replace the agent's secrets (or, with --merge, set some and keep the others); handlers read them as request.secret.NAME",
		Long: `Replace the agent's secrets with the given NAME=VALUE pairs. They are sealed
to the agent's X25519 key here, before anything leaves this machine; the chain
keeps only the ciphertext and only the agent's enclaves open it. A value of
@FILE reads the value from FILE.

With --merge the other secrets stay: each pair goes, sealed, in a request you
sign to a worker of the agent's cluster (through --gateway), whose enclave
opens the stored secrets, sets the one entry and seals them again; its signed
answer is verified against the chain and you store the result on chain.`,
		Example: "  phala agent secrets set 81a3...9e OPENAI_API_KEY=@key.txt --from alice\n  phala agent secrets set 81a3...9e MODEL=gpt-4o --merge --from alice",
		Args:    cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if merge {
				return runAgentSecretsMerge(cmd.Context(), g, af, args[0], args[1:], false)
			}
			return runAgentSecretsSet(cmd.Context(), g, af.from, args)
		},
	}
	set.Flags().BoolVar(&merge, "merge", false, "set only these secrets and keep the agent's others (merged in a worker's enclave)")
	del := &cobra.Command{
		Use:     "delete AGENT_ID NAME...",
		Short:   "Delete some of the agent's secrets and keep the others (merged in a worker's enclave)",
		Example: "  phala agent secrets delete 81a3...9e OLD_KEY --from alice",
		Args:    cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAgentSecretsMerge(cmd.Context(), g, af, args[0], args[1:], true)
		},
	}
	cmd.AddCommand(set, del)
	return cmd
}

// runAgentSecretsMerge sets (or deletes) each named secret in turn through
// a worker's enclave, keeping the agent's others.
func runAgentSecretsMerge(ctx context.Context, g *globals, af *agentFlags, agentHex string, args []string, del bool) error {
	id, err := parseHex32(agentHex, "agent id")
	if err != nil {
		return err
	}
	vals := map[string]string{}
	if del {
		for _, n := range args {
			vals[n] = ""
		}
	} else if vals, err = parseSecrets(args); err != nil {
		return err
	}
	key, c, err := g.signer(af.from)
	if err != nil {
		return err
	}
	res, err := setSecretsOneByOne(ctx, c, key, af.gateway, id, vals, del)
	if err != nil {
		return err
	}
	if err := g.awaitWorkers(ctx, c, res); err != nil {
		return err
	}
	return g.print(res, func(w io.Writer) {
		fmt.Fprintf(w, "%d secret(s) %s, the others kept; stored in block %d\n", len(vals), map[bool]string{false: "set", true: "deleted"}[del], res.Height)
	})
}

// setSecretsOneByOne sets (or deletes) vals one entry at a time, each on
// the secrets the one before stored, in name order.
func setSecretsOneByOne(ctx context.Context, c *client.Client, key ed25519.PrivateKey, gateway string, id [32]byte, vals map[string]string, del bool) (*client.Committed, error) {
	var res *client.Committed
	for _, n := range slices.Sorted(maps.Keys(vals)) {
		var err error
		if res, err = c.SetAgentSecret(ctx, key, gateway, id, n, vals[n], del); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func runAgentSecretsSet(ctx context.Context, g *globals, from string, args []string) error {
	id, err := parseHex32(args[0], "agent id")
	if err != nil {
		return err
	}
	vals, err := parseSecrets(args[1:])
	if err != nil {
		return err
	}
	key, c, err := g.signer(from)
	if err != nil {
		return err
	}
	res, err := c.SetAgentSecrets(ctx, key, id, vals)
	if err != nil {
		return err
	}
	if err := g.awaitWorkers(ctx, c, res); err != nil {
		return err
	}
	return g.print(res, func(w io.Writer) {
		fmt.Fprintf(w, "%d secret(s) sealed and stored in block %d\n", len(vals), res.Height)
	})
}

// parseSecrets reads NAME=VALUE pairs; a value of @FILE is FILE's content
// without its trailing newlines.
func parseSecrets(pairs []string) (map[string]string, error) {
	vals := map[string]string{}
	for _, kv := range pairs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%q: want NAME=VALUE", kv)
		}
		if f, isFile := strings.CutPrefix(v, "@"); isFile {
			b, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			v = strings.TrimRight(string(b), "\n")
		}
		vals[k] = v
	}
	return vals, nil
}
