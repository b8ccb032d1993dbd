package cli

import (
	"encoding/hex"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/registry"
)

func newClusterCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cluster",
		Short: "Create clusters of workers and manage their members",
	}
	var from string
	cmd.PersistentFlags().StringVar(&from, "from", "", "key name or address that signs (the cluster owner)")
	send := func(cmd *cobra.Command, msg tx.Msg) (*client.Committed, error) {
		return g.sendFrom(cmd.Context(), from, msg)
	}
	create := &cobra.Command{
		Use:     "create",
		Short:   "Create a cluster owned by --from",
		Example: "  phala cluster create --from alice --keyring-backend test --home ~/.phala/devnet",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, err := send(cmd, &clusters.MsgCreate{})
			if err != nil {
				return err
			}
			return g.print(res, func(w io.Writer) {
				fmt.Fprintf(w, "cluster created in block %d; see it with: phala query clusters\n", res.Height)
			})
		},
	}
	member := func(remove bool) *cobra.Command {
		use, short := "add CLUSTER_ID WORKER_ID", "Add a registered worker to a cluster; a gatekeeper then dispatches the cluster key to it"
		if remove {
			use, short = "remove CLUSTER_ID WORKER_ID", "Remove a worker from a cluster; the cluster moves to a new key epoch the worker never gets"
		}
		return &cobra.Command{
			Use:     use,
			Short:   short,
			Example: fmt.Sprintf("  phala cluster %s 9c1e...04 5f1c...e2 --from alice", map[bool]string{false: "add", true: "remove"}[remove]),
			Args:    cobra.ExactArgs(2),
			RunE: func(cmd *cobra.Command, args []string) error {
				cl, err := hex.DecodeString(args[0])
				if err != nil || len(cl) != 32 {
					return fmt.Errorf("cluster id must be 64 hex characters, got %q", args[0])
				}
				wk, err := registry.ParseWorkerID(args[1])
				if err != nil {
					return err
				}
				res, err := send(cmd, &clusters.MsgMember{Remove: remove, Cluster: [32]byte(cl), Worker: wk})
				if err != nil {
					return err
				}
				return g.print(res, func(w io.Writer) { fmt.Fprintf(w, "committed in block %d\n", res.Height) })
			},
		}
	}
	cmd.AddCommand(create, member(false), member(true))
	return cmd
}

func newQueryClustersCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "clusters",
		Short:   "List clusters: members, key epoch, public keys and which members hold the key",
		Example: "  phala query clusters --output json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := client.New(g.node)
			if err != nil {
				return err
			}
			var list []clusters.Cluster
			if _, err := c.Query(cmd.Context(), "/clusters/list", &list); err != nil {
				return err
			}
			return g.print(list, func(w io.Writer) {
				if len(list) == 0 {
					fmt.Fprintln(w, "no clusters")
				}
				for _, cl := range list {
					fmt.Fprintf(w, "%x  owner %s  epoch %d  members %d  holding the key %d\n", []byte(cl.ID), cl.Owner, cl.Epoch, len(cl.Members), len(cl.Holders))
				}
			})
		},
	}
}
