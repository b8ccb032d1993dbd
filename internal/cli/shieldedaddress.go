package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// shieldedAddress is address's JSON answer.
type shieldedAddress struct {
	Name    string `json:"name"`
	Address string `json:"address"`
}

func newShieldedAddressCmd(g *globals, from *string) *cobra.Command {
	return &cobra.Command{
		Use:     "address",
		Short:   "Print the shielded (zpha1...) address of an account key",
		Example: "  phala shielded address --from bob",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sk, err := g.spendingKey(*from)
			if err != nil {
				return err
			}
			a := shieldedAddress{Name: *from, Address: sk.Address().String()}
			return g.print(a, func(w io.Writer) { fmt.Fprintln(w, a.Address) })
		},
	}
}
