package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/pha"
)

// printList queries path for a JSON list and prints it: the list as JSON,
// or one line per item as text (none, if not empty, for an empty list).
func printList[T any](ctx context.Context, g *globals, c *client.Client, path, none string, line func(io.Writer, T)) error {
	var list []T
	if _, err := c.Query(ctx, path, &list); err != nil {
		return err
	}
	return g.print(list, func(w io.Writer) {
		if len(list) == 0 && none != "" {
			fmt.Fprintln(w, none)
		}
		for _, item := range list {
			line(w, item)
		}
	})
}

// waiting is a queued withdrawal of shares, in a pool or a vault.
type waiting struct {
	Seq           uint64
	Shares, Value pha.Amount
}

// printHolding prints an account's shares in a pool or a vault and the
// withdrawal it waits for, if any.
func printHolding(w io.Writer, who address.Address, shares, value pha.Amount, q *waiting) {
	fmt.Fprintf(w, "%s holds %s shares worth %s\n", who, formatShares(shares.String()), value.PHA())
	if q != nil {
		fmt.Fprintf(w, "  and waits for #%d: %s shares worth %s\n", q.Seq, formatShares(q.Shares.String()), q.Value.PHA())
	}
}
