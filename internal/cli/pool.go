package cli

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/modules/stakepool"
	"github.com/phalanetwork/phala/pha"
)

func newPoolCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pool",
		Short: "Stake pools: create one, add workers, start them computing, contribute and withdraw",
		Long: `A stake pool's owner adds registered workers it operates and starts them
computing with stake from the pool; anyone contributes PHA for shares at the
pool's share price (value / shares). Computing rewards raise the price after
the owner's commission, which is paid to the owner in PHA. A withdrawal is
paid from free stake at once or waits in the pool's queue; one that waits past
the grace period (7 days) stops the pool's workers to free their stake.`,
	}
	var from string
	cmd.PersistentFlags().StringVar(&from, "from", "", "key name or address that signs")
	send := func(cmd *cobra.Command, msg tx.Msg) (*client.Committed, error) {
		return g.sendFrom(cmd.Context(), from, msg)
	}
	done := func(res *client.Committed) error {
		return g.print(res, func(w io.Writer) { fmt.Fprintf(w, "committed in block %d\n", res.Height) })
	}

	var commission string
	create := &cobra.Command{
		Use:     "create",
		Short:   "Create a stake pool owned by --from that keeps --commission percent of its rewards",
		Example: "  phala pool create --commission 10 --from alice --keyring-backend test --home ~/.phala/devnet",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			bps, err := parsePercent(commission)
			if err != nil {
				return fmt.Errorf("--commission: %w", err)
			}
			res, err := send(cmd, &stakepool.MsgCreate{CommissionBps: bps})
			if err != nil {
				return err
			}
			id, _ := res.Attr(stakepool.EventCreated, stakepool.AttrPool)
			return g.print(poolCreated{Committed: res, Pool: id}, func(w io.Writer) {
				fmt.Fprintf(w, "pool %s created in block %d; see it with: phala pool info %s\n", id, res.Height, id)
			})
		},
	}
	create.Flags().StringVar(&commission, "commission", "0", "owner's commission in percent, up to two decimals (e.g. 12.5)")

	worker := func(use, short, example string, msg func(pool uint64, w registry.WorkerID) tx.Msg) *cobra.Command {
		return &cobra.Command{
			Use:     use + " POOL WORKER_ID",
			Short:   short,
			Example: example,
			Args:    cobra.ExactArgs(2),
			RunE: func(cmd *cobra.Command, args []string) error {
				pool, err := parsePool(args[0])
				if err != nil {
					return err
				}
				w, err := registry.ParseWorkerID(args[1])
				if err != nil {
					return err
				}
				res, err := send(cmd, msg(pool, w))
				if err != nil {
					return err
				}
				return done(res)
			},
		}
	}
	add := worker("add-worker", "Add a registered worker operated by the pool owner to the pool",
		"  phala pool add-worker 1 5f1c...e2 --from alice",
		func(p uint64, w registry.WorkerID) tx.Msg { return &stakepool.MsgAddWorker{Pool: p, Worker: w} })
	remove := worker("remove-worker", "Take a worker that is not computing out of the pool",
		"  phala pool remove-worker 1 5f1c...e2 --from alice",
		func(p uint64, w registry.WorkerID) tx.Msg { return &stakepool.MsgRemoveWorker{Pool: p, Worker: w} })
	stop := worker("stop", "Stop a worker computing; its stake returns to the pool after the cool-down",
		"  phala pool stop 1 5f1c...e2 --from alice",
		func(p uint64, w registry.WorkerID) tx.Msg { return &stakepool.MsgStopComputing{Pool: p, Worker: w} })

	start := &cobra.Command{
		Use:   "start POOL WORKER_ID STAKE",
		Short: "Start a worker of the pool computing with STAKE from the pool's free stake (at least 100·sqrt(P) PHA)",
		Example: `  phala pool start 1 5f1c...e2 2000PHA --from alice
  phala pool info 1   # then: V, P and online per worker`,
		Args: cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			pool, err := parsePool(args[0])
			if err != nil {
				return err
			}
			w, err := registry.ParseWorkerID(args[1])
			if err != nil {
				return err
			}
			stake, err := pha.Parse(args[2])
			if err != nil {
				return err
			}
			res, err := send(cmd, &stakepool.MsgStartComputing{Pool: pool, Worker: w, Stake: stake})
			if err != nil {
				return err
			}
			return done(res)
		},
	}

	contribute := &cobra.Command{
		Use:     "contribute POOL AMOUNT",
		Short:   "Contribute PHA to a pool for shares at its current price",
		Example: "  phala pool contribute 1 5000PHA --from bob",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			pool, err := parsePool(args[0])
			if err != nil {
				return err
			}
			amount, err := pha.Parse(args[1])
			if err != nil {
				return err
			}
			res, err := send(cmd, &stakepool.MsgContribute{Pool: pool, Amount: amount})
			if err != nil {
				return err
			}
			shares, _ := res.Attr(stakepool.EventContribution, stakepool.AttrShares)
			return g.print(res, func(w io.Writer) {
				fmt.Fprintf(w, "committed in block %d: %s shares\n", res.Height, formatShares(shares))
			})
		},
	}

	withdraw := &cobra.Command{
		Use:   "withdraw POOL SHARES|all",
		Short: "Redeem shares: paid from free stake now, the rest waits in the pool's withdrawal queue",
		Example: `  phala pool withdraw 1 250.5 --from bob   # 250.5 shares
  phala pool withdraw 1 all --from bob`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			pool, err := parsePool(args[0])
			if err != nil {
				return err
			}
			key, c, err := g.signer(from)
			if err != nil {
				return err
			}
			who := address.FromPubKey(key.Public().(ed25519.PublicKey))
			shares, err := sharesArg(cmd.Context(), c, args[1], fmt.Sprintf("/stakepool/shares/%d/%s", pool, who),
				fmt.Sprintf("%s holds no shares of pool %d", who, pool))
			if err != nil {
				return err
			}
			res, err := c.Send(cmd.Context(), key, pha.Amount{}, "", &stakepool.MsgWithdraw{Pool: pool, Shares: shares})
			if err != nil {
				return err
			}
			paid := "0"
			for _, e := range res.Events {
				if e.Type != stakepool.EventWithdrawal {
					continue
				}
				for _, a := range e.Attributes {
					if a.Key == stakepool.AttrAmount {
						paid = a.Value
					}
				}
			}
			queued, waits := res.Attr(stakepool.EventWithdrawalQueued, stakepool.AttrShares)
			return g.print(res, func(w io.Writer) {
				amount, _ := pha.Parse(paid)
				fmt.Fprintf(w, "committed in block %d: paid %s now\n", res.Height, amount.PHA())
				if waits {
					fmt.Fprintf(w, "%s shares wait in the withdrawal queue; see: phala pool info %d\n", formatShares(queued), pool)
				}
			})
		},
	}

	var account string
	info := &cobra.Command{
		Use:   "info [POOL]",
		Short: "Show a pool (value, shares, price, workers with V, P and online, withdrawal queue), or list every pool",
		Example: `  phala pool info
  phala pool info 1 --output json
  phala pool info 1 --account bob`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := client.New(g.node)
			if err != nil {
				return err
			}
			if len(args) == 0 {
				return printList(cmd.Context(), g, c, "/stakepool/pools", "no pools", func(w io.Writer, p stakepool.PoolSummary) {
					fmt.Fprintf(w, "pool %d  owner %s  commission %s  value %s  price %s  workers %d\n",
						p.ID, p.Owner, percent(p.CommissionBps), p.Value.PHA(), p.Price, p.WorkerCount)
				})
			}
			pool, err := parsePool(args[0])
			if err != nil {
				return err
			}
			return printShared(cmd.Context(), g, c, fmt.Sprintf("/stakepool/pool/%d", pool), account,
				func(who address.Address) string { return fmt.Sprintf("/stakepool/shares/%d/%s", pool, who) },
				printPool, func(s stakepool.SharesInfo) (pha.Amount, pha.Amount, *waiting) {
					if w := s.Withdrawing; w != nil {
						return s.Shares, s.Value, &waiting{Seq: w.Seq, Shares: w.Shares, Value: w.Value}
					}
					return s.Shares, s.Value, nil
				})
		},
	}
	info.Flags().StringVar(&account, "account", "", "also show this account's shares (key name or address)")

	cmd.AddCommand(create, add, remove, start, stop, contribute, withdraw, info)
	return cmd
}

// poolCreated is create's JSON answer: the committed tx and the new id.
type poolCreated struct {
	*client.Committed
	Pool string `json:"pool"`
}

func printPool(w io.Writer, p *stakepool.PoolInfo) {
	fmt.Fprintf(w, "pool %d  owner %s  commission %s\n", p.ID, p.Owner, percent(p.CommissionBps))
	fmt.Fprintf(w, "value %s (free %s, locked %s)  shares %s  price %s\n",
		p.Value.PHA(), p.FreeStake.PHA(), p.LockedStake.PHA(), formatShares(p.TotalShares.String()), p.Price)
	fmt.Fprintf(w, "rewards %s to holders, %s commission to the owner\n", p.Rewards.PHA(), p.OwnerRewards.PHA())
	fmt.Fprintf(w, "workers (%d):\n", len(p.Workers))
	for _, wk := range p.Workers {
		online := "offline"
		if wk.Online {
			online = "online"
		}
		if wk.State == "idle" {
			fmt.Fprintf(w, "  %s  idle  P %d\n", wk.Worker, wk.P)
			continue
		}
		fmt.Fprintf(w, "  %s  %s  %s  P %d  V %s  stake %s", wk.Worker, wk.State, online, wk.P, wk.V.Format(6), wk.Stake.PHA())
		if wk.CoolingUntil != 0 {
			fmt.Fprintf(w, "  released at block %d", wk.CoolingUntil)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "withdrawal queue (%d):\n", len(p.Withdrawals))
	for _, q := range p.Withdrawals {
		fmt.Fprintf(w, "  #%d  %s  %s shares worth %s  requested at block %d, workers stop at block %d if it still waits\n",
			q.Seq, q.Account, formatShares(q.Shares.String()), q.Value.PHA(), q.Height, q.Due)
	}
}

// sharesArg reads a SHARES argument: a number of shares, or "all" for
// every share the holder has, read from the shares query at path (a pool's
// or a vault's); none is the error when the holder has none.
func sharesArg(ctx context.Context, c *client.Client, arg, path, none string) (pha.Amount, error) {
	if arg != "all" {
		return parseShares(arg)
	}
	var s struct {
		Shares pha.Amount `json:"shares"`
	}
	if _, err := c.Query(ctx, path, &s); err != nil {
		return pha.Amount{}, err
	}
	if s.Shares.IsZero() {
		return pha.Amount{}, errors.New(none)
	}
	return s.Shares, nil
}
