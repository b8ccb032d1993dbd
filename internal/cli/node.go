package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/chain/app"
	"github.com/phalanetwork/phala/node"
	"github.com/phalanetwork/phala/pha"
)

// signalContext is cancelled by Ctrl-C or SIGTERM.
func signalContext(parent context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
}

func newInitCmd(g *globals) *cobra.Command {
	var chainID, moniker string
	var accounts []string
	var funds string
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create a validator home with a single-validator genesis",
		Long: `Create config, node key, validator key and a genesis in --home. The new chain
has this node as its only validator; each name in --accounts becomes a key in
the home's keyring, funded at genesis. To join an existing network instead,
replace config/genesis.json with the network's and set persistent_peers in
config/config.toml.`,
		Example: `  phala init --home ./val --chain-id my-chain --accounts ops --keyring-backend test
  phala node --home ./val`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if node.IsInitialized(g.home) {
				return fmt.Errorf("%s already has a genesis; choose another --home or delete it", g.home)
			}
			perAccount, err := pha.Parse(funds)
			if err != nil {
				return fmt.Errorf("--funds: %w", err)
			}
			c := node.DefaultConfig()
			c.Moniker = moniker
			pub, err := node.InitFiles(g.home, c)
			if err != nil {
				return err
			}
			kr, err := g.openKeyring()
			if err != nil {
				return err
			}
			var accts []node.GenesisAccount
			for _, name := range accounts {
				info, err := kr.Ensure(name)
				if err != nil {
					return err
				}
				accts = append(accts, node.GenesisAccount{Name: name, Address: info.Address})
			}
			doc, err := node.NewGenesis(chainID, []node.GenesisValidator{{Name: moniker, PubKey: pub, Power: 10}}, accts, perAccount, app.DefaultParams())
			if err != nil {
				return err
			}
			if err := doc.SaveAs(filepath.Join(g.home, "config", "genesis.json")); err != nil {
				return fmt.Errorf("write genesis: %w", err)
			}
			return g.print(map[string]any{"home": g.home, "chain_id": chainID, "accounts": accts}, func(w io.Writer) {
				fmt.Fprintf(w, "initialised %s for chain %s\n", g.home, chainID)
				for _, a := range accts {
					fmt.Fprintf(w, "  %-10s %s  %s\n", a.Name, a.Address, perAccount.PHA())
				}
				fmt.Fprintf(w, "start it with: phala node --home %s\n", g.home)
			})
		},
	}
	cmd.Flags().StringVar(&chainID, "chain-id", "phala-local", "chain id of the new chain")
	cmd.Flags().StringVar(&moniker, "moniker", "validator", "name of this node")
	cmd.Flags().StringSliceVar(&accounts, "accounts", []string{"validator"}, "keys to create (if missing) and fund at genesis")
	cmd.Flags().StringVar(&funds, "funds", "1000000PHA", "genesis balance of each account")
	return cmd
}

func newNodeCmd(g *globals) *cobra.Command {
	var ops string
	var keep, retain, snapshots int64
	cmd := &cobra.Command{
		Use:   "node",
		Short: "Run a validator or full node from --home",
		Long: `Run CometBFT consensus with the phala application, from a home made by
'phala init' or 'phala testnet'. Ctrl-C or SIGTERM stops it cleanly; on restart
it resumes from its last committed block.`,
		Example: "  phala node --home ./testnet/node0 --log-format json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger, err := g.logger()
			if err != nil {
				return err
			}
			if !node.IsInitialized(g.home) {
				return fmt.Errorf("%s has no config/genesis.json: run 'phala init --home %s' first", g.home, g.home)
			}
			if keep != 0 && keep < app.MinKeepVersions {
				return fmt.Errorf("--keep-versions %d: want 0 (keep all) or at least %d", keep, app.MinKeepVersions)
			}
			if retain != 0 && retain < app.MinRetainBlocks {
				return fmt.Errorf("--retain-blocks %d: want 0 (keep all) or at least %d", retain, app.MinRetainBlocks)
			}
			ctx, stop := signalContext(cmd.Context())
			defer stop()
			n, err := node.Start(ctx, g.home, logger, nil)
			if err != nil {
				return err
			}
			if err := errors.Join(n.SetKeepVersions(keep), n.SetRetainBlocks(retain), n.SetSnapshotInterval(snapshots)); err != nil {
				n.Stop()
				return err
			}
			logger.Info("node started", "home", g.home, "rpc", n.RPCAddress())
			if ops == "" {
				ops = n.OpsAddress()
			}
			if ops != "none" {
				if _, err := n.ServeOps(ctx, ops); err != nil {
					n.Stop()
					return err
				}
			}
			select {
			case <-ctx.Done():
				logger.Info("stopping node")
				return n.Stop()
			case <-n.Halted():
				// A block failed the way it fails on every validator: exit
				// with the reason rather than sit at that height.
				return errors.Join(fmt.Errorf("node halted: %w", n.HaltErr()), n.Stop())
			}
		},
	}
	cmd.Flags().StringVar(&ops, "ops-listen", "", "address for /metrics (Prometheus), /healthz and /readyz (default: instrumentation.prometheus_listen_addr of config.toml; \"none\" disables)")
	cmd.Flags().Int64Var(&retain, "retain-blocks", 0, fmt.Sprintf("keep only the last N blocks, pruning older ones as blocks commit (0 keeps all; else at least %d); a worker that falls further behind, or starts later, joins from a checkpoint the gatekeepers sign", app.MinRetainBlocks))
	cmd.Flags().Int64Var(&snapshots, "snapshot-interval", 0, "serve state sync snapshots of the app state at every N-th height, so a new node joins without replaying the chain (0: none; keep at least N state versions)")
	cmd.Flags().Int64Var(&keep, "keep-versions", 0, fmt.Sprintf("keep only the last N versions of the app state, forgetting older ones as blocks commit (0 keeps all: an archive node, which the explorer's history needs; else at least %d)", app.MinKeepVersions))
	return cmd
}
