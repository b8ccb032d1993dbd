package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/testnet"
)

func newTestnetCmd(g *globals) *cobra.Command {
	o := testnet.Options{}
	var funds string
	cmd := &cobra.Command{
		Use:   "testnet",
		Short: "Write the homes of an N-validator network on this machine",
		Long: `Write N validator homes under --output, each with its own keys and ports,
sharing one genesis and listing each other as persistent peers. Start each with
'phala node --home DIR/nodeI'. Funded accounts go into node0's test keyring.`,
		Example: `  phala testnet --validators 4 --output ./net
  for i in 0 1 2 3; do phala node --home ./net/node$i & done
  phala status --node http://127.0.0.1:26658`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if o.AccountFunds, err = pha.Parse(funds); err != nil {
				return fmt.Errorf("--funds: %w", err)
			}
			homes, err := testnet.Generate(o)
			if err != nil {
				return err
			}
			return g.print(homes, func(w io.Writer) {
				for _, h := range homes {
					fmt.Fprintf(w, "%s  %s  p2p 127.0.0.1:%d  rpc %s  ops http://127.0.0.1:%d\n", h.Moniker, h.Dir, h.P2PPort, h.RPCURL(), h.OpsPort)
				}
				fmt.Fprintf(w, "accounts (in %s's test keyring): %s\n", homes[0].Moniker, strings.Join(o.Accounts, ", "))
			})
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.Validators, "validators", 4, "number of validators")
	f.StringVar(&o.Dir, "output", "./testnet", "directory to write node0..nodeN-1 into")
	f.StringVar(&o.ChainID, "chain-id", "phala-testnet", "chain id")
	f.IntVar(&o.StartingPort, "starting-port", 26656, "p2p port of node0; node i uses port+2i for p2p, port+2i+1 for RPC and port+2N+i for metrics and health")
	f.DurationVar(&o.BlockTime, "block-time", time.Second, "pause between blocks")
	f.StringSliceVar(&o.Accounts, "accounts", []string{"alice", "bob", "carol"}, "accounts to create and fund")
	f.StringVar(&funds, "funds", "10000000PHA", "genesis balance of each account")
	return cmd
}
