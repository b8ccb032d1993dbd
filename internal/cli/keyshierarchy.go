package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/registry"
)

func newQueryKeysCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "keys",
		Short:   "Show the key hierarchy: master-key generation, gatekeepers, rotation state and cluster epochs",
		Example: "  phala query keys --output json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := client.New(g.node)
			if err != nil {
				return err
			}
			var st keys.State
			if _, err := c.Query(cmd.Context(), "/keys/state", &st); err != nil {
				return err
			}
			var cls []clusters.Cluster
			if _, err := c.Query(cmd.Context(), "/clusters/list", &cls); err != nil {
				return err
			}
			type clusterEpoch struct {
				ID         keys.Hex `json:"id"`
				Epoch      uint64   `json:"epoch"`
				Generation uint64   `json:"generation"`
				Members    int      `json:"members"`
				Holders    int      `json:"holders"`
			}
			out := struct {
				keys.State
				Clusters []clusterEpoch `json:"cluster_epochs"`
			}{State: st, Clusters: []clusterEpoch{}}
			for _, cl := range cls {
				out.Clusters = append(out.Clusters, clusterEpoch{cl.ID, cl.Epoch, cl.Generation, len(cl.Members), len(cl.Holders)})
			}
			return g.print(out, func(w io.Writer) {
				if st.Generation == nil {
					fmt.Fprintln(w, "generation:  none yet (waiting for the first gatekeeper)")
				} else {
					fmt.Fprintf(w, "generation:  %d (since height %d)\nsign key:    %x\necdh key:    %x\n", st.Generation.Number, st.Generation.Height, []byte(st.Generation.SignKey), []byte(st.Generation.ECDHKey))
				}
				fmt.Fprintf(w, "rotation:    %s\nauthority:   %s\ngatekeepers: %d\n", st.Rotation, st.Authority, len(st.Gatekeepers))
				for _, gk := range st.Gatekeepers {
					fmt.Fprintf(w, "  %x  added at %d  holds key: %t\n", []byte(gk.Worker), gk.Added, gk.Holds)
				}
				if st.Running != nil {
					fmt.Fprintf(w, "running:     round %d to generation %d, phase %s, deadline height %d\n", st.Running.Round, st.Running.Generation, st.Running.Phase, st.Running.Deadline)
				}
				if st.ResumeHeight > 0 {
					fmt.Fprintf(w, "key traffic: resumes (resumed) at height %d\n", st.ResumeHeight)
				}
				fmt.Fprintf(w, "clusters:    %d\n", len(out.Clusters))
				for _, cl := range out.Clusters {
					fmt.Fprintf(w, "  %x  epoch %d of generation %d  %d/%d members hold the key\n", []byte(cl.ID), cl.Epoch, cl.Generation, cl.Holders, cl.Members)
				}
			})
		},
	}
}

func newGovCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "gov",
		Short: "Governance actions (a placeholder authority until the DAO lands)",
	}
	var from string
	add := &cobra.Command{
		Use:   "add-gatekeeper WORKER_ID",
		Short: "Make a registered worker a gatekeeper (signed by the key authority)",
		Long: `Make a registered worker a gatekeeper. The chain accepts it only from the
key authority named in genesis (keys.authority). The first gatekeeper creates
the master key inside its enclave; later ones receive it, encrypted to them,
from a gatekeeper that holds it.`,
		Example: "  phala gov add-gatekeeper 5f1c...e2 --from authority --keyring-backend test --home ~/.phala/devnet",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := registry.ParseWorkerID(args[0])
			if err != nil {
				return err
			}
			res, err := g.sendFrom(cmd.Context(), from, &keys.MsgAddGatekeeper{Worker: id})
			if err != nil {
				return err
			}
			return g.print(res, func(w io.Writer) { fmt.Fprintf(w, "gatekeeper added in block %d (tx %s)\n", res.Height, res.Hash) })
		},
	}
	add.Flags().StringVar(&from, "from", "authority", "key name or address of the key authority")
	rotate := &cobra.Command{
		Use:   "rotate-keys",
		Short: "Start a master-key rotation (signed by the key authority)",
		Long: `Start a master-key rotation. The chain elects the new gatekeeper set (the
gatekeepers in the order they were added, up to max_gatekeepers), each commits
to a random contribution, reveals it encrypted to the others, and all derive
the new master key from every contribution; the chain switches generation when
every member has confirmed, and key traffic to workers resumes two blocks
later. A rotation that stalls past rotation_timeout is aborted and retried
without the members that did not act. Follow it with 'phala query keys'.`,
		Example: "  phala gov rotate-keys --from authority --keyring-backend test --home ~/.phala/devnet",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, err := g.sendFrom(cmd.Context(), from, &keys.MsgRotate{})
			if err != nil {
				return err
			}
			return g.print(res, func(w io.Writer) { fmt.Fprintf(w, "rotation started in block %d\n", res.Height) })
		},
	}
	rotate.Flags().StringVar(&from, "from", "authority", "key name or address of the key authority")
	cmd.AddCommand(add, rotate)
	return cmd
}
