package cli

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/sharepool"
)

// This file holds what the stake-pool and vault commands share: both sell
// shares at a price, queue withdrawals, and have an owner's commission.

// newCreateCmd is "pool create" or "vault create", with the help h and
// commission, --commission's usage: it sends k.create(--commission in
// basis points) and prints the new id.
func (k *shareKind) newCreateCmd(g *globals, from *string, h helpText, commission string) *cobra.Command {
	var percent string
	cmd := newSendCmd(g, from, &cobra.Command{Use: "create", Short: h.short, Example: h.example, Args: cobra.NoArgs}, func(context.Context, []string) (tx.Msg, error) {
		bps, err := parsePercent(percent)
		if err != nil {
			return nil, fmt.Errorf("--commission: %w", err)
		}
		return k.create(bps), nil
	}, func(res *client.Committed, _ []string) error {
		id, _ := res.Attr(k.createdEvent, k.createdAttr)
		return g.print(k.created(res, id), func(w io.Writer) {
			fmt.Fprintf(w, "%s %s created in block %d; see it with: phala %s info %s\n", k.what, id, res.Height, k.what, id)
		})
	})
	cmd.Flags().StringVar(&percent, "commission", "0", commission)
	return cmd
}

// newDepositCmd is "pool contribute" or "vault deposit", "ID AMOUNT" with
// the help h (h.use is the verb): it sends k.deposit(id, amount) and
// prints the result with report.
func (k *shareKind) newDepositCmd(g *globals, from *string, h helpText, report reportFunc) *cobra.Command {
	return newSendCmd(g, from, &cobra.Command{
		Use: h.use + " " + k.arg() + " AMOUNT", Short: h.short, Example: h.example, Args: cobra.ExactArgs(2),
	}, func(_ context.Context, args []string) (tx.Msg, error) {
		id, err := k.parseID(args[0])
		if err != nil {
			return nil, err
		}
		amount, err := pha.Parse(args[1])
		return k.deposit(id, amount), err
	}, report)
}

// newAmountCmd completes cmd into a command of two ids, read by lead (e.g.
// POOL WORKER_ID or VAULT POOL), and an AMOUNT of PHA, that sends
// msg(a, b, amount).
func newAmountCmd[A, B any](g *globals, from *string, cmd *cobra.Command, lead func([]string) (A, B, error), msg func(A, B, pha.Amount) tx.Msg) *cobra.Command {
	cmd.Args = cobra.ExactArgs(3)
	return newSendCmd(g, from, cmd, func(_ context.Context, args []string) (tx.Msg, error) {
		a, b, err := lead(args)
		if err != nil {
			return nil, err
		}
		amount, err := pha.Parse(args[2])
		if err != nil {
			return nil, err
		}
		return msg(a, b, amount), nil
	}, nil)
}

// sharesArg reads a SHARES argument: a number of shares, or "all" for
// every share the holder has, read from the shares query at path (a pool's
// or a vault's); none is the error when the holder has none.
func sharesArg(ctx context.Context, c *client.Client, arg, path, none string) (pha.Amount, error) {
	if arg != "all" {
		return parseShares(arg)
	}
	var s holding
	if _, err := c.Query(ctx, path, &s); err != nil {
		return pha.Amount{}, err
	}
	if s.Shares.IsZero() {
		return pha.Amount{}, errors.New(none)
	}
	return s.Shares, nil
}

// sendWithdrawal signs msg(shares) with from's key, where shares is the
// SHARES argument arg; for "all" it is what the signer holds, read at the
// path that holding returns (with the error to give when it holds none).
func (g *globals) sendWithdrawal(ctx context.Context, from, arg string, holding func(who address.Address) (path, none string), msg func(pha.Amount) tx.Msg) (*client.Committed, error) {
	key, c, err := g.signer(from)
	if err != nil {
		return nil, err
	}
	who := address.FromPubKey(key.Public().(ed25519.PublicKey))
	path, none := holding(who)
	shares, err := sharesArg(ctx, c, arg, path, none)
	if err != nil {
		return nil, err
	}
	return c.Send(ctx, key, pha.Amount{}, "", msg(shares))
}

// printQueued prints a withdrawal's text answer: the block, the paid part
// if any, and the shares left waiting in what's queue (what is "pool" or
// "vault").
func printQueued(w io.Writer, res *client.Committed, paid, queued string, waits bool, what string, id uint64) {
	fmt.Fprintf(w, "committed in block %d%s\n", res.Height, paid)
	if waits {
		fmt.Fprintf(w, "%s shares wait in the withdrawal queue; see: phala %s info %d\n", formatShares(queued), what, id)
	}
}

// shareKind is what the "pool" and "vault" commands that trade shares
// differ by.
type shareKind struct {
	what       string // "pool" or "vault"
	parseID    func(string) (uint64, error)
	sharesPath func(id uint64, who address.Address) string
	create     func(commissionBps uint32) tx.Msg
	deposit    func(id uint64, amount pha.Amount) tx.Msg
	withdraw   func(id uint64, shares pha.Amount) tx.Msg
	// queuedEvent and queuedAttr name the event attribute with the shares
	// a withdrawal leaves queued.
	queuedEvent, queuedAttr string
	// paid, if not nil, is the text after the block of a withdrawal.
	paid func(res *client.Committed) string
	// createdEvent and createdAttr name the event attribute with a new id;
	// created is create's JSON answer.
	createdEvent, createdAttr string
	created                   func(res *client.Committed, id string) any
}

// helpText is a command's short help and example; use, where set, is its
// verb.
type helpText struct{ use, short, example string }

// arg is the kind's id argument in a command's use: POOL or VAULT.
func (k *shareKind) arg() string { return strings.ToUpper(k.what) }

// newWithdrawCmd is "pool withdraw" or "vault withdraw", "ID SHARES|all"
// with the help h: paid now or queued.
func (k *shareKind) newWithdrawCmd(g *globals, from *string, h helpText) *cobra.Command {
	return &cobra.Command{
		Use: "withdraw " + k.arg() + " SHARES|all", Short: h.short, Example: h.example, Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return k.runWithdraw(cmd.Context(), g, *from, args)
		},
	}
}

func (k *shareKind) runWithdraw(ctx context.Context, g *globals, from string, args []string) error {
	id, err := k.parseID(args[0])
	if err != nil {
		return err
	}
	res, err := g.sendWithdrawal(ctx, from, args[1], func(who address.Address) (string, string) {
		return k.sharesPath(id, who), fmt.Sprintf("%s holds no shares of %s %d", who, k.what, id)
	}, func(shares pha.Amount) tx.Msg { return k.withdraw(id, shares) })
	if err != nil {
		return err
	}
	queued, waits := res.Attr(k.queuedEvent, k.queuedAttr)
	paid := ""
	if k.paid != nil {
		paid = k.paid(res)
	}
	return g.print(res, func(w io.Writer) { printQueued(w, res, paid, queued, waits, k.what, id) })
}

// holding is what the text output shows of an account's shares in a pool
// or a vault: the fields stakepool.SharesInfo and vault.SharesInfo share.
type holding struct {
	Shares pha.Amount `json:"shares"`
	Value  pha.Amount `json:"value"`
	// Withdrawing is the account's queued withdrawal, if any.
	Withdrawing *waiting `json:"withdrawing"`
}

// waiting is a queued withdrawal of shares, in a pool or a vault.
type waiting struct {
	Seq    uint64     `json:"seq"`
	Shares pha.Amount `json:"shares"`
	Value  pha.Amount `json:"value"`
}

// holdingOf reads the holding out of a pool's or vault's shares answer.
func holdingOf(v any) (holding, error) {
	var h holding
	raw, err := json.Marshal(v)
	if err == nil {
		err = json.Unmarshal(raw, &h)
	}
	return h, err
}

// sharedInfo describes "pool info" or "vault info" over a record R with
// list items L and shares answers S.
type sharedInfo[L, R, S any] struct {
	short          string // info's short help
	listPath, none string
	line           func(io.Writer, L)
	kind           *shareKind
	recordPath     func(id uint64) string
	printRecord    func(io.Writer, *R)
}

// run lists every record, or prints the one args names; with account,
// also that account's holding in it. As JSON the record's fields come with
// the holding under "account".
func (si *sharedInfo[L, R, S]) run(ctx context.Context, g *globals, account string, args []string) error {
	c, err := g.client()
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return printList(ctx, g, c, si.listPath, si.none, si.line)
	}
	id, err := si.kind.parseID(args[0])
	if err != nil {
		return err
	}
	var rec R
	if _, err := c.Query(ctx, si.recordPath(id), &rec); err != nil {
		return err
	}
	if account == "" {
		return g.print(rec, func(w io.Writer) { si.printRecord(w, &rec) })
	}
	who, err := resolveAddress(g.queryKeyring, account)
	if err != nil {
		return err
	}
	var s S
	if _, err := c.Query(ctx, si.kind.sharesPath(id, who), &s); err != nil {
		return err
	}
	out, err := withField(rec, "account", s)
	if err != nil {
		return err
	}
	h, err := holdingOf(s)
	if err != nil {
		return err
	}
	return g.print(out, func(w io.Writer) {
		si.printRecord(w, &rec)
		printHolding(w, who, h.Shares, h.Value, h.Withdrawing)
	})
}

// newSharedInfoCmd is "pool info" or "vault info".
func newSharedInfoCmd[L, R, S any](g *globals, si *sharedInfo[L, R, S]) *cobra.Command {
	var account string
	k := si.kind
	cmd := &cobra.Command{
		Use:     "info [" + k.arg() + "]",
		Short:   si.short,
		Example: fmt.Sprintf("  phala %[1]s info\n  phala %[1]s info 1 --output json\n  phala %[1]s info 1 --account bob", k.what),
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return si.run(cmd.Context(), g, account, args)
		},
	}
	cmd.Flags().StringVar(&account, "account", "", "also show this account's shares (key name or address)")
	return cmd
}

// printHolding prints an account's shares in a pool or a vault and the
// withdrawal it waits for, if any.
func printHolding(w io.Writer, who address.Address, shares, value pha.Amount, q *waiting) {
	fmt.Fprintf(w, "%s holds %s shares worth %s\n", who, formatShares(shares.String()), value.PHA())
	if q != nil {
		fmt.Fprintf(w, "  and waits for #%d: %s shares worth %s\n", q.Seq, formatShares(q.Shares.String()), q.Value.PHA())
	}
}

// printQueue prints a pool's or a vault's withdrawal queue; forced says
// what happens at a request's due height if it still waits.
func printQueue(w io.Writer, queue []sharepool.WithdrawalView, forced string) {
	fmt.Fprintf(w, "withdrawal queue (%d):\n", len(queue))
	for _, q := range queue {
		fmt.Fprintf(w, "  #%d  %s  %s shares worth %s  requested at block %d, %s at block %d if it still waits\n",
			q.Seq, q.Account, formatShares(q.Shares.String()), q.Value.PHA(), q.Height, forced, q.Due)
	}
}
