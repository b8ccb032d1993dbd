package cli

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/keyring"
	"github.com/phalanetwork/phala/pha"
)

// msgFunc builds the one message a send command signs, from its arguments.
type msgFunc func(ctx context.Context, args []string) (tx.Msg, error)

// reportFunc prints what a send command committed; args are its arguments.
// Nil prints "committed in block N".
type reportFunc func(res *client.Committed, args []string) error

// newSendCmd completes cmd (its name, help and argument count) into a
// "sign and send one message" command: it builds the message with msg,
// signs it with the keyring key named by *from, sends it with the minimum
// fee, waits for its block and prints the result with report.
func newSendCmd(g *globals, from *string, cmd *cobra.Command, msg msgFunc, report reportFunc) *cobra.Command {
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		return runSend(cmd.Context(), g, *from, args, msg, report)
	}
	return cmd
}

// runSend is the run function of every newSendCmd command.
func runSend(ctx context.Context, g *globals, from string, args []string, msg msgFunc, report reportFunc) error {
	m, err := msg(ctx, args)
	if err != nil {
		return err
	}
	res, err := g.sendFrom(ctx, from, m)
	if err != nil {
		return err
	}
	if report == nil {
		return g.printCommitted(res)
	}
	return report(res, args)
}

// reportf is a reportFunc that prints the result as JSON, or format with
// the block height as text.
func (g *globals) reportf(format string) reportFunc {
	return func(res *client.Committed, _ []string) error {
		return g.print(res, func(w io.Writer) { fmt.Fprintf(w, format, res.Height) })
	}
}

// signsUsage is the usage most commands give --from, the signing key.
const signsUsage = "key name or address that signs"

// fromFlag registers --from, the signing key, with signsUsage.
func fromFlag(fs *pflag.FlagSet, from *string) {
	fs.StringVar(from, "from", "", signsUsage)
}

// newSignersCmd completes cmd into a group of the commands that subs
// builds, which sign with the key that the group's --from (described by
// usage) names.
func newSignersCmd(cmd *cobra.Command, usage string, subs func(from *string) []*cobra.Command) *cobra.Command {
	from := new(string)
	cmd.PersistentFlags().StringVar(from, "from", "", usage)
	cmd.AddCommand(subs(from)...)
	return cmd
}

// keyFrom returns the private key of the keyring entry named (or
// addressed) by from.
func (g *globals) keyFrom(from string) (ed25519.PrivateKey, error) {
	if from == "" {
		return nil, fmt.Errorf("--from is required")
	}
	kr, info, err := g.findKey(from, "--from")
	if err != nil {
		return nil, err
	}
	return kr.PrivKey(info.Name)
}

// findKey opens the keyring and finds the entry named (or addressed) by
// name; flag, unless empty, names where name came from in the error.
func (g *globals) findKey(name, flag string) (*keyring.Keyring, keyring.Info, error) {
	kr, err := g.openKeyring()
	if err != nil {
		return nil, keyring.Info{}, err
	}
	info, err := kr.Find(name)
	if err != nil && flag != "" {
		err = fmt.Errorf("%s: %w", flag, err)
	}
	return kr, info, err
}

// signer returns the key named by from and a client of the node.
func (g *globals) signer(from string) (ed25519.PrivateKey, *client.Client, error) {
	key, err := g.keyFrom(from)
	if err != nil {
		return nil, nil, err
	}
	c, err := g.newClient()
	return key, c, err
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

// confirmFlags are the flags of the tx commands that ask before they send.
type confirmFlags struct {
	fee string
	yes bool
}

func (f *confirmFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.fee, "fee", "", "fee in PHA (default: the chain's minimum fee)")
	fs.BoolVarP(&f.yes, "yes", "y", false, "send without asking for confirmation")
}

// sendConfirmed asks question unless yes, then signs msg with the key of
// info in kr, sends it with fee and memo and waits for the block.
func (g *globals) sendConfirmed(ctx context.Context, kr *keyring.Keyring, info keyring.Info, fee pha.Amount, memo string, yes bool, question string, msg tx.Msg) (*client.Committed, error) {
	if !yes {
		ok, err := confirm(g.in, g.errOut, question)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("cancelled")
		}
	}
	key, err := kr.PrivKey(info.Name)
	if err != nil {
		return nil, err
	}
	c, err := client.New(g.node)
	if err != nil {
		return nil, err
	}
	return c.Send(ctx, key, fee, memo, msg)
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
