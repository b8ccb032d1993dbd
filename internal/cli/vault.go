package cli

import (
	"crypto/ed25519"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/vault"
	"github.com/phalanetwork/phala/pha"
)

func newVaultCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "vault",
		Short: "Vaults: deposit PHA, and the vault owner delegates it to stake pools",
		Long: `A vault's holders deposit PHA for vault shares at the vault's share price
(value / shares; the value is the vault's free PHA plus its shares in stake
pools at their prices). The vault owner delegates free PHA to stake pools and
undelegates it (queued in the pool like any holder's withdrawal). The owner's
commission is paid in new vault shares on gains above the price's high-water
mark. A withdrawal is paid from free PHA at once or waits in the vault's
queue; one that waits past 3 × the pools' grace period makes the vault
withdraw everything from its pools.`,
	}
	var from string
	cmd.PersistentFlags().StringVar(&from, "from", "", "key name or address that signs")
	send := func(cmd *cobra.Command, msg tx.Msg) error {
		res, err := g.sendFrom(cmd.Context(), from, msg)
		if err != nil {
			return err
		}
		return g.print(res, func(w io.Writer) { fmt.Fprintf(w, "committed in block %d\n", res.Height) })
	}

	var commission string
	create := &cobra.Command{
		Use:     "create",
		Short:   "Create a vault owned by --from that takes --commission percent of its gains as owner shares",
		Example: "  phala vault create --commission 5 --from alice --keyring-backend test --home ~/.phala/devnet",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			bps, err := parsePercent(commission)
			if err != nil {
				return fmt.Errorf("--commission: %w", err)
			}
			res, err := g.sendFrom(cmd.Context(), from, &vault.MsgCreate{CommissionBps: bps})
			if err != nil {
				return err
			}
			id, _ := res.Attr(vault.EventCreated, vault.AttrVault)
			return g.print(vaultCreated{Committed: res, Vault: id}, func(w io.Writer) {
				fmt.Fprintf(w, "vault %s created in block %d; see it with: phala vault info %s\n", id, res.Height, id)
			})
		},
	}
	create.Flags().StringVar(&commission, "commission", "0", "owner's commission on gains in percent, up to two decimals")

	deposit := &cobra.Command{
		Use:     "deposit VAULT AMOUNT",
		Short:   "Deposit PHA into a vault for shares at its current price",
		Example: "  phala vault deposit 1 5000PHA --from bob",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseVault(args[0])
			if err != nil {
				return err
			}
			amount, err := pha.Parse(args[1])
			if err != nil {
				return err
			}
			return send(cmd, &vault.MsgDeposit{Vault: id, Amount: amount})
		},
	}

	withdraw := &cobra.Command{
		Use:   "withdraw VAULT SHARES|all",
		Short: "Redeem vault shares: paid from free PHA now, the rest waits in the vault's queue",
		Example: `  phala vault withdraw 1 250.5 --from bob
  phala vault withdraw 1 all --from bob`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseVault(args[0])
			if err != nil {
				return err
			}
			key, c, err := g.signer(from)
			if err != nil {
				return err
			}
			who := address.FromPubKey(key.Public().(ed25519.PublicKey))
			shares, err := sharesArg(cmd.Context(), c, args[1], fmt.Sprintf("/vault/shares/%d/%s", id, who),
				fmt.Sprintf("%s holds no shares of vault %d", who, id))
			if err != nil {
				return err
			}
			res, err := c.Send(cmd.Context(), key, pha.Amount{}, "", &vault.MsgWithdraw{Vault: id, Shares: shares})
			if err != nil {
				return err
			}
			queued, waits := res.Attr(vault.EventWithdrawalQueued, vault.AttrShares)
			return g.print(res, func(w io.Writer) {
				fmt.Fprintf(w, "committed in block %d\n", res.Height)
				if waits {
					fmt.Fprintf(w, "%s shares wait in the withdrawal queue; see: phala vault info %d\n", formatShares(queued), id)
				}
			})
		},
	}

	delegate := &cobra.Command{
		Use:     "delegate VAULT POOL AMOUNT",
		Short:   "Contribute AMOUNT of the vault's free PHA to a stake pool (vault owner only)",
		Example: "  phala vault delegate 1 2 10000PHA --from alice",
		Args:    cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseVault(args[0])
			if err != nil {
				return err
			}
			pool, err := parsePool(args[1])
			if err != nil {
				return err
			}
			amount, err := pha.Parse(args[2])
			if err != nil {
				return err
			}
			return send(cmd, &vault.MsgDelegate{Vault: id, Pool: pool, Amount: amount})
		},
	}

	undelegate := &cobra.Command{
		Use:   "undelegate VAULT POOL SHARES|all",
		Short: "Withdraw the vault's shares from a stake pool, queued in the pool if needed (vault owner only)",
		Example: `  phala vault undelegate 1 2 500 --from alice
  phala vault undelegate 1 2 all --from alice`,
		Args: cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseVault(args[0])
			if err != nil {
				return err
			}
			pool, err := parsePool(args[1])
			if err != nil {
				return err
			}
			c, err := client.New(g.node)
			if err != nil {
				return err
			}
			shares, err := sharesArg(cmd.Context(), c, args[2], fmt.Sprintf("/stakepool/shares/%d/%s", pool, vault.AccountOf(id)),
				fmt.Sprintf("vault %d holds no shares of pool %d", id, pool))
			if err != nil {
				return err
			}
			return send(cmd, &vault.MsgUndelegate{Vault: id, Pool: pool, Shares: shares})
		},
	}

	var account string
	info := &cobra.Command{
		Use:   "info [VAULT]",
		Short: "Show a vault (value, price, shares, pool positions, withdrawal queue), or list every vault",
		Example: `  phala vault info
  phala vault info 1 --output json
  phala vault info 1 --account bob`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := client.New(g.node)
			if err != nil {
				return err
			}
			if len(args) == 0 {
				return printList(cmd.Context(), g, c, "/vault/vaults", "no vaults", func(w io.Writer, v vault.Summary) {
					fmt.Fprintf(w, "vault %d  owner %s  commission %s  value %s  price %s\n",
						v.ID, v.Owner, percent(v.CommissionBps), v.Value.PHA(), v.Price)
				})
			}
			id, err := parseVault(args[0])
			if err != nil {
				return err
			}
			return printShared(cmd.Context(), g, c, fmt.Sprintf("/vault/vault/%d", id), account,
				func(who address.Address) string { return fmt.Sprintf("/vault/shares/%d/%s", id, who) },
				printVault, func(s vault.SharesInfo) (pha.Amount, pha.Amount, *waiting) {
					if w := s.Withdrawing; w != nil {
						return s.Shares, s.Value, &waiting{Seq: w.Seq, Shares: w.Shares, Value: w.Value}
					}
					return s.Shares, s.Value, nil
				})
		},
	}
	info.Flags().StringVar(&account, "account", "", "also show this account's shares (key name or address)")

	cmd.AddCommand(create, deposit, withdraw, delegate, undelegate, info)
	return cmd
}

// vaultCreated is create's JSON answer: the committed tx and the new id.
type vaultCreated struct {
	*client.Committed
	Vault string `json:"vault"`
}

func printVault(w io.Writer, v *vault.Info) {
	fmt.Fprintf(w, "vault %d  owner %s  commission %s  account %s\n", v.ID, v.Owner, percent(v.CommissionBps), v.Account)
	fmt.Fprintf(w, "value %s (free %s)  shares %s  price %s  high-water %s\n",
		v.Value.PHA(), v.Free.PHA(), formatShares(v.TotalShares.String()), v.Price, formatShares(v.HighWater.String()))
	fmt.Fprintf(w, "commission shares minted: %s\n", formatShares(v.CommissionShares.String()))
	fmt.Fprintf(w, "pool positions (%d):\n", len(v.Positions))
	for _, p := range v.Positions {
		fmt.Fprintf(w, "  pool %d  %s shares  %s queued  worth %s  (pool price %s)\n",
			p.Pool, formatShares(p.Shares.String()), formatShares(p.Queued.String()), p.Value.PHA(), p.PoolPrice)
	}
	fmt.Fprintf(w, "withdrawal queue (%d):\n", len(v.Withdrawals))
	for _, q := range v.Withdrawals {
		fmt.Fprintf(w, "  #%d  %s  %s shares worth %s  requested at block %d, the vault leaves its pools at block %d if it still waits\n",
			q.Seq, q.Account, formatShares(q.Shares.String()), q.Value.PHA(), q.Height, q.Due)
	}
}
