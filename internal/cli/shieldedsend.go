package cli

import (
	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/shielded/circuit"
	"github.com/phalanetwork/phala/shielded/note"
	"github.com/phalanetwork/phala/shielded/wallet"
)

func newShieldedSendCmd(g *globals, from *string) *cobra.Command {
	var f shieldedFlags
	cmd := &cobra.Command{
		Use:   "send ZADDRESS AMOUNT",
		Short: "Send shielded PHA to a zpha1... address; amount and parties stay private",
		Long: `Spend one or two of --from's notes into a note of AMOUNT for ZADDRESS and a
change note back to --from's shielded address. The chain sees two
nullifiers, two new commitments and a proof: not who paid whom or how much.`,
		Example: "  phala shielded send $(phala shielded address --from bob) 40PHA --from alice",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			to, err := note.ParseAddress(args[0])
			if err != nil {
				return err
			}
			amount, err := units("amount", args[1])
			if err != nil {
				return err
			}
			p, err := g.planSpend(cmd.Context(), *from, &f, amount, circuit.KindTransfer)
			if err != nil {
				return err
			}
			pays := [2]wallet.Payment{{To: to, Value: amount}, {To: p.sk.Address(), Value: p.total - amount - p.fee}}
			m, err := p.prover.Transfer(p.sk, p.spend, pays, p.fee, p.relayer, p.tree)
			return g.sendShielded(cmd.Context(), *from, "sent", m, err)
		},
	}
	f.register(cmd, true)
	return cmd
}
