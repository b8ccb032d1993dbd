package cli

import (
	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/shielded/circuit"
)

func newShieldedUnshieldCmd(g *globals, from *string) *cobra.Command {
	var f shieldedFlags
	cmd := &cobra.Command{
		Use:   "unshield RECIPIENT AMOUNT",
		Short: "Pay shielded PHA out of the pool to a public account",
		Long: `Spend one or two of --from's notes into AMOUNT of public PHA for RECIPIENT (a
pha1... address or a key name) and a change note back to --from's shielded
address. The amount and recipient are public; which notes paid is not.`,
		Example: "  phala shielded unshield carol 15PHA --from bob",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			recipient, err := resolveAddress(g.openKeyring, args[0])
			if err != nil {
				return err
			}
			amount, err := units("amount", args[1])
			if err != nil {
				return err
			}
			p, err := g.planSpend(cmd.Context(), *from, &f, amount, circuit.KindUnshield)
			if err != nil {
				return err
			}
			m, err := p.prover.Unshield(p.sk, p.spend, recipient, p.relayer, amount, p.fee, p.tree)
			return g.sendShielded(cmd.Context(), *from, "unshielded", m, err)
		},
	}
	f.register(cmd, true)
	return cmd
}
