package cli

import (
	"context"
	"encoding/json"
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
