package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/pha"
)

// print writes v as JSON with --output json, or calls text otherwise.
func (g *globals) print(v any, text func(w io.Writer)) error {
	if g.output == "json" {
		enc := json.NewEncoder(g.out)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	text(g.out)
	return nil
}

// printCommitted prints a committed transaction as most tx commands do:
// the whole result as JSON, or its block as text.
func (g *globals) printCommitted(res *client.Committed) error {
	return g.print(res, func(w io.Writer) { fmt.Fprintf(w, "committed in block %d\n", res.Height) })
}

// printTxResult prints a committed transaction with its hash and fee, as
// the commands that ask before sending do; extra, if set, adds a line.
func (g *globals) printTxResult(res *client.Committed, extra string) error {
	return g.print(res, func(w io.Writer) {
		fmt.Fprintf(w, "committed in block %d\ntx hash: %s\nfee: %s\n", res.Height, res.Hash, res.Fee)
		if extra != "" {
			fmt.Fprintln(w, extra)
		}
	})
}

// client is a client of the node named by --node, its proven reads
// verified from the trusted root in --home (trust.go).
func (g *globals) client() (*client.Client, error) {
	return g.newClient()
}

// queryPrint reads one answer through a typed client method, e.g.
// (*client.Client).Workers, and prints it: as JSON, or through text.
func queryPrint[T any](ctx context.Context, g *globals, fetch func(*client.Client, context.Context) (T, error), text func(io.Writer, *T)) error {
	c, err := g.client()
	if err != nil {
		return err
	}
	v, err := fetch(c, ctx)
	if err != nil {
		return err
	}
	return g.print(v, func(w io.Writer) { text(w, &v) })
}

// newFetchCmd completes cmd (its name, help and argument count) into a
// read-only command that prints what fetch reads, as queryPrint does.
func newFetchCmd[T any](g *globals, cmd *cobra.Command, fetch func(*client.Client, context.Context) (T, error), text func(io.Writer, *T)) *cobra.Command {
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		return queryPrint(cmd.Context(), g, fetch, text)
	}
	return cmd
}

// newShowCmd is "phala PARENT USE", a read-only command of no arguments
// whose example asks for JSON; it prints what fetch reads.
func newShowCmd[T any](g *globals, parent, use, short string, fetch func(*client.Client, context.Context) (T, error), text func(io.Writer, *T)) *cobra.Command {
	return newFetchCmd(g, &cobra.Command{
		Use:     use,
		Short:   short,
		Example: "  phala " + parent + " " + use + " --output json",
		Args:    cobra.NoArgs,
	}, fetch, text)
}

// noteUnproven says on stderr that what is printed is the node's answer,
// read without a proof: lists and computed views have none, and a reader
// of the output must not take them for the proven records other commands
// print.
func (g *globals) noteUnproven(what string) {
	fmt.Fprintf(g.errOut, "note: %s is the node's answer (%s), read without a proof\n", what, g.node)
}

// unproven is fetch, noting first that its answer is not proven.
func unproven[T any](g *globals, what string, fetch func(*client.Client, context.Context) (T, error)) func(*client.Client, context.Context) (T, error) {
	return func(c *client.Client, ctx context.Context) (T, error) {
		g.noteUnproven(what)
		return fetch(c, ctx)
	}
}

// newListCmd is a newShowCmd that prints a list: one line per item, or
// none for an empty list.
func newListCmd[T any](g *globals, parent, use, short string, fetch func(*client.Client, context.Context) ([]T, error), none string, line func(io.Writer, T)) *cobra.Command {
	return newShowCmd(g, parent, use, short, fetch, func(w io.Writer, list *[]T) { printItems(w, *list, none, line) })
}

// newFetchByCmd is a read-only command of one argument, with the help
// use, short and example: it reads the argument with parse before it
// connects, then prints what fetch reads for it, as queryPrint does.
func newFetchByCmd[A, T any](g *globals, use, short, example string, parse func(string) (A, error), fetch func(*client.Client, context.Context, A) (T, error), text func(io.Writer, *T)) *cobra.Command {
	return &cobra.Command{
		Use: use, Short: short, Example: example, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := parse(args[0])
			if err != nil {
				return err
			}
			return queryPrint(cmd.Context(), g, func(c *client.Client, ctx context.Context) (T, error) { return fetch(c, ctx, a) }, text)
		},
	}
}

// printList queries path for a JSON list and prints it as printListOf does.
func printList[T any](ctx context.Context, g *globals, c *client.Client, path, none string, line func(io.Writer, T)) error {
	return printListOf(ctx, g, c, func(c *client.Client, ctx context.Context) ([]T, error) {
		var list []T
		_, err := c.Query(ctx, path, &list)
		return list, err
	}, none, line)
}

// printListOf reads a list through a typed client method, e.g.
// (*client.Client).Agents, and prints it: the list as JSON, or one line per
// item as text (none, if not empty, for an empty list).
func printListOf[T any](ctx context.Context, g *globals, c *client.Client, fetch func(*client.Client, context.Context) ([]T, error), none string, line func(io.Writer, T)) error {
	list, err := fetch(c, ctx)
	if err != nil {
		return err
	}
	return g.print(list, func(w io.Writer) { printItems(w, list, none, line) })
}

// printItems writes one line per item, or none (if not empty) for an empty
// list.
func printItems[T any](w io.Writer, list []T, none string, line func(io.Writer, T)) {
	if len(list) == 0 && none != "" {
		fmt.Fprintln(w, none)
	}
	for _, item := range list {
		line(w, item)
	}
}

// withField is v's JSON object with one more field.
func withField(v any, name string, field any) (map[string]json.RawMessage, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%T is not a JSON object: %w", v, err)
	}
	if m[name], err = json.Marshal(field); err != nil {
		return nil, err
	}
	return m, nil
}

// formatShares writes share units (a decimal string) as shares.
func formatShares(units string) string {
	a, err := pha.Parse(units)
	if err != nil {
		return units
	}
	return strings.TrimSuffix(a.PHA(), pha.Denom)
}

// percent writes basis points as a percentage with two decimals.
func percent(bps uint32) string { return fmt.Sprintf("%d.%02d%%", bps/100, bps%100) }

// bundled bundles the contract or agent at file and says how big it came
// out on stderr, as upload, deploy and upgrade do before sending it.
func (g *globals) bundled(file string) ([]byte, error) {
	code, err := BundleFile(file)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(g.errOut, "bundled %s: %d KiB; uploading...\n", file, (len(code)+1023)/1024)
	return code, nil
}
