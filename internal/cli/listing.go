package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/pha"
)

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

// printShared queries a pool's or vault's record at path and prints it;
// with account, also that account's holding in it, read at sharesPath(who)
// and turned into printHolding's figures by hold. As JSON the record's
// fields come with the holding under "account".
func printShared[R, S any](ctx context.Context, g *globals, c *client.Client, path, account string, sharesPath func(address.Address) string,
	printRecord func(io.Writer, *R), hold func(S) (shares, value pha.Amount, q *waiting)) error {
	var rec R
	if _, err := c.Query(ctx, path, &rec); err != nil {
		return err
	}
	if account == "" {
		return g.print(rec, func(w io.Writer) { printRecord(w, &rec) })
	}
	who, err := resolveAddress(g.queryKeyring, account)
	if err != nil {
		return err
	}
	var s S
	if _, err := c.Query(ctx, sharesPath(who), &s); err != nil {
		return err
	}
	out, err := withField(rec, "account", s)
	if err != nil {
		return err
	}
	return g.print(out, func(w io.Writer) {
		printRecord(w, &rec)
		shares, value, q := hold(s)
		printHolding(w, who, shares, value, q)
	})
}
