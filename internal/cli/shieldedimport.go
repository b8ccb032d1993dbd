package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

func newShieldedImportViewingKeyCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "import-viewing-key NAME HEX",
		Short:   "Store an exported viewing key under NAME, to scan that address's notes",
		Example: "  phala shielded import-viewing-key bob-audit 0a1b... && phala shielded balance --from bob-audit",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			kr, err := g.openKeyring()
			if err != nil {
				return err
			}
			addr, err := kr.ImportViewingKey(args[0], args[1])
			if err != nil {
				return err
			}
			a := shieldedAddress{Name: args[0], Address: addr.String()}
			return g.print(a, func(w io.Writer) { fmt.Fprintf(w, "imported viewing key %s for %s\n", a.Name, a.Address) })
		},
	}
}
