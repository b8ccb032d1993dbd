package cli

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/pruntime/agenthost"
)

func newEVMBridgeCmd(g *globals, _ *evmFlags) *cobra.Command {
	var from, gateway string
	var secrets []string
	var expires int64
	cmd := &cobra.Command{
		Use:   "bridge AGENT_ID",
		Short: "Let the agent's cluster answer EVM requests for it, paid from the owner's escrow",
		Long: `Bridge an agent: register an API key of the owner (--from) limited to the
agent, and set it in the agent's secrets as ` + agenthost.SecretEVMAPIKey + `.
The workers of the agent's cluster that run with --evm-rpc (every member of
a "phala devnet --evm" cluster does) then answer the anchors' requests for
the agent, each call billed as any call to the owner's escrow; without the
secret they refuse. The agent's other secrets stay: a worker of its cluster
(reached through --gateway) merges the one entry in its enclave, as
"phala agent secrets set --merge" does. With --expires the key, and the
bridge's billing with it, ends at that block height.`,
		Example: "  phala evm bridge 81a3...9e --from alice\n  phala evm bridge 81a3...9e --from alice --secret OPENAI_API_KEY=@key.txt",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runEVMBridge(cmd.Context(), g, from, gateway, args[0], expires, secrets)
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "the agent's owner, who pays for bridged calls (required)")
	cmd.Flags().StringVar(&gateway, "gateway", defaultGateway, "gateway URL, or a worker's endpoint, to reach the agent's cluster (a running devnet's comes from <home>/client.json)")
	cmd.Flags().StringArrayVar(&secrets, "secret", nil, "another secret NAME=VALUE to set as well; repeatable")
	cmd.Flags().Int64Var(&expires, "expires", 0, "block height at which the bridge's API key stops (0: never); bounds what the bridge can bill")
	cmd.MarkFlagRequired("from")
	return cmd
}

func runEVMBridge(ctx context.Context, g *globals, from, gateway, agentHex string, expires int64, extra []string) error {
	id, err := parseHex32(agentHex, "agent id")
	if err != nil {
		return err
	}
	vals, err := parseSecrets(extra)
	if err != nil {
		return err
	}
	key, c, err := g.signer(from)
	if err != nil {
		return err
	}
	apiKey, register := newAPIKey()
	register.Agent, register.Expires = id, expires
	if _, err := c.Send(ctx, key, pha.Amount{}, "evm bridge", register); err != nil {
		return fmt.Errorf("register the bridge's API key: %w", err)
	}
	vals[agenthost.SecretEVMAPIKey] = apiKey
	res, err := setSecretsOneByOne(ctx, c, key, gateway, id, vals, false)
	if err != nil {
		return fmt.Errorf("seal the bridge's API key: %w", err)
	}
	if err := g.awaitWorkers(ctx, c, res); err != nil {
		return err
	}
	return g.print(map[string]any{"agent": hex.EncodeToString(id[:]), "height": res.Height}, func(w io.Writer) {
		fmt.Fprintf(w, "agent %x bridged in block %d: its cluster's EVM-bridging workers answer its anchors' requests\n", id, res.Height)
	})
}
