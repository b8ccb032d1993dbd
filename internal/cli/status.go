package cli

import (
	"context"
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
	return newFetchCmd(g, &cobra.Command{
		Use:     "status",
		Short:   "Show a node's chain id, height and sync state",
		Example: "  phala status --node http://127.0.0.1:26657 --output json",
		Args:    cobra.NoArgs,
	}, func(c *client.Client, ctx context.Context) (statusView, error) {
		st, err := c.RPC.Status(ctx)
		if err != nil {
			return statusView{}, fmt.Errorf("status of %s: %w (is a node running there?)", g.node, err)
		}
		return statusView{
			ChainID: st.NodeInfo.Network, NodeID: string(st.NodeInfo.DefaultNodeID), Moniker: st.NodeInfo.Moniker,
			Height: st.SyncInfo.LatestBlockHeight, BlockTime: st.SyncInfo.LatestBlockTime,
			AppHash: st.SyncInfo.LatestAppHash.String(), CatchingUp: st.SyncInfo.CatchingUp,
			VotingPower: st.ValidatorInfo.VotingPower,
		}, nil
	}, func(w io.Writer, v *statusView) {
		fmt.Fprintf(w, "chain:       %s\nnode:        %s (%s)\nheight:      %d at %s\napp hash:    %s\ncatching up: %t\n",
			v.ChainID, v.Moniker, v.NodeID, v.Height, v.BlockTime.Format(time.RFC3339), v.AppHash, v.CatchingUp)
	})
}
