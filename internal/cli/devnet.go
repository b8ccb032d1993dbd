package cli

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/chain/app"
	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/tee/teefake"
)

func newDevnetCmd(g *globals) *cobra.Command {
	o := devnet.Options{}
	var rtFlags runtimeFlags
	cmd := &cobra.Command{
		Use:   "devnet",
		Short: "Run a whole local network in one process",
		Long: `Run a local phala network in one process: a validator producing one block per
second, with dev accounts alice, bob and carol funded in the home's test
keyring, three sim-TEE workers (the first a gatekeeper holding the master key,
the other two in a cluster owned by alice, ready for contracts). State lives in --home (default ~/.phala, the CLI's default too) and survives
restarts; --reset starts a new chain and keeps the keys. While it runs,
<home>/client.json gives every phala command in that home the devnet's node,
gateway, cluster and test keyring, so no flags are needed. Ctrl-C stops it.`,
		Example: `  phala devnet
  phala devnet --home /tmp/dev --rpc-port 0 --reset
  phala keys list`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger, err := g.logger()
			if err != nil {
				return err
			}
			o.Home, o.Out, o.Logger = g.home, g.out, logger
			// The flags' 0 means none; Options' 0 means the default.
			if o.Workers == 0 {
				o.Workers = -1
				if !cmd.Flags().Changed("gatekeepers") {
					o.Gatekeepers = 0 // no workers, so no gatekeepers by default
				}
			}
			if o.Gatekeepers == 0 {
				o.Gatekeepers = -1
			}
			if o.Agents, err = rtFlags.runtime(g); err != nil {
				return err
			}
			if o.TEETestRoots {
				fmt.Fprint(g.errOut, teefake.Warning)
			}
			ctx, stop := signalContext(cmd.Context())
			defer stop()
			d, err := devnet.Start(ctx, o)
			if err != nil {
				return err
			}
			if err := printDevnet(cmd, g, d); err != nil {
				d.Stop()
				return err
			}
			// Once stopped, its ports are gone: the CLI goes back to its
			// own defaults.
			defer os.Remove(clientConfigPath(g.home))
			select {
			case <-ctx.Done():
				fmt.Fprintln(g.out, "stopping devnet")
				return d.Stop()
			case <-d.Node.Halted():
				return errors.Join(fmt.Errorf("devnet halted: %w", d.Node.HaltErr()), d.Stop())
			}
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.RPCPort, "rpc-port", 26657, "CometBFT RPC port on 127.0.0.1 (0 picks a free one)")
	f.BoolVar(&o.Reset, "reset", false, "delete the devnet's home and start a new chain")
	f.DurationVar(&o.BlockTime, "block-time", time.Second, "pause between blocks")
	f.Int64Var(&o.RetainBlocks, "retain-blocks", 0, fmt.Sprintf("keep only the last N blocks, pruning older ones as blocks commit, as phala node --retain-blocks does (0 keeps all; else at least %d); a worker started later joins from a checkpoint the gatekeepers sign", app.MinRetainBlocks))
	f.IntVar(&o.Workers, "workers", 3, "number of sim-TEE workers to run (0 for none)")
	f.BoolVar(&o.Cluster, "cluster", true, "on a new chain, make a cluster (owned by alice) of the workers that are not gatekeepers")
	f.IntVar(&o.Gatekeepers, "gatekeepers", 1, "how many of the workers become gatekeepers (0 for none)")
	f.StringVar(&o.OpsAddr, "ops-listen", "127.0.0.1:0", "address for /metrics, /healthz and /readyz (port 0 picks one; empty disables)")
	f.StringVar(&o.GatewayAddr, "gateway-listen", "127.0.0.1:0", "address of the gateway: agents and the OpenAI-compatible AI router (port 0 picks one; empty disables)")
	f.BoolVar(&o.TEETestRoots, "tee-test-roots", false, "FOR TESTS ONLY: on a new chain, trust the fake TDX/SEV-SNP hardware of `phala worker --tee-fake` (genesis tee_test_roots and the fake Intel and AMD chains' CRLs; its keys are public)")
	f.BoolVar(&o.EVM, "evm", false, "also run an in-process go-ethereum dev chain (a block a second, funded dev accounts; keys in <home>/evm/accounts.json)")
	f.BoolVar(&o.Shielded, "shielded", false, "on a new chain, set the shielded pool up with a single-party DEVNET setup (keys in <home>/shielded/; a real network uses the ceremony)")
	f.BoolVar(&o.ShieldedCeremony, "shielded-ceremony", false, "with --shielded, start the setup ceremony among the gatekeepers' enclaves on chain instead (slow at the real circuits' 2^16 domain; follow it with `phala shielded ceremony status`, then derive the proving keys with `phala shielded ceremony verify --write-keys`)")
	f.StringVar(&o.EVMAddr, "evm-listen", "127.0.0.1:0", "JSON-RPC address of the --evm dev chain (port 0 picks one)")
	rtFlags.register(f)
	return cmd
}

func printDevnet(cmd *cobra.Command, g *globals, d *devnet.Devnet) error {
	c, err := client.New(d.RPCURL)
	if err != nil {
		return err
	}
	w := g.out
	fmt.Fprintf(w, "\nphala devnet is running\n")
	fmt.Fprintf(w, "  chain id:  %s\n", devnet.ChainID)
	fmt.Fprintf(w, "  home:      %s\n", d.Home)
	fmt.Fprintf(w, "  rpc:       %s\n", d.RPCURL)
	if d.OpsURL != "" {
		fmt.Fprintf(w, "  metrics:   %s/metrics (health: /healthz, /readyz)\n", d.OpsURL)
	}
	if d.Gateway != nil {
		fmt.Fprintf(w, "  gateway:   %s (agents: /agents/<id>/..., OpenAI API: /v1/chat/completions, /v1/models)\n", d.Gateway.URL())
		fmt.Fprintf(w, "  explorer:  %s/explorer/\n", d.Gateway.URL())
	}
	fmt.Fprintf(w, "  accounts (keyring-backend test):\n")
	for _, name := range devnet.Accounts {
		info, err := d.Keyring.Get(name)
		if err != nil {
			return err
		}
		acct, err := c.Account(cmd.Context(), info.Address)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "    %-6s %s  %s\n", name, info.Address, acct.Balance.PHA())
	}
	printEVM(w, d)
	if rec, err := c.ShieldedCeremony(cmd.Context()); err == nil {
		fmt.Fprintf(w, "  shielded:  setup ceremony of %v among %d gatekeepers (phala shielded ceremony status)\n", rec.Circuits, rec.Wanted)
	} else if info, err := c.ShieldedInfo(cmd.Context()); err == nil && info.SetUp {
		fmt.Fprintf(w, "  shielded:  pool set up by a DEVNET setup in one process (never for real funds); proving keys in %s\n", filepath.Join(d.Home, devnet.ShieldedDir))
	}
	if len(d.Workers) > 0 {
		fmt.Fprintf(w, "  workers (sim TEE):\n")
		for _, wk := range d.Workers {
			fmt.Fprintf(w, "    %s  %s\n", wk.ID(), wk.Endpoint())
		}
	}
	return finishDevnetBanner(cmd, g, d)
}

// finishDevnetBanner waits for the devnet's cluster, prints it, writes the
// client config that points the CLI at this devnet, and prints commands
// that work as they stand.
func finishDevnetBanner(cmd *cobra.Command, g *globals, d *devnet.Devnet) error {
	w := g.out
	cfg := clientConfig{ChainID: devnet.ChainID, Node: d.RPCURL, KeyringBackend: "test"}
	if d.Gateway != nil {
		cfg.Gateway = d.Gateway.URL()
	}
	if len(d.Workers) > 0 {
		ctx, cancel := context.WithTimeout(cmd.Context(), 3*time.Minute)
		defer cancel()
		if id, ok := d.Cluster(ctx); ok {
			cfg.Cluster = hex.EncodeToString(id[:])
			fmt.Fprintf(w, "  cluster:   %s (owned by alice; agents and contracts deploy here)\n", cfg.Cluster)
		}
	}
	if err := writeClientConfig(d.Home, cfg); err != nil {
		return fmt.Errorf("write the client config: %w", err)
	}
	home := ""
	if d.Home != DefaultHome() {
		home = " --home " + d.Home
	}
	fmt.Fprintf(w, "\nphala commands%s now use this devnet (%s); try:\n", home, clientConfigPath(d.Home))
	fmt.Fprintf(w, "  phala tx transfer alice %s 1PHA --yes%s\n", mustAddr(d, "bob"), home)
	if cfg.Cluster != "" && cfg.Gateway != "" {
		fmt.Fprintf(w, "  phala agent init hello && phala agent deploy hello/agent.ts --from alice%s\n", home)
	}
	fmt.Fprintf(w, "Ctrl-C stops the devnet; its state stays in %s.\n", d.Home)
	return nil
}

func mustAddr(d *devnet.Devnet, name string) string {
	info, err := d.Keyring.Get(name)
	if err != nil {
		return name
	}
	return info.Address.String()
}
