package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/shielded/circuit"
	"github.com/phalanetwork/phala/shielded/note"
)

func newShieldedShieldCmd(g *globals, from *string) *cobra.Command {
	var f shieldedFlags
	var to string
	cmd := &cobra.Command{
		Use:   "shield AMOUNT",
		Short: "Move public PHA of --from into the shielded pool as a note",
		Long: `Move AMOUNT of the --from account's public PHA into the pool as one note for the
account's own shielded address (or --to's). The amount is public; whose note
it is is not.`,
		Example: "  phala shielded shield 100PHA --from alice",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			amount, err := units("amount", args[0])
			if err != nil {
				return err
			}
			sk, err := g.spendingKey(*from)
			if err != nil {
				return err
			}
			dest := sk.Address()
			if to != "" {
				if dest, err = note.ParseAddress(to); err != nil {
					return fmt.Errorf("--to: %w", err)
				}
			}
			p, err := g.prover(g.keysDir(f.keysDir), circuit.KindShield)
			if err != nil {
				return err
			}
			m, err := p.Shield(dest, amount)
			return g.sendShielded(cmd.Context(), *from, "shielded", m, err)
		},
	}
	cmd.Flags().StringVar(&to, "to", "", "shielded address (zpha1...) to own the note (default: --from's)")
	f.register(cmd, false)
	return cmd
}
