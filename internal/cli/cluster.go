package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/registry"
)

func newClusterCmd(g *globals) *cobra.Command {
	return newSignersCmd(&cobra.Command{
		Use:   "cluster",
		Short: "Create clusters of workers and manage their members",
	}, signsUsage+" (the cluster owner)", func(from *string) []*cobra.Command {
		return []*cobra.Command{newClusterCreateCmd(g, from), newClusterMemberCmd(g, from, false), newClusterMemberCmd(g, from, true)}
	})
}

func newClusterCreateCmd(g *globals, from *string) *cobra.Command {
	return newSendCmd(g, from, &cobra.Command{
		Use:     "create",
		Short:   "Create a cluster owned by --from",
		Example: "  phala cluster create --from alice",
		Args:    cobra.NoArgs,
	}, func(context.Context, []string) (tx.Msg, error) { return &clusters.MsgCreate{}, nil },
		g.reportf("cluster created in block %d; see it with: phala query clusters\n"))
}

// newClusterMemberCmd is "phala cluster add" or, with remove, "phala
// cluster remove".
func newClusterMemberCmd(g *globals, from *string, remove bool) *cobra.Command {
	use, short := "add CLUSTER_ID WORKER_ID", "Add a registered worker to a cluster; a gatekeeper then dispatches the cluster key to it"
	if remove {
		use, short = "remove CLUSTER_ID WORKER_ID", "Remove a worker from a cluster; the cluster moves to a new key epoch the worker never gets"
	}
	return newSendCmd(g, from, &cobra.Command{
		Use:     use,
		Short:   short,
		Example: fmt.Sprintf("  phala cluster %s 9c1e...04 5f1c...e2 --from alice", map[bool]string{false: "add", true: "remove"}[remove]),
		Args:    cobra.ExactArgs(2),
	}, func(_ context.Context, args []string) (tx.Msg, error) {
		cl, err := parseHex32(args[0], "cluster id")
		if err != nil {
			return nil, err
		}
		wk, err := registry.ParseWorkerID(args[1])
		if err != nil {
			return nil, err
		}
		return &clusters.MsgMember{Remove: remove, Cluster: cl, Worker: wk}, nil
	}, nil)
}

func newQueryClustersCmd(g *globals) *cobra.Command {
	return newListCmd(g, "query", "clusters", "List clusters: members, key epoch, public keys and which members hold the key",
		unproven(g, "the cluster list", (*client.Client).Clusters), "no clusters", func(w io.Writer, cl clusters.Cluster) {
			fmt.Fprintf(w, "%x  owner %s  epoch %d  members %d  holding the key %d\n", []byte(cl.ID), cl.Owner, cl.Epoch, len(cl.Members), len(cl.Holders))
		})
}
