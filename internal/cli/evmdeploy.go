package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/evm/bindings"
	"github.com/phalanetwork/phala/internal/httpok"
	"github.com/phalanetwork/phala/worker"
)

func newEVMDeployCmd(g *globals, f *evmFlags) *cobra.Command {
	var agent string
	cmd := &cobra.Command{
		Use:   "deploy-anchor",
		Short: "Deploy the example consumer PriceOracle (a PhalaAnchor) for an agent, trusting the master EVM key",
		Long: `Deploy PriceOracle for --agent. It trusts the master EVM key of the chain's
current master-key generation, whose address a gatekeeper derives in its
enclave (GET /evm/master/<generation>). The address is recorded in
<home>/evm/anchor for the other phala evm commands.`,
		Example: "  phala evm deploy-anchor --agent 81a3...9e\n  phala evm deploy-anchor --agent 81a3...9e --evm-rpc http://127.0.0.1:8545 --evm-key deployer.key",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runEVMDeploy(cmd.Context(), g, f, agent)
		},
	}
	cmd.Flags().StringVar(&agent, "agent", "", "the agent the consumer asks (required)")
	cmd.MarkFlagRequired("agent")
	return cmd
}

func runEVMDeploy(ctx context.Context, g *globals, f *evmFlags, agentHex string) error {
	agent, err := parseHex32(agentHex, "--agent")
	if err != nil {
		return err
	}
	c, err := g.client()
	if err != nil {
		return err
	}
	master, gen, err := evmMaster(ctx, c)
	if err != nil {
		return err
	}
	conn, err := g.dialEVM(ctx, f)
	if err != nil {
		return err
	}
	defer conn.ec.Close()
	from, err := g.evmSigner(ctx, f, conn, "deployer")
	if err != nil {
		return err
	}
	addr, tx, _, err := bindings.DeployPriceOracle(from, conn.ec, master, gen, agent)
	if err != nil {
		return fmt.Errorf("deploy PriceOracle: %w", err)
	}
	if _, err := bind.WaitDeployed(ctx, conn.ec, tx); err != nil {
		return fmt.Errorf("deploy PriceOracle: wait for %s: %w", tx.Hash().Hex(), err)
	}
	if f.rpc == "" {
		if err := os.WriteFile(filepath.Join(g.evmDir(), devnet.EVMAnchorFile), []byte(addr.Hex()+"\n"), 0o600); err != nil {
			return fmt.Errorf("record the anchor: %w", err)
		}
	}
	return g.print(map[string]any{"anchor": addr.Hex(), "master": master.Hex(), "generation": gen, "tx": tx.Hash().Hex()}, func(w io.Writer) {
		fmt.Fprintf(w, "anchor %s (PriceOracle for agent %x)\n  master EVM key %s, generation %d\n", addr.Hex(), agent, master.Hex(), gen)
	})
}

// evmMaster asks the chain's gatekeepers, in turn, for the address of the
// master EVM key of the current generation.
func evmMaster(ctx context.Context, c *client.Client) (common.Address, uint64, error) {
	ks, err := c.KeyState(ctx)
	if err != nil {
		return common.Address{}, 0, err
	}
	if ks.Generation == nil {
		return common.Address{}, 0, fmt.Errorf("the chain has no master key yet (wait for the gatekeepers)")
	}
	gen := ks.Generation.Number
	s, err := client.AskGatekeepers(ctx, c, ks, func(endpoint string) (worker.EVMSigned, error) {
		return getEVMSigned(ctx, endpoint+strings.Replace(worker.PathEVMMaster, "{gen}", strconv.FormatUint(gen, 10), 1))
	})
	if err != nil {
		return common.Address{}, 0, fmt.Errorf("no gatekeeper gave the master EVM key of generation %d: %w", gen, err)
	}
	return s.Key, gen, nil
}

func getEVMSigned(ctx context.Context, url string) (worker.EVMSigned, error) {
	b, err := httpok.Get(ctx, http.DefaultClient, url, 1<<16)
	if err != nil {
		return worker.EVMSigned{}, fmt.Errorf("%s: %w", url, err)
	}
	var s worker.EVMSigned
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("%s: %w", url, err)
	}
	return s, nil
}
