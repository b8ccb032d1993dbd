package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/client"
)

type statusView struct {
	ChainID     string    `json:"chain_id"`
	NodeID      string    `json:"node_id"`
	Moniker     string    `json:"moniker"`
	Height      int64     `json:"latest_height"`
	BlockTime   time.Time `json:"latest_block_time"`
	AppHash     string    `json:"latest_app_hash"`
	CatchingUp  bool      `json:"catching_up"`
	VotingPower int64     `json:"voting_power"`
}

func newStatusCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "status",
		Short:   "Show a node's chain id, height and sync state",
		Example: "  phala status --node http://127.0.0.1:26657 --output json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := client.New(g.node)
			if err != nil {
				return err
			}
			st, err := c.RPC.Status(cmd.Context())
			if err != nil {
				return fmt.Errorf("status of %s: %w (is a node running there?)", g.node, err)
			}
			v := statusView{
				ChainID: st.NodeInfo.Network, NodeID: string(st.NodeInfo.DefaultNodeID), Moniker: st.NodeInfo.Moniker,
				Height: st.SyncInfo.LatestBlockHeight, BlockTime: st.SyncInfo.LatestBlockTime,
				AppHash: st.SyncInfo.LatestAppHash.String(), CatchingUp: st.SyncInfo.CatchingUp,
				VotingPower: st.ValidatorInfo.VotingPower,
			}
			return g.print(v, func(w io.Writer) {
				fmt.Fprintf(w, "chain:       %s\nnode:        %s (%s)\nheight:      %d at %s\napp hash:    %s\ncatching up: %t\n",
					v.ChainID, v.Moniker, v.NodeID, v.Height, v.BlockTime.Format(time.RFC3339), v.AppHash, v.CatchingUp)
			})
		},
	}
}
