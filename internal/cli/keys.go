package cli

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/keyring"
)

// PassphraseEnv names the environment variable that, when set, supplies every
// keyring passphrase instead of a prompt.
const PassphraseEnv = "PHALA_KEYRING_PASSPHRASE"

// maxKeyImportSize bounds what keys import reads: an export is well under 1 KiB.
const maxKeyImportSize = 1 << 20

// openKeyring opens the keyring selected by --home and --keyring-backend.
// Passphrases come from PHALA_KEYRING_PASSPHRASE when it is set, otherwise
// from a prompt written to stderr and answered with a line on stdin.
func (g *globals) openKeyring() (*keyring.Keyring, error) {
	return g.openKeyringWith("")
}

// openKeyringWith is openKeyring with an optional passphrase file, used when
// PHALA_KEYRING_PASSPHRASE is not set.
func (g *globals) openKeyringWith(passFile string) (*keyring.Keyring, error) {
	return keyring.Open(g.keyringHome(), g.keyringBackend, passphraseFunc(g.in, g.errOut, passFile))
}

// passphraseFunc builds the keyring's passphrase source: the environment
// variable PHALA_KEYRING_PASSPHRASE if set, else the first line of passFile
// if given, else a prompt on errOut read as one line from in (asked twice
// when a new passphrase is chosen).
func passphraseFunc(in io.Reader, errOut io.Writer, passFile string) keyring.PassphraseFunc {
	return func(prompt string, confirm bool) ([]byte, error) {
		if v, ok := os.LookupEnv(PassphraseEnv); ok {
			return []byte(v), nil
		}
		if passFile != "" {
			data, err := os.ReadFile(passFile)
			if err != nil {
				return nil, fmt.Errorf("passphrase file: %w", err)
			}
			line, _, _ := bytes.Cut(data, []byte("\n"))
			return bytes.TrimSuffix(line, []byte("\r")), nil
		}
		if errOut == nil {
			errOut = io.Discard
		}
		fmt.Fprint(errOut, prompt)
		pw, err := readPassphrase(in)
		if err != nil {
			return nil, err
		}
		if confirm {
			fmt.Fprint(errOut, "Repeat passphrase: ")
			again, err := readPassphrase(in)
			if err != nil {
				return nil, err
			}
			if !bytes.Equal(pw, again) {
				return nil, errors.New("passphrases do not match: try again")
			}
		}
		return pw, nil
	}
}

var errNoPassphrase = errors.New("no passphrase given: set " + PassphraseEnv + ", pass --passphrase-file, or type it when asked")

// readPassphrase reads one passphrase line from in.
func readPassphrase(in io.Reader) ([]byte, error) {
	pw, err := readInputLine(in)
	if errors.Is(err, io.EOF) {
		return nil, errNoPassphrase
	}
	return pw, err
}

// readInputLine reads one line from r, a byte at a time so that nothing after
// the line is consumed (later prompts read the following lines). The newline,
// and a carriage return before it, are dropped. It returns io.EOF when r (nil
// included) holds nothing more.
func readInputLine(r io.Reader) ([]byte, error) {
	if r == nil {
		return nil, io.EOF
	}
	var line []byte
	var b [1]byte
	for {
		n, err := r.Read(b[:])
		if n == 1 {
			if b[0] == '\n' {
				break
			}
			line = append(line, b[0])
			continue
		}
		if errors.Is(err, io.EOF) {
			if len(line) == 0 {
				return nil, io.EOF
			}
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read input: %w", err)
		}
	}
	return bytes.TrimSuffix(line, []byte("\r")), nil
}

func newKeysCmd(g *globals) *cobra.Command {
	var passFile string
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Manage the account keys in the local keyring",
		Long: `Manage the ed25519 account keys kept in the local keyring.

Keys live in <home>/keyring-<backend>/, one JSON file per key. The backend is
chosen with --keyring-backend:

  file  (default) each key's secret is encrypted with a passphrase (scrypt and
        XChaCha20-Poly1305). Names, addresses and public keys stay readable, so
        list and show need no passphrase.
  test  keys are stored unencrypted. For devnets and tests only: never hold
        real funds in it.

Passphrases are taken from the environment variable PHALA_KEYRING_PASSPHRASE
when it is set, else from the first line of --passphrase-file when given, else
asked on the terminal (the typed passphrase is not hidden). With the variable
or the file, the same passphrase answers every question, including both the
export passphrase and the storage passphrase during an import.`,
		Example: `  phala keys add alice
  phala keys list
  phala keys show alice
  phala keys export alice > alice.key
  phala keys import alice alice.key --keyring-backend test`,
	}
	cmd.PersistentFlags().StringVar(&passFile, "passphrase-file", "", "read passphrases from the first line of this file (when "+PassphraseEnv+" is not set)")
	open := func() (*keyring.Keyring, error) { return g.openKeyringWith(passFile) }
	cmd.AddCommand(
		newKeysAddCmd(g, open),
		newKeysListCmd(g, open),
		newKeysShowCmd(g, open),
		newKeysExportCmd(g, open),
		newKeysImportCmd(g, open),
		newKeysDeleteCmd(g, open),
	)
	return cmd
}

// keyringOpener opens the keyring that the keys commands manage.
type keyringOpener func() (*keyring.Keyring, error)

// runE is a cobra RunE that opens the keyring, then runs fn with it.
func (open keyringOpener) runE(fn func(kr *keyring.Keyring, args []string) error) func(*cobra.Command, []string) error {
	return func(_ *cobra.Command, args []string) error {
		kr, err := open()
		if err != nil {
			return err
		}
		return fn(kr, args)
	}
}

// printKeyInfo writes one key as JSON or as "field: value" lines.
func printKeyInfo(g *globals, info keyring.Info, headline string) error {
	return g.print(info, func(w io.Writer) {
		if headline != "" {
			fmt.Fprintln(w, headline)
		}
		fmt.Fprintf(w, "name:    %s\naddress: %s\npubkey:  %s\n", info.Name, info.Address, keyPubKeyText(info))
	})
}

func keyPubKeyText(info keyring.Info) string {
	// The same base64 form the JSON output uses.
	return base64.StdEncoding.EncodeToString(info.PubKey)
}

func warnTestKeyring(g *globals, kr *keyring.Keyring) {
	if kr.Backend() == keyring.BackendTest {
		fmt.Fprintln(g.errOut, "warning: the test keyring is unencrypted; never hold real funds in it")
	}
}

func newKeysAddCmd(g *globals, open keyringOpener) *cobra.Command {
	return &cobra.Command{
		Use:   "add NAME",
		Short: "Create a new random key",
		Long: `Create a new random ed25519 key and store it in the keyring under NAME.

NAME is 1 to 64 letters, digits, '_' or '-', and must not be taken. With the
file backend a passphrase is asked twice to encrypt the key. There is no
mnemonic: back the key up with "phala keys export NAME".`,
		Example: `  phala keys add alice
  PHALA_KEYRING_PASSPHRASE=... phala keys add alice --output json
  phala keys add devkey --keyring-backend test`,
		Args: cobra.ExactArgs(1),
		RunE: open.runE(func(kr *keyring.Keyring, args []string) error {
			warnTestKeyring(g, kr)
			info, err := kr.Add(args[0])
			if err != nil {
				return err
			}
			if err := printKeyInfo(g, info, fmt.Sprintf("Added key %q to the %s keyring (%s).", info.Name, kr.Backend(), kr.Dir())); err != nil {
				return err
			}
			if g.output != "json" {
				fmt.Fprintf(g.out, "Back it up with: phala keys export %s > %s.key\n", info.Name, info.Name)
			}
			return nil
		}),
	}
}

func newKeysListCmd(g *globals, open keyringOpener) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the keys in the keyring",
		Long: `List every key in the keyring, sorted by name, with its address.
No passphrase is needed. With --output json each entry also has the public
key (base64).`,
		Example: `  phala keys list
  phala keys list --output json
  phala keys list --keyring-backend test`,
		Args: cobra.NoArgs,
		RunE: open.runE(func(kr *keyring.Keyring, args []string) error {
			infos, err := kr.List()
			if err != nil {
				return err
			}
			return g.print(infos, func(w io.Writer) {
				if len(infos) == 0 {
					fmt.Fprintf(w, "No keys in %s. Create one with: phala keys add NAME\n", kr.Dir())
					return
				}
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "NAME\tADDRESS")
				for _, info := range infos {
					fmt.Fprintf(tw, "%s\t%s\n", info.Name, info.Address)
				}
				tw.Flush()
			})
		}),
	}
}

func newKeysShowCmd(g *globals, open keyringOpener) *cobra.Command {
	var onlyAddress bool
	cmd := &cobra.Command{
		Use:   "show NAME|ADDRESS",
		Short: "Show a key's address and public key",
		Long: `Show the name, address and public key of a key, found by its name or by its
pha1 address. No passphrase is needed. --address prints only the address, for
use in scripts.`,
		Example: `  phala keys show alice
  phala keys show pha159wl49q022w75mxszd2y4sdx0yp2df7xfzz67r
  phala keys show alice --address
  phala keys show alice --output json`,
		Args: cobra.ExactArgs(1),
		RunE: open.runE(func(kr *keyring.Keyring, args []string) error {
			info, err := kr.Find(args[0])
			if err != nil {
				return err
			}
			if onlyAddress {
				fmt.Fprintln(g.out, info.Address)
				return nil
			}
			return printKeyInfo(g, info, "")
		}),
	}
	cmd.Flags().BoolVarP(&onlyAddress, "address", "a", false, "print only the address")
	return cmd
}

func newKeysExportCmd(g *globals, open keyringOpener) *cobra.Command {
	return &cobra.Command{
		Use:   "export NAME",
		Short: "Export a key, encrypted under a new passphrase",
		Long: `Print the key NAME to stdout as an armored JSON export, encrypted under a new
export passphrase (asked twice). With the file backend the key's own
passphrase is asked first. The export can be imported into any keyring and
backend with "phala keys import"; it and its passphrase together give full
control of the account, so keep them apart and safe.`,
		Example: `  phala keys export alice > alice.key
  phala keys export devkey --keyring-backend test > devkey.key`,
		Args: cobra.ExactArgs(1),
		RunE: open.runE(func(kr *keyring.Keyring, args []string) error {
			armor, err := kr.Export(args[0])
			if err != nil {
				return err
			}
			_, err = g.out.Write(armor)
			return err
		}),
	}
}

func newKeysImportCmd(g *globals, open keyringOpener) *cobra.Command {
	return &cobra.Command{
		Use:   "import NAME FILE",
		Short: "Import a key exported with \"phala keys export\"",
		Long: `Import the key exported in FILE (or stdin when FILE is -) under the name NAME.
The export passphrase is asked to decrypt it; with the file backend a
passphrase to store it is asked next (twice). NAME need not be the name the
key was exported under.

When the export comes on stdin, the passphrases cannot be typed there: set
PHALA_KEYRING_PASSPHRASE or use --passphrase-file.`,
		Example: `  phala keys import alice alice.key
  cat alice.key | PHALA_KEYRING_PASSPHRASE=... phala keys import alice -
  phala keys import devkey devkey.key --keyring-backend test`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, file := args[0], args[1]
			var (
				data []byte
				err  error
			)
			if file == "-" {
				if g.in == nil {
					return errors.New("import: no stdin to read the export from")
				}
				data, err = io.ReadAll(io.LimitReader(g.in, maxKeyImportSize))
			} else {
				var f *os.File
				f, err = os.Open(file)
				if err == nil {
					data, err = io.ReadAll(io.LimitReader(f, maxKeyImportSize))
					f.Close()
				}
			}
			if err != nil {
				return fmt.Errorf("import: read export: %w", err)
			}
			if len(strings.TrimSpace(string(data))) == 0 {
				return fmt.Errorf("import: %s is empty: give the file written by phala keys export", file)
			}
			kr, err := open()
			if err != nil {
				return err
			}
			warnTestKeyring(g, kr)
			info, err := kr.Import(name, data)
			if err != nil {
				return err
			}
			return printKeyInfo(g, info, fmt.Sprintf("Imported key %q into the %s keyring (%s).", info.Name, kr.Backend(), kr.Dir()))
		},
	}
}

func newKeysDeleteCmd(g *globals, open keyringOpener) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a key from the keyring",
		Long: `Delete the key NAME from the keyring. Unless --yes is given, asks for
confirmation (y/N) on stdin. Without an export of the key, the account and its
funds cannot be recovered afterwards.`,
		Example: `  phala keys delete alice
  phala keys delete devkey --yes --keyring-backend test`,
		Args: cobra.ExactArgs(1),
		RunE: open.runE(func(kr *keyring.Keyring, args []string) error {
			info, err := kr.Get(args[0])
			if err != nil {
				return err
			}
			if !yes {
				ok, err := confirm(g.in, g.errOut, fmt.Sprintf("Delete key %q (%s)? Without an export of it the account cannot be recovered.", info.Name, info.Address))
				if err != nil {
					return err
				}
				if !ok {
					return fmt.Errorf("key %q not deleted: answer y to confirm, or pass --yes", info.Name)
				}
			}
			if err := kr.Delete(info.Name); err != nil {
				return err
			}
			out := struct {
				Deleted bool   `json:"deleted"`
				Name    string `json:"name"`
				Address string `json:"address"`
			}{true, info.Name, info.Address.String()}
			return g.print(out, func(w io.Writer) {
				fmt.Fprintf(w, "Deleted key %q (%s).\n", info.Name, info.Address)
			})
		}),
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "delete without asking for confirmation")
	return cmd
}
