package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
)

func newQueryKeysCmd(g *globals) *cobra.Command {
	return newShowCmd(g, "query", "keys", "Show the key hierarchy: master-key generation, gatekeepers and their bonds, rotation state and cluster epochs",
		unproven(g, "the key hierarchy", fetchKeys), printKeys)
}

// clusterEpoch is a cluster's line in "phala query keys".
type clusterEpoch struct {
	ID         keys.Hex `json:"id"`
	Epoch      uint64   `json:"epoch"`
	Generation uint64   `json:"generation"`
	Members    int      `json:"members"`
	Holders    int      `json:"holders"`
}

// keysView is what "phala query keys" prints.
type keysView struct {
	keys.State
	Clusters []clusterEpoch `json:"cluster_epochs"`
}

// fetchKeys reads the key hierarchy and every cluster's key epoch.
func fetchKeys(c *client.Client, ctx context.Context) (keysView, error) {
	st, err := c.KeyState(ctx)
	if err != nil {
		return keysView{}, err
	}
	cls, err := c.Clusters(ctx)
	if err != nil {
		return keysView{}, err
	}
	out := keysView{State: st, Clusters: []clusterEpoch{}}
	for _, cl := range cls {
		out.Clusters = append(out.Clusters, clusterEpoch{cl.ID, cl.Epoch, cl.Generation, len(cl.Members), len(cl.Holders)})
	}
	return out, nil
}

func printKeys(w io.Writer, out *keysView) {
	st := &out.State
	if st.Generation == nil {
		fmt.Fprintln(w, "generation:  none yet (waiting for the first gatekeeper)")
	} else {
		fmt.Fprintf(w, "generation:  %d (since height %d)\nsign key:    %x\necdh key:    %x\n", st.Generation.Number, st.Generation.Height, []byte(st.Generation.SignKey), []byte(st.Generation.ECDHKey))
	}
	auth := "the DAO (" + st.Governor.String() + ")"
	if !st.Authority.IsZero() {
		auth += " and the genesis (devnet) authority " + st.Authority.String()
	}
	fmt.Fprintf(w, "rotation:    %s\nauthority:   %s\ngatekeepers: %d\n", st.Rotation, auth, len(st.Gatekeepers))
	for _, gk := range st.Gatekeepers {
		fmt.Fprintf(w, "  %x  added at %d  holds key: %t  bonded: %s\n", []byte(gk.Worker), gk.Added, gk.Holds, gk.Bonded.PHA())
		if gk.RejoinHeight != 0 {
			fmt.Fprintf(w, "      asked for the whole history again at height %d\n", gk.RejoinHeight)
		}
		if gk.ExcludedForCause != "" {
			fmt.Fprintf(w, "      excluded for cause: %s\n", gk.ExcludedForCause)
		}
		for _, u := range gk.Unbonding {
			fmt.Fprintf(w, "      unbonding %s, back to the operator at height %d\n", u.Amount.PHA(), u.Release)
		}
	}
	fmt.Fprintf(w, "election:    top %d by bond, ties by id; unbond delay %d blocks; bonds held by %s\n", st.Params.MaxGatekeepers, st.Params.UnbondDelay, st.BondAccount)
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
}

func newGovCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "gov",
		Short: "Governance: DAO proposals and votes; add-gatekeeper and rotate-keys by a devnet's genesis authority",
	}
	var from string
	cmd.AddCommand(newGovAddGatekeeperCmd(g, &from), newGovRotateKeysCmd(g, &from))
	cmd.AddCommand(newDAOCmds(g)...)
	return cmd
}

// authorityFlag registers --from for the commands the key authority signs.
func authorityFlag(cmd *cobra.Command, from *string) *cobra.Command {
	cmd.Flags().StringVar(from, "from", "authority", "key name or address of the key authority")
	return cmd
}

func newGovAddGatekeeperCmd(g *globals, from *string) *cobra.Command {
	return authorityFlag(newSendCmd(g, from, &cobra.Command{
		Use:   "add-gatekeeper WORKER_ID",
		Short: "Make a registered worker a gatekeeper (signed by the key authority)",
		Long: `Make a registered worker a gatekeeper. The chain accepts it only from the
DAO (see 'phala gov propose add-gatekeeper') or from the bootstrapping
authority a devnet's genesis names (keys.authority). The first gatekeeper creates
the master key inside its enclave; later ones receive it, encrypted to them,
from a gatekeeper that holds it.`,
		Example: "  phala gov add-gatekeeper 5f1c...e2 --from authority",
		Args:    cobra.ExactArgs(1),
	}, func(_ context.Context, args []string) (tx.Msg, error) {
		id, err := registry.ParseWorkerID(args[0])
		return &keys.MsgAddGatekeeper{Worker: id}, err
	}, func(res *client.Committed, _ []string) error {
		return g.print(res, func(w io.Writer) { fmt.Fprintf(w, "gatekeeper added in block %d (tx %s)\n", res.Height, res.Hash) })
	}), from)
}

func newGovRotateKeysCmd(g *globals, from *string) *cobra.Command {
	return authorityFlag(newSendCmd(g, from, &cobra.Command{
		Use:   "rotate-keys",
		Short: "Start a master-key rotation (signed by the key authority)",
		Long: `Start a master-key rotation. The chain elects the new gatekeeper set (the
max_gatekeepers gatekeepers with the most PHA bonded, ties and unbonded ones
by gatekeeper id; see 'phala tx gatekeeper-bond'), each commits to a random
contribution, reveals it encrypted to the others, and all derive the new
master key from every contribution; the chain switches generation when every
member has confirmed, and key traffic to workers resumes two blocks later. A
rotation that stalls past rotation_timeout is aborted and retried without the
members that did not act. Follow it with 'phala query keys'.`,
		Example: "  phala gov rotate-keys --from authority",
		Args:    cobra.NoArgs,
	}, func(context.Context, []string) (tx.Msg, error) { return &keys.MsgRotate{}, nil },
		g.reportf("rotation started in block %d\n")), from)
}

// bondFlags are the flags of "phala tx gatekeeper-bond" and -unbond.
type bondFlags struct {
	confirmFlags
	from   string
	unbond bool
}

// newGatekeeperBondCmd is "phala tx gatekeeper-bond" or, with unbond,
// "phala tx gatekeeper-unbond".
func newGatekeeperBondCmd(g *globals, unbond bool) *cobra.Command {
	f := bondFlags{unbond: unbond}
	cmd := &cobra.Command{
		Use:   "gatekeeper-bond GATEKEEPER_ID AMOUNT",
		Short: "Bond PHA to a gatekeeper you operate; the most bonded gatekeepers are elected at each key rotation",
		Long: `Move AMOUNT of PHA from --from into the bond of a gatekeeper, and wait until
it is in a block. Only the operator in the gatekeeper's worker record may
bond. At each master-key rotation the chain elects the max_gatekeepers
gatekeepers with the most PHA bonded; equal bonds, and gatekeepers with none,
go by gatekeeper id. GATEKEEPER_ID is the worker id (64 hex characters, see
'phala query keys'); AMOUNT is in PHA with the suffix ("100PHA") or in base
units (1 PHA = 10^12 units). The fee defaults to the chain's minimum.`,
		Example: `  phala tx gatekeeper-bond 5f1c...e2 100PHA --from worker0 --yes
  phala tx gatekeeper-bond 5f1c...e2 2500PHA --from ops --fee 0.001PHA --output json`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runGatekeeperBond(cmd.Context(), g, &f, args)
		},
	}
	if unbond {
		cmd.Use = "gatekeeper-unbond GATEKEEPER_ID AMOUNT"
		cmd.Short = "Start unbonding PHA from a gatekeeper; it stops counting at once and returns after unbond_delay blocks"
		cmd.Long = `Take AMOUNT of PHA out of a gatekeeper's bond, and wait until it is in a
block. It stops counting toward the gatekeeper's election at once and returns
to the operator's account unbond_delay blocks later (a keys genesis param;
'phala query keys' shows it and each pending unbonding with its release
height). Only the operator that bonded may unbond, and at most what is bonded.
GATEKEEPER_ID and AMOUNT are as for 'phala tx gatekeeper-bond'.`
		cmd.Example = `  phala tx gatekeeper-unbond 5f1c...e2 40PHA --from worker0 --yes`
	}
	cmd.Flags().StringVar(&f.from, "from", "", "key name or address of the gatekeeper's operator (signs and pays)")
	f.register(cmd.Flags())
	return cmd
}

func runGatekeeperBond(ctx context.Context, g *globals, f *bondFlags, args []string) error {
	id, err := registry.ParseWorkerID(args[0])
	if err != nil {
		return err
	}
	amount, err := pha.Parse(args[1])
	if err != nil {
		return err
	}
	var msg tx.Msg = &keys.MsgBond{Gatekeeper: id, Amount: amount}
	if f.unbond {
		msg = &keys.MsgUnbond{Gatekeeper: id, Amount: amount}
	}
	if err := msg.ValidateBasic(); err != nil {
		return err
	}
	fee, err := parseFee(f.fee)
	if err != nil {
		return err
	}
	if f.from == "" {
		return fmt.Errorf("--from is required: the key of the gatekeeper's operator")
	}
	kr, info, err := g.findKey(f.from, "--from")
	if err != nil {
		return err
	}
	q := fmt.Sprintf("Bond %s from %s (%s) to gatekeeper %s?", amount.PHA(), info.Name, info.Address, id)
	extra := ""
	if f.unbond {
		q = fmt.Sprintf("Unbond %s from gatekeeper %s, back to %s (%s) after the unbond delay?", amount.PHA(), id, info.Name, info.Address)
		extra = "the PHA returns after unbond_delay blocks; see 'phala query keys'"
	}
	res, err := g.sendConfirmed(ctx, kr, info, fee, "", f.yes, q, msg)
	if err != nil {
		return err
	}
	return g.printTxResult(res, extra)
}
