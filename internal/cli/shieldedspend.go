package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/shielded/circuit"
	"github.com/phalanetwork/phala/shielded/note"
	"github.com/phalanetwork/phala/shielded/wallet"
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

// newSpendCmd completes cmd into send or unshield, "TARGET AMOUNT": it
// reads TARGET with parse, picks --from's notes for AMOUNT and the fee,
// loads kind's proving key, and sends the message prove makes, printing
// "<verb> in block N".
func newSpendCmd[T any](g *globals, from *string, cmd *cobra.Command, kind circuit.Kind, verb string,
	parse func(string) (T, error), prove func(p *spendPlan, to T, amount uint64) (tx.Msg, error)) *cobra.Command {
	var f shieldedFlags
	cmd.Args = cobra.ExactArgs(2)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		to, err := parse(args[0])
		if err != nil {
			return err
		}
		amount, err := units("amount", args[1])
		if err != nil {
			return err
		}
		p, err := g.planSpend(cmd.Context(), *from, &f, amount, kind)
		if err != nil {
			return err
		}
		m, err := prove(p, to, amount)
		return g.sendShielded(cmd.Context(), *from, verb, m, err)
	}
	f.register(cmd, true)
	return cmd
}

func newShieldedSendCmd(g *globals, from *string) *cobra.Command {
	return newSpendCmd(g, from, &cobra.Command{
		Use:   "send ZADDRESS AMOUNT",
		Short: "Send shielded PHA to a zpha1... address; amount and parties stay private",
		Long: `Spend one or two of --from's notes into a note of AMOUNT for ZADDRESS and a
change note back to --from's shielded address. The chain sees two
nullifiers, two new commitments and a proof: not who paid whom or how much.`,
		Example: "  phala shielded send $(phala shielded address --from bob) 40PHA --from alice",
	}, circuit.KindTransfer, "sent", note.ParseAddress, func(p *spendPlan, to note.Address, amount uint64) (tx.Msg, error) {
		pays := [2]wallet.Payment{{To: to, Value: amount}, {To: p.sk.Address(), Value: p.total - amount - p.fee}}
		return p.prover.Transfer(p.sk, p.spend, pays, p.fee, p.relayer, p.tree)
	})
}

func newShieldedUnshieldCmd(g *globals, from *string) *cobra.Command {
	return newSpendCmd(g, from, &cobra.Command{
		Use:   "unshield RECIPIENT AMOUNT",
		Short: "Pay shielded PHA out of the pool to a public account",
		Long: `Spend one or two of --from's notes into AMOUNT of public PHA for RECIPIENT (a
pha1... address or a key name) and a change note back to --from's shielded
address. The amount and recipient are public; which notes paid is not.`,
		Example: "  phala shielded unshield carol 15PHA --from bob",
	}, circuit.KindUnshield, "unshielded", func(s string) (address.Address, error) {
		return resolveAddress(g.openKeyring, s)
	}, func(p *spendPlan, to address.Address, amount uint64) (tx.Msg, error) {
		return p.prover.Unshield(p.sk, p.spend, to, p.relayer, amount, p.fee, p.tree)
	})
}
