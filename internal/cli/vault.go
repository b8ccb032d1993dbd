package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/modules/stakepool"
	"github.com/phalanetwork/phala/modules/vault"
	"github.com/phalanetwork/phala/pha"
)

func newVaultCmd(g *globals) *cobra.Command {
	k := vaultKind()
	return newSignersCmd(&cobra.Command{
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
	}, signsUsage, func(from *string) []*cobra.Command {
		return []*cobra.Command{
			k.newCreateCmd(g, from, helpText{
				short:   "Create a vault owned by --from that takes --commission percent of its gains as owner shares",
				example: "  phala vault create --commission 5 --from alice",
			}, "owner's commission on gains in percent, up to two decimals"),
			k.newDepositCmd(g, from, helpText{"deposit", "Deposit PHA into a vault for shares at its current price",
				"  phala vault deposit 1 5000PHA --from bob"}, nil),
			k.newWithdrawCmd(g, from, helpText{
				short: "Redeem vault shares: paid from free PHA now, the rest waits in the vault's queue",
				example: `  phala vault withdraw 1 250.5 --from bob
  phala vault withdraw 1 all --from bob`,
			}),
			newVaultDelegateCmd(g, from),
			newVaultUndelegateCmd(g, from),
			newVaultInfoCmd(g, k),
		}
	})
}

// vaultCreated is create's JSON answer: the committed tx and the new id.
type vaultCreated struct {
	*client.Committed
	Vault string `json:"vault"`
}

// vaultKind is what the vault commands that trade shares need of a vault.
func vaultKind() *shareKind {
	return &shareKind{
		what: "vault", parseID: parseVault, sharesPath: vault.SharesPath,
		create:      func(bps uint32) tx.Msg { return &vault.MsgCreate{CommissionBps: bps} },
		deposit:     func(id uint64, amount pha.Amount) tx.Msg { return &vault.MsgDeposit{Vault: id, Amount: amount} },
		withdraw:    func(id uint64, shares pha.Amount) tx.Msg { return &vault.MsgWithdraw{Vault: id, Shares: shares} },
		queuedEvent: vault.EventWithdrawalQueued, queuedAttr: vault.AttrShares,
		createdEvent: vault.EventCreated, createdAttr: vault.AttrVault,
		created: func(res *client.Committed, id string) any { return vaultCreated{Committed: res, Vault: id} },
	}
}

// parseVaultPool reads the VAULT POOL arguments.
func parseVaultPool(args []string) (id, pool uint64, err error) {
	if id, err = parseVault(args[0]); err != nil {
		return 0, 0, err
	}
	pool, err = parsePool(args[1])
	return id, pool, err
}

func newVaultDelegateCmd(g *globals, from *string) *cobra.Command {
	return newAmountCmd(g, from, &cobra.Command{
		Use:     "delegate VAULT POOL AMOUNT",
		Short:   "Contribute AMOUNT of the vault's free PHA to a stake pool (vault owner only)",
		Example: "  phala vault delegate 1 2 10000PHA --from alice",
	}, parseVaultPool, func(id, pool uint64, amount pha.Amount) tx.Msg {
		return &vault.MsgDelegate{Vault: id, Pool: pool, Amount: amount}
	})
}

func newVaultUndelegateCmd(g *globals, from *string) *cobra.Command {
	return newSendCmd(g, from, &cobra.Command{
		Use:   "undelegate VAULT POOL SHARES|all",
		Short: "Withdraw the vault's shares from a stake pool, queued in the pool if needed (vault owner only)",
		Example: `  phala vault undelegate 1 2 500 --from alice
  phala vault undelegate 1 2 all --from alice`,
		Args: cobra.ExactArgs(3),
	}, func(ctx context.Context, args []string) (tx.Msg, error) {
		return vaultUndelegateMsg(ctx, g, args)
	}, nil)
}

func vaultUndelegateMsg(ctx context.Context, g *globals, args []string) (tx.Msg, error) {
	id, pool, err := parseVaultPool(args)
	if err != nil {
		return nil, err
	}
	c, err := g.client()
	if err != nil {
		return nil, err
	}
	shares, err := sharesArg(ctx, c, args[2], stakepool.SharesPath(pool, vault.AccountOf(id)),
		fmt.Sprintf("vault %d holds no shares of pool %d", id, pool))
	if err != nil {
		return nil, err
	}
	return &vault.MsgUndelegate{Vault: id, Pool: pool, Shares: shares}, nil
}

func newVaultInfoCmd(g *globals, k *shareKind) *cobra.Command {
	return newSharedInfoCmd(g, &sharedInfo[vault.Summary, vault.Info, vault.SharesInfo]{
		short:    "Show a vault (value, price, shares, pool positions, withdrawal queue), or list every vault",
		listPath: vault.VaultsPath(), none: "no vaults",
		line: func(w io.Writer, v vault.Summary) {
			fmt.Fprintf(w, "vault %d  owner %s  commission %s  value %s  price %s\n",
				v.ID, v.Owner, percent(v.CommissionBps), v.Value.PHA(), v.Price)
		},
		kind:        k,
		recordPath:  vault.VaultPath,
		printRecord: printVault,
	})
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
	printQueue(w, v.Withdrawals, "the vault leaves its pools")
}
