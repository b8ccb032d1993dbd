// Package cli implements the phala command line: one cobra command tree
// over the project's packages.
package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

// globals are the flags every command shares.
type globals struct {
	home           string
	node           string
	output         string
	keyringBackend string
	keyringDir     string
	trustHeight    int64
	trustHash      string
	logFormat      string
	logLevel       string
	out            io.Writer
	errOut         io.Writer
	in             io.Reader
}

// defaultNode is --node when neither the flag nor the home's client config
// names one.
const defaultNode = "http://127.0.0.1:26657"

// DefaultHome is where phala keeps its files when --home is not given.
func DefaultHome() string {
	h, err := os.UserHomeDir()
	if err != nil {
		return ".phala"
	}
	return filepath.Join(h, ".phala")
}

// NewRootCmd builds the phala command tree.
func NewRootCmd() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "phala",
		Short: "phala: a confidential-computing blockchain for private, verifiable AI agents",
		Long: `phala runs and talks to a Phala-style network: a CometBFT chain that carries
the PHA token, the registry of TEE workers and the key hierarchy; the workers
whose enclaves follow the chain through a light client and run confidential
JavaScript/TypeScript contracts and AI agents; the gatekeepers that own the
master key; and the gateway, with its OpenAI-compatible AI router. Workers mine
PHA in stake pools and vaults; PhalaDAO governs through proposals voted with
locked and staked PHA.

Start everything locally with:
  phala devnet`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	pf := root.PersistentFlags()
	pf.StringVar(&g.home, "home", DefaultHome(), "directory for config, data and keys (phala devnet's too; its client.json there gives the other flags' defaults)")
	pf.StringVar(&g.node, "node", defaultNode, "CometBFT RPC URL of a node (a running devnet's comes from <home>/client.json)")
	pf.StringVarP(&g.output, "output", "o", "text", "output format: text or json")
	pf.StringVar(&g.keyringBackend, "keyring-backend", "file", "keyring backend: file (encrypted) or test (unencrypted, for devnets)")
	pf.StringVar(&g.keyringDir, "keyring-dir", "", "directory holding the keyring (default: --home)")
	pf.Int64Var(&g.trustHeight, "trust-height", 0, "height of a header to trust for proven reads (with --trust-hash); replaces the root kept in --home")
	pf.StringVar(&g.trustHash, "trust-hash", "", "hash (hex) of the header at --trust-height")
	pf.StringVar(&g.logFormat, "log-format", "text", "log format: text or json")
	pf.StringVar(&g.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		g.out, g.errOut, g.in = cmd.OutOrStdout(), cmd.ErrOrStderr(), cmd.InOrStdin()
		if g.output != "text" && g.output != "json" {
			return fmt.Errorf("--output must be text or json, not %q", g.output)
		}
		if cmd.Name() == "devnet" {
			return nil // it writes the client config; a stale one must not steer it
		}
		return applyClientConfig(cmd, g.home)
	}
	root.AddCommand(
		newKeysCmd(g),
		newTxCmd(g),
		newQueryCmd(g),
		newStatusCmd(g),
		newInitCmd(g),
		newNodeCmd(g),
		newTestnetCmd(g),
		newDevnetCmd(g),
		newWorkerCmd(g),
		newGovCmd(g),
		newClusterCmd(g),
		newPoolCmd(g),
		newVaultCmd(g),
		newContractCmd(g),
		newAgentCmd(g),
		newEVMCmd(g),
		newGatewayCmd(g),
		newExplorerCmd(g),
		newVerifyCmd(g),
		newLLMCmd(g),
		newBenchCmd(g),
		newShieldedCmd(g),
	)
	return root
}

// Execute runs the command line and returns the process exit code.
func Execute() int {
	root := NewRootCmd()
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		return 1
	}
	return 0
}

// keyringHome is where the keyring lives: --keyring-dir, else --home.
func (g *globals) keyringHome() string {
	if g.keyringDir != "" {
		return g.keyringDir
	}
	return g.home
}
