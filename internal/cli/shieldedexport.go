package cli

import (
	"encoding/hex"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// viewingKeyExport is export-viewing-key's JSON answer.
type viewingKeyExport struct {
	Address    string `json:"address"`
	ViewingKey string `json:"viewing_key"`
}

func newShieldedExportViewingKeyCmd(g *globals, from *string) *cobra.Command {
	return &cobra.Command{
		Use:   "export-viewing-key",
		Short: "Print the viewing key of an account's shielded address, for an auditor",
		Long: `Print (hex) the viewing key of --from's shielded address. Whoever holds it sees
the notes sent to that one address, amounts included, and nothing else: it
cannot spend them, nor see which were spent, nor open anyone else's notes.`,
		Example: "  phala shielded export-viewing-key --from bob\n  phala shielded import-viewing-key bob-audit <hex> && phala shielded balance --from bob-audit",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sk, err := g.spendingKey(*from)
			if err != nil {
				return err
			}
			vk := sk.ViewingKey()
			e := viewingKeyExport{Address: vk.Address().String(), ViewingKey: hex.EncodeToString(vk.Bytes())}
			return g.print(e, func(w io.Writer) { fmt.Fprintln(w, e.ViewingKey) })
		},
	}
}
