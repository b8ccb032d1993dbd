package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/keyring"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/shielded/wallet"
)

// shieldedBalance is balance's JSON answer.
type shieldedBalance struct {
	Address string     `json:"address"`
	Balance pha.Amount `json:"balance"`
	Notes   []noteView `json:"notes"`
	// ViewOnly is set for an imported viewing key: it sees the notes
	// received, not which were spent.
	ViewOnly bool `json:"view_only,omitempty"`
}

// noteView is one note as its owner sees it.
type noteView struct {
	Index uint64     `json:"index"`
	Value pha.Amount `json:"value"`
}

func newShieldedBalanceCmd(g *globals, from *string) *cobra.Command {
	return &cobra.Command{
		Use:   "balance",
		Short: "Scan the pool for an account's notes and print its shielded balance",
		Long: `Scan every sealed note in the pool with the account's viewing key and print the
unspent ones. With the name of an imported viewing key (import-viewing-key)
it prints the notes that key opens, received ones: a viewing key cannot tell
which of them were spent.`,
		Example: "  phala shielded balance --from bob",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if *from == "" {
				return fmt.Errorf("--from is required")
			}
			kr, err := g.openKeyring()
			if err != nil {
				return err
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			var b shieldedBalance
			var owned []wallet.Owned
			if _, ierr := kr.Find(*from); ierr == nil {
				sk, err := g.spendingKey(*from)
				if err != nil {
					return err
				}
				b.Address = sk.Address().String()
				if _, owned, err = notes(cmd.Context(), c, sk); err != nil {
					return err
				}
			} else if owned, b.Address, err = viewOnly(cmd, kr, c, *from); err != nil {
				return err
			} else {
				b.ViewOnly = true
			}
			var total uint64
			b.Notes = []noteView{}
			for _, o := range owned {
				total += o.Note.Value
				b.Notes = append(b.Notes, noteView{Index: o.Index, Value: pha.Units(o.Note.Value)})
			}
			b.Balance = pha.Units(total)
			return g.print(b, func(w io.Writer) {
				what := "shielded balance"
				if b.ViewOnly {
					what = "received (view-only key: spent notes not known)"
				}
				fmt.Fprintf(w, "%s\n%s: %s in %d notes\n", b.Address, what, b.Balance.PHA(), len(b.Notes))
			})
		},
	}
}

// viewOnly scans with the imported viewing key name (the keyring holds
// no account of that name).
func viewOnly(cmd *cobra.Command, kr *keyring.Keyring, c *client.Client, name string) ([]wallet.Owned, string, error) {
	vk, err := kr.ViewingKey(name)
	if err != nil {
		return nil, "", fmt.Errorf("--from %q: neither an account key nor an imported viewing key: %w", name, err)
	}
	leaves, err := c.ShieldedLeaves(cmd.Context())
	if err != nil {
		return nil, "", err
	}
	return wallet.Scan(vk, leaves), vk.Address().String(), nil
}
