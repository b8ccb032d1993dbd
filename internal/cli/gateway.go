package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/explorer"
	"github.com/phalanetwork/phala/gateway"
)

func newGatewayCmd(g *globals) *cobra.Command {
	var listen string
	cmd := &cobra.Command{
		Use:   "gateway",
		Short: "Run the public HTTP gateway: agent calls and the OpenAI-compatible AI router",
		Long: `Run a gateway in front of a network's workers. It routes /agents/<id>/... to
a healthy worker of the agent's cluster and /v1/chat/completions and /v1/models
to a healthy worker's AI router, retrying on another worker when one is down.
It checks callers (a signed request, or an API key registered on chain) before
forwarding; the worker's enclave checks them again. Bodies pass through
untouched, so a caller that encrypts end to end reveals nothing to it, and
every answer carries the serving worker's signature (check it with
phala verify).`,
		Example: `  phala gateway --node http://127.0.0.1:26657 --listen 127.0.0.1:8080`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger, ex, err := g.openExplorer("service", "explorer")
			if err != nil {
				return err
			}
			ctx, stop := signalContext(cmd.Context())
			defer stop()
			gw, err := gateway.Start(ctx, gateway.Options{NodeURL: g.node, Listen: listen, Logger: logger, Mount: ex.Mount})
			if err != nil {
				return err
			}
			fmt.Fprintf(g.out, "gateway %s (chain %s; explorer %s%s)\n", gw.URL(), g.node, gw.URL(), explorer.Prefix)
			<-ctx.Done()
			ex.Stop() // ends the explorer's live streams, so the server's shutdown need not wait for them
			return gw.Stop()
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:8080", "HTTP listen address")
	return cmd
}
