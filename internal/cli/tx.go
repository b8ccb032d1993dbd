package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/keyring"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/pha"
)

func newTxCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tx",
		Short: "Sign and send transactions",
	}
	cmd.AddCommand(newTransferCmd(g), newGatekeeperBondCmd(g, false), newGatekeeperBondCmd(g, true))
	return cmd
}

// transferFlags are the flags of "phala tx transfer".
type transferFlags struct {
	confirmFlags
	memo string
}

func newTransferCmd(g *globals) *cobra.Command {
	var f transferFlags
	cmd := &cobra.Command{
		Use:   "transfer FROM TO AMOUNT",
		Short: "Send PHA from a key in your keyring to an address",
		Long: `Send PHA from a key in your keyring to another account, and wait until the
transfer is in a block. FROM is a key name (or its address); TO is an address
or a key name; AMOUNT is in PHA with the suffix ("1.5PHA") or in base units
(1 PHA = 10^12 units). The fee defaults to the chain's minimum.`,
		Example: `  phala tx transfer alice pha1q... 1.5PHA --yes
  phala tx transfer alice bob 250000000000 --fee 0.001PHA --memo "rent" --yes`,
		Args: cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTransfer(cmd.Context(), g, &f, args)
		},
	}
	f.register(cmd.Flags())
	cmd.Flags().StringVar(&f.memo, "memo", "", "a public note stored with the transaction (at most 256 bytes)")
	return cmd
}

func runTransfer(ctx context.Context, g *globals, f *transferFlags, args []string) error {
	amount, err := pha.Parse(args[2])
	if err != nil {
		return err
	}
	fee, err := parseFee(f.fee)
	if err != nil {
		return err
	}
	kr, from, err := g.findKey(args[0], "")
	if err != nil {
		return err
	}
	to, err := resolveAddress(func() (*keyring.Keyring, error) { return kr, nil }, args[1])
	if err != nil {
		return err
	}
	q := fmt.Sprintf("Send %s from %s (%s) to %s?", amount.PHA(), from.Name, from.Address, to)
	res, err := g.sendConfirmed(ctx, kr, from, fee, f.memo, f.yes, q, &balances.MsgTransfer{To: to, Amount: amount})
	if err != nil {
		return err
	}
	return g.printTxResult(res, "")
}
