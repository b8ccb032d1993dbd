package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/explorer"
)

func newExplorerCmd(g *globals) *cobra.Command {
	var listen, evmRPC string
	cmd := &cobra.Command{
		Use:   "explorer",
		Short: "Serve the web explorer of a network (blocks, accounts, workers, keys, agents)",
		Long: `Serve the explorer on its own: a web page embedded in the binary (it works
offline, with no CDN) that reads the chain through --node and updates live.
It shows blocks, transactions, accounts, TEE workers and their attestations,
gatekeepers and the master-key rotation, clusters, contracts, agents and the
PHA supply; never a sealed secret, command or output. With --evm-rpc its EVM
page lists the agents that chain's PhalaAnchor contracts ask and their last
requests, read from that endpoint (our chain records none of it).

phala devnet and phala gateway serve the same explorer at /explorer/
(phala devnet --evm with its dev chain's EVM page).`,
		Example: `  phala explorer --node http://127.0.0.1:26657 --listen 127.0.0.1:8081`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, ex, err := g.openExplorer()
			if err != nil {
				return err
			}
			if evmRPC != "" {
				if err := ex.SetEVM(evmRPC); err != nil {
					return err
				}
			}
			ctx, stop := signalContext(cmd.Context())
			defer stop()
			mux := http.NewServeMux()
			ex.Mount(mux)
			mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return fmt.Errorf("explorer: listen on %s: %w", listen, err)
			}
			srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
			errc := make(chan error, 1)
			go func() { errc <- srv.Serve(ln) }()
			fmt.Fprintf(g.out, "explorer http://%s%s (chain %s)\n", ln.Addr(), explorer.Prefix, g.node)
			select {
			case <-ctx.Done():
			case err := <-errc:
				return err
			}
			ex.Stop()
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:8081", "HTTP listen address")
	cmd.Flags().StringVar(&evmRPC, "evm-rpc", "", "JSON-RPC URL of an EVM chain whose PhalaAnchor requests the EVM page lists (docs/evm.md)")
	return cmd
}

// openExplorer returns the command's logger and an explorer over --node
// whose log lines carry attrs.
func (g *globals) openExplorer(attrs ...any) (*slog.Logger, *explorer.Explorer, error) {
	logger, err := g.logger()
	if err != nil {
		return nil, nil, err
	}
	ex, err := explorer.New(g.node, logger.With(attrs...))
	return logger, ex, err
}
