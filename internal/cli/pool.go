package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/modules/stakepool"
	"github.com/phalanetwork/phala/pha"
)

func newPoolCmd(g *globals) *cobra.Command {
	k := poolKind()
	return newSignersCmd(&cobra.Command{
		Use:   "pool",
		Short: "Stake pools: create one, add workers, start them computing, contribute and withdraw",
		Long: `A stake pool's owner adds registered workers it operates and starts them
computing with stake from the pool; anyone contributes PHA for shares at the
pool's share price (value / shares). Computing rewards raise the price after
the owner's commission, which is paid to the owner in PHA. A withdrawal is
paid from free stake at once or waits in the pool's queue; one that waits past
the grace period (7 days) stops the pool's workers to free their stake.`,
	}, signsUsage, func(from *string) []*cobra.Command {
		return []*cobra.Command{
			k.newCreateCmd(g, from, helpText{
				short:   "Create a stake pool owned by --from that keeps --commission percent of its rewards",
				example: "  phala pool create --commission 10 --from alice",
			}, "owner's commission in percent, up to two decimals (e.g. 12.5)"),
			newPoolWorkerCmd(g, from, "add-worker", "Add a registered worker operated by the pool owner to the pool",
				"  phala pool add-worker 1 5f1c...e2 --from alice",
				func(p uint64, w registry.WorkerID) tx.Msg { return &stakepool.MsgAddWorker{Pool: p, Worker: w} }),
			newPoolWorkerCmd(g, from, "remove-worker", "Take a worker that is not computing out of the pool",
				"  phala pool remove-worker 1 5f1c...e2 --from alice",
				func(p uint64, w registry.WorkerID) tx.Msg { return &stakepool.MsgRemoveWorker{Pool: p, Worker: w} }),
			newPoolStartCmd(g, from),
			newPoolStopCmd(g, from),
			k.newDepositCmd(g, from, helpText{"contribute", "Contribute PHA to a pool for shares at its current price",
				"  phala pool contribute 1 5000PHA --from bob"}, g.reportContribution),
			k.newWithdrawCmd(g, from, helpText{
				short: "Redeem shares: paid from free stake now, the rest waits in the pool's withdrawal queue",
				example: `  phala pool withdraw 1 250.5 --from bob   # 250.5 shares
  phala pool withdraw 1 all --from bob`,
			}),
			newPoolInfoCmd(g, k),
		}
	})
}

// poolCreated is create's JSON answer: the committed tx and the new id.
type poolCreated struct {
	*client.Committed
	Pool string `json:"pool"`
}

// poolKind is what the pool commands that trade shares need of a pool.
func poolKind() *shareKind {
	return &shareKind{
		what: "pool", parseID: parsePool, sharesPath: stakepool.SharesPath,
		create:   func(bps uint32) tx.Msg { return &stakepool.MsgCreate{CommissionBps: bps} },
		deposit:  func(id uint64, amount pha.Amount) tx.Msg { return &stakepool.MsgContribute{Pool: id, Amount: amount} },
		withdraw: func(id uint64, shares pha.Amount) tx.Msg { return &stakepool.MsgWithdraw{Pool: id, Shares: shares} },
		paid:     poolPaid, queuedEvent: stakepool.EventWithdrawalQueued, queuedAttr: stakepool.AttrShares,
		createdEvent: stakepool.EventCreated, createdAttr: stakepool.AttrPool,
		created: func(res *client.Committed, id string) any { return poolCreated{Committed: res, Pool: id} },
	}
}

// reportContribution prints a contribution with the shares it bought.
func (g *globals) reportContribution(res *client.Committed, _ []string) error {
	shares, _ := res.Attr(stakepool.EventContribution, stakepool.AttrShares)
	return g.print(res, func(w io.Writer) {
		fmt.Fprintf(w, "committed in block %d: %s shares\n", res.Height, formatShares(shares))
	})
}

// newPoolWorkerCmd is a "POOL WORKER_ID" command that sends msg(pool, worker).
func newPoolWorkerCmd(g *globals, from *string, use, short, example string, msg func(pool uint64, w registry.WorkerID) tx.Msg) *cobra.Command {
	return newSendCmd(g, from, &cobra.Command{
		Use:     use + " POOL WORKER_ID",
		Short:   short,
		Example: example,
		Args:    cobra.ExactArgs(2),
	}, func(_ context.Context, args []string) (tx.Msg, error) {
		pool, w, err := parsePoolWorker(args)
		if err != nil {
			return nil, err
		}
		return msg(pool, w), nil
	}, nil)
}

// parsePoolWorker reads the POOL WORKER_ID arguments.
func parsePoolWorker(args []string) (uint64, registry.WorkerID, error) {
	pool, err := parsePool(args[0])
	if err != nil {
		return 0, registry.WorkerID{}, err
	}
	w, err := registry.ParseWorkerID(args[1])
	return pool, w, err
}

func newPoolStopCmd(g *globals, from *string) *cobra.Command {
	return newPoolWorkerCmd(g, from, "stop", "Stop a worker computing; its stake returns to the pool after the cool-down",
		"  phala pool stop 1 5f1c...e2 --from alice",
		func(p uint64, w registry.WorkerID) tx.Msg { return &stakepool.MsgStopComputing{Pool: p, Worker: w} })
}

func newPoolStartCmd(g *globals, from *string) *cobra.Command {
	return newAmountCmd(g, from, &cobra.Command{
		Use:   "start POOL WORKER_ID STAKE",
		Short: "Start a worker of the pool computing with STAKE from the pool's free stake (at least 100·sqrt(P) PHA)",
		Example: `  phala pool start 1 5f1c...e2 2000PHA --from alice
  phala pool info 1   # then: V, P and online per worker`,
	}, parsePoolWorker, func(pool uint64, w registry.WorkerID, stake pha.Amount) tx.Msg {
		return &stakepool.MsgStartComputing{Pool: pool, Worker: w, Stake: stake}
	})
}

// poolPaid is the text of what a pool withdrawal paid at once: the last
// withdrawal event's amount.
func poolPaid(res *client.Committed) string {
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
	amount, _ := pha.Parse(paid)
	return ": paid " + amount.PHA() + " now"
}

func newPoolInfoCmd(g *globals, k *shareKind) *cobra.Command {
	return newSharedInfoCmd(g, &sharedInfo[stakepool.PoolSummary, stakepool.PoolInfo, stakepool.SharesInfo]{
		short:    "Show a pool (value, shares, price, workers with V, P and online, withdrawal queue), or list every pool",
		listPath: stakepool.PoolsPath(), none: "no pools",
		line: func(w io.Writer, p stakepool.PoolSummary) {
			fmt.Fprintf(w, "pool %d  owner %s  commission %s  value %s  price %s  workers %d\n",
				p.ID, p.Owner, percent(p.CommissionBps), p.Value.PHA(), p.Price, p.WorkerCount)
		},
		kind:        k,
		recordPath:  stakepool.PoolPath,
		printRecord: printPool,
	})
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
	printQueue(w, p.Withdrawals, "workers stop")
}
