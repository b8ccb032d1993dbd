package cli

import (
	"encoding/hex"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/shielded/note"
)

// shieldedAddress is address's and import-viewing-key's JSON answer.
type shieldedAddress struct {
	Name    string `json:"name"`
	Address string `json:"address"`
}

// viewingKeyExport is export-viewing-key's JSON answer.
type viewingKeyExport struct {
	Address    string `json:"address"`
	ViewingKey string `json:"viewing_key"`
}

// newSpendingKeyCmd completes cmd into a command of no arguments that
// prints what show makes of --from's shielded spending key: v as JSON, or
// line as text.
func newSpendingKeyCmd[T any](g *globals, from *string, cmd *cobra.Command, show func(sk note.SpendingKey) (v T, line string)) *cobra.Command {
	cmd.Args = cobra.NoArgs
	cmd.RunE = func(*cobra.Command, []string) error {
		sk, err := g.spendingKey(*from)
		if err != nil {
			return err
		}
		v, line := show(sk)
		return g.print(v, func(w io.Writer) { fmt.Fprintln(w, line) })
	}
	return cmd
}

func newShieldedAddressCmd(g *globals, from *string) *cobra.Command {
	return newSpendingKeyCmd(g, from, &cobra.Command{
		Use:     "address",
		Short:   "Print the shielded (zpha1...) address of an account key",
		Example: "  phala shielded address --from bob",
	}, func(sk note.SpendingKey) (shieldedAddress, string) {
		a := shieldedAddress{Name: *from, Address: sk.Address().String()}
		return a, a.Address
	})
}

func newShieldedExportViewingKeyCmd(g *globals, from *string) *cobra.Command {
	return newSpendingKeyCmd(g, from, &cobra.Command{
		Use:   "export-viewing-key",
		Short: "Print the viewing key of an account's shielded address, for an auditor",
		Long: `Print (hex) the viewing key of --from's shielded address. Whoever holds it sees
the notes sent to that one address, amounts included, and nothing else: it
cannot spend them, nor see which were spent, nor open anyone else's notes.`,
		Example: "  phala shielded export-viewing-key --from bob\n  phala shielded import-viewing-key bob-audit <hex> && phala shielded balance --from bob-audit",
	}, func(sk note.SpendingKey) (viewingKeyExport, string) {
		vk := sk.ViewingKey()
		e := viewingKeyExport{Address: vk.Address().String(), ViewingKey: hex.EncodeToString(vk.Bytes())}
		return e, e.ViewingKey
	})
}

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
