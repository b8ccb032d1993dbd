package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/crypto/address"
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

func newTransferCmd(g *globals) *cobra.Command {
	var feeStr, memo string
	var yes bool
	cmd := &cobra.Command{
		Use:   "transfer FROM TO AMOUNT",
		Short: "Send PHA from a key in your keyring to an address",
		Long: `Send PHA from a key in your keyring to another account, and wait until the
transfer is in a block. FROM is a key name (or its address); TO is an address
or a key name; AMOUNT is in PHA with the suffix ("1.5PHA") or in base units
(1 PHA = 10^12 units). The fee defaults to the chain's minimum.`,
		Example: `  phala tx transfer alice pha1q... 1.5PHA --home ~/.phala/devnet --keyring-backend test --yes
  phala tx transfer alice bob 250000000000 --fee 0.001PHA --memo "rent" --yes`,
		Args: cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			amount, err := pha.Parse(args[2])
			if err != nil {
				return err
			}
			var fee pha.Amount
			if feeStr != "" {
				if fee, err = pha.Parse(feeStr); err != nil {
					return fmt.Errorf("--fee: %w", err)
				}
			}
			kr, err := g.openKeyring()
			if err != nil {
				return err
			}
			from, err := kr.Find(args[0])
			if err != nil {
				return err
			}
			to, err := resolveAddress(func() (*keyring.Keyring, error) { return kr, nil }, args[1])
			if err != nil {
				return err
			}
			if !yes {
				ok, err := confirm(g.in, g.errOut, fmt.Sprintf("Send %s from %s (%s) to %s?", amount.PHA(), from.Name, from.Address, to))
				if err != nil {
					return err
				}
				if !ok {
					return fmt.Errorf("cancelled")
				}
			}
			key, err := kr.PrivKey(from.Name)
			if err != nil {
				return err
			}
			c, err := client.New(g.node)
			if err != nil {
				return err
			}
			res, err := c.Send(cmd.Context(), key, fee, memo, &balances.MsgTransfer{To: to, Amount: amount})
			if err != nil {
				return err
			}
			return g.print(res, func(w io.Writer) {
				fmt.Fprintf(w, "committed in block %d\ntx hash: %s\nfee: %s\n", res.Height, res.Hash, res.Fee)
			})
		},
	}
	cmd.Flags().StringVar(&feeStr, "fee", "", "fee in PHA (default: the chain's minimum fee)")
	cmd.Flags().StringVar(&memo, "memo", "", "a public note stored with the transaction (at most 256 bytes)")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "send without asking for confirmation")
	return cmd
}

// resolveAddress accepts a bech32 address or the name of a key in the
// keyring that open returns; the keyring is opened only for a name.
func resolveAddress(open func() (*keyring.Keyring, error), s string) (address.Address, error) {
	if strings.HasPrefix(s, address.Prefix+"1") {
		return address.Parse(s)
	}
	if kr, err := open(); err == nil {
		if info, err := kr.Find(s); err == nil {
			return info.Address, nil
		}
	}
	return address.Address{}, fmt.Errorf("%q is neither a pha1... address nor a key in the keyring", s)
}

// confirm asks a yes/no question on out and reads the answer from in. It
// reads byte by byte so that a passphrase piped after the answer stays
// unread for the next prompt.
func confirm(in io.Reader, out io.Writer, question string) (bool, error) {
	fmt.Fprintf(out, "%s [y/N] ", question)
	line, err := readInputLine(in)
	if err != nil && len(line) == 0 {
		return false, fmt.Errorf("no answer on standard input (use --yes to skip the question)")
	}
	switch strings.ToLower(strings.TrimSpace(string(line))) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}

// sendFrom signs msgs with the keyring key named (or addressed) by from,
// sends them in one transaction with the minimum fee and waits for the
// block.
func (g *globals) sendFrom(ctx context.Context, from string, msgs ...tx.Msg) (*client.Committed, error) {
	key, c, err := g.signer(from)
	if err != nil {
		return nil, err
	}
	return c.Send(ctx, key, pha.Amount{}, "", msgs...)
}
