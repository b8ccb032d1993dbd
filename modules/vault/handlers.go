package vault

import (
	"fmt"
	"slices"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/sharepool"
	"github.com/phalanetwork/phala/sharepool/ledger"
)

// vault loads a vault record.
func (m *Module) vault(ctx *module.Context, id uint64) (Vault, error) {
	v, ok := m.Keeper.Vault(ctx.KV, id)
	if !ok {
		return Vault{}, fmt.Errorf("%w: %d", ErrUnknownVault, id)
	}
	return v, nil
}

// owned loads a vault and checks that sender owns it.
func (m *Module) owned(ctx *module.Context, sender address.Address, id uint64) (Vault, error) {
	v, err := m.vault(ctx, id)
	if err != nil {
		return v, err
	}
	if v.Owner != sender {
		return v, fmt.Errorf("%w: vault %d is %s's", ErrNotOwner, id, v.Owner)
	}
	return v, nil
}

// handleCreate makes a new vault owned by sender.
func (m *Module) handleCreate(ctx *module.Context, sender address.Address, msg *MsgCreate) error {
	id := shareLedger.NextID(ctx.KV)
	v := Vault{Record: sharepool.Record{ID: id, Owner: sender, CommissionBps: msg.CommissionBps}, Account: AccountOf(id), HighWater: sharepool.PriceOne(), Pools: []uint64{}, Created: ctx.Height}
	m.Keeper.setVault(ctx.KV, &v)
	emitCreated(ctx, &v)
	return nil
}

// handleDeposit takes commission on gains so far, then mints floor(a·T/V)
// shares (one per base unit in a vault without shares).
func (m *Module) handleDeposit(ctx *module.Context, sender address.Address, msg *MsgDeposit) error {
	id, amount := msg.Vault, msg.Amount
	v, err := m.vault(ctx, id)
	if err != nil {
		return err
	}
	if err := m.takeCommission(ctx, &v, m.Keeper.Value(ctx.KV, &v)); err != nil {
		return err
	}
	if v.TotalShares.IsZero() {
		v.HighWater = sharepool.PriceOne()
	}
	shares, err := sharepool.SharesFor(amount, m.Keeper.Value(ctx.KV, &v), v.TotalShares)
	if err != nil {
		return fmt.Errorf("deposit to vault %d: %w", id, err)
	}
	if shares.IsZero() {
		return fmt.Errorf("%w: %s", ErrDepositTooSmall, amount.PHA())
	}
	if err := (balances.Keeper{}).Transfer(ctx.KV, sender, v.Account, amount); err != nil {
		return fmt.Errorf("deposit: %w", err)
	}
	v.TotalShares, _ = v.TotalShares.Add(shares) // at most value·T/V
	held, _ := m.Keeper.Shares(ctx.KV, id, sender).Add(shares)
	shareLedger.SetShares(ctx.KV, id, sender, held)
	emitDeposit(ctx, id, sender, amount, shares)
	return m.serving(ctx, &v).ServeAndSave()
}

// handleWithdraw queues a request for shares of sender's and serves the
// queue.
func (m *Module) handleWithdraw(ctx *module.Context, sender address.Address, msg *MsgWithdraw) error {
	id, shares := msg.Vault, msg.Shares
	v, err := m.vault(ctx, id)
	if err != nil {
		return err
	}
	left, err := shareLedger.Redeemable(ctx.KV, "vault", id, sender, shares, ErrInsufficientShares, ErrWithdrawalPending)
	if err != nil {
		return err
	}
	if err := m.takeCommission(ctx, &v, m.Keeper.Value(ctx.KV, &v)); err != nil {
		return err
	}
	grace := m.Keeper.pools.Params(ctx.KV).GraceBlocks
	return m.serving(ctx, &v).Withdraw(sender, shares, left, ctx.Height, ctx.Height+3*grace)
}

// handleDelegate contributes free PHA of the vault to a pool. The queue is
// served first: free PHA pays waiting holders before it is staked.
func (m *Module) handleDelegate(ctx *module.Context, sender address.Address, msg *MsgDelegate) error {
	v, err := m.owned(ctx, sender, msg.Vault)
	if err != nil {
		return err
	}
	if err := m.serving(ctx, &v).Serve(); err != nil {
		return err
	}
	if free := m.Keeper.Free(ctx.KV, &v); free.LT(msg.Amount) {
		return fmt.Errorf("%w: vault %d has %s free, delegates %s", ErrInsufficientFree, v.ID, free.PHA(), msg.Amount.PHA())
	}
	if err := m.pools.ContributeFor(ctx, v.Account, msg.Pool, msg.Amount); err != nil {
		return err
	}
	if !slices.Contains(v.Pools, msg.Pool) {
		v.Pools = append(v.Pools, msg.Pool)
		slices.Sort(v.Pools)
	}
	emitDelegate(ctx, v.ID, msg.Pool, msg.Amount)
	m.Keeper.setVault(ctx.KV, &v)
	return nil
}

// handleUndelegate withdraws vault shares from a pool (queued there if the
// pool has not the free stake) and serves the vault's queue with what came
// back.
func (m *Module) handleUndelegate(ctx *module.Context, sender address.Address, msg *MsgUndelegate) error {
	v, err := m.owned(ctx, sender, msg.Vault)
	if err != nil {
		return err
	}
	if err := m.pools.WithdrawFor(ctx, v.Account, msg.Pool, msg.Shares); err != nil {
		return err
	}
	emitUndelegate(ctx, v.ID, msg.Pool, msg.Shares)
	return m.serving(ctx, &v).ServeAndSave()
}

// endBlock, for every vault in id order, takes commission on gains, serves
// the withdrawal queue from what the pools paid, and forces the exit from
// the pools if the queue's head is overdue.
func (m *Module) endBlock(ctx *module.Context) error {
	b := newBlockValues(m.Keeper, ctx.KV)
	for _, id := range m.Keeper.vaultIDs(ctx.KV) {
		v, _ := m.Keeper.Vault(ctx.KV, id)
		if err := m.settle(ctx, &v, b); err != nil {
			return err
		}
		if err := m.enforceBound(ctx, &v, b); err != nil {
			return err
		}
		m.Keeper.setVault(ctx.KV, &v)
	}
	return nil
}

// settle takes commission, serves the queue and forgets pools the vault no
// longer holds anything in. The caller saves v.
func (m *Module) settle(ctx *module.Context, v *Vault, b *blockValues) error {
	if err := m.takeCommission(ctx, v, b.value(v)); err != nil {
		return err
	}
	if err := m.servingAt(ctx, v, b.value).Serve(); err != nil {
		return err
	}
	kept := v.Pools[:0]
	for _, pos := range b.positions(v) {
		if !pos.Shares.IsZero() || pos.hasRequest {
			kept = append(kept, pos.Pool)
		}
	}
	v.Pools = kept
	return nil
}

// takeCommission mints owner shares for CommissionBps of the gain above
// the high-water mark (sharepool.Commission), the vault being worth value;
// the mark then moves to the new price. A price at or below the mark (no
// gain since) mints nothing. The caller saves v.
func (m *Module) takeCommission(ctx *module.Context, v *Vault, value pha.Amount) error {
	if v.TotalShares.IsZero() {
		return nil
	}
	price, err := sharepool.Price(value, v.TotalShares)
	if err != nil || !v.HighWater.LT(price) {
		return nil
	}
	if v.CommissionBps > 0 {
		fee, minted, err := sharepool.Commission(value, v.TotalShares, price, v.HighWater, v.CommissionBps)
		if err != nil {
			return fmt.Errorf("vault %d %w", v.ID, err)
		}
		if !minted.IsZero() {
			v.TotalShares, _ = v.TotalShares.Add(minted)
			v.CommissionShares, _ = v.CommissionShares.Add(minted)
			held, _ := m.Keeper.Shares(ctx.KV, v.ID, v.Owner).Add(minted)
			shareLedger.SetShares(ctx.KV, v.ID, v.Owner, held)
			emitCommission(ctx, v, minted, fee)
			if price, err = sharepool.Price(value, v.TotalShares); err != nil {
				return nil
			}
		}
	}
	if v.HighWater.LT(price) {
		v.HighWater = price
	}
	return nil
}

// serving is the queue of v to serve: its free PHA is its account's
// balance, so a payment burns only shares off the record.
func (m *Module) serving(ctx *module.Context, v *Vault) ledger.Serving {
	return m.servingAt(ctx, v, func(v *Vault) pha.Amount { return m.Keeper.Value(ctx.KV, v) })
}

// servingAt is serving with the vault valued by value.
func (m *Module) servingAt(ctx *module.Context, v *Vault, value func(*Vault) pha.Amount) ledger.Serving {
	return shareLedger.Serving(ctx.KV, &v.Queue, ledger.Pool{ID: v.ID, Account: v.Account,
		Funds: func() (free, val, total pha.Amount) {
			return m.Keeper.Free(ctx.KV, v), value(v), v.TotalShares
		},
		Burn: func(pay sharepool.Payment) error {
			total, err := v.TotalShares.Sub(pay.Shares)
			if err != nil {
				return fmt.Errorf("vault %d: burn %s of %s shares: %w", v.ID, pay.Shares, v.TotalShares, err)
			}
			v.TotalShares = total
			return nil
		},
		Paid:   func(w *Withdrawal, pay sharepool.Payment) { emitWithdrawal(ctx, v.ID, w, pay) },
		Queued: func(w *Withdrawal) { emitWithdrawalQueued(ctx, v.ID, w) },
		Save:   func() { m.Keeper.setVault(ctx.KV, v) },
	})
}

// enforceBound forces the exit: with the queue's head waiting past its due
// height, the vault withdraws every share it holds in every pool (pools
// where it already waits in the queue keep that request). The caller saves
// v.
func (m *Module) enforceBound(ctx *module.Context, v *Vault, b *blockValues) error {
	if v.Waiting() == 0 {
		return nil
	}
	head, ok := m.Keeper.Withdrawal(ctx.KV, v.ID, v.QueueHead)
	if !ok || ctx.Height < head.Due {
		return nil
	}
	for _, pos := range b.positions(v) {
		if pos.Shares.IsZero() || pos.hasRequest {
			continue
		}
		if err := m.pools.WithdrawFor(ctx, v.Account, pos.Pool, pos.Shares); err != nil {
			return fmt.Errorf("vault %d: forced exit from pool %d: %w", v.ID, pos.Pool, err)
		}
		emitForcedExit(ctx, v.ID, pos.Pool, pos.Shares, head.Seq)
	}
	b.forget() // the withdrawals changed the pools and this vault's shares in them
	return m.servingAt(ctx, v, b.value).Serve()
}

// VotingWeight is the DAO weight a's vault shares carry: what they are
// worth now (dao.WeightSource).
func (m *Module) VotingWeight(kv state.KV, a address.Address) pha.Amount {
	return m.Keeper.HolderValue(kv, a)
}

// TotalVotingWeight is the vaults' part of the DAO's total weight: their
// PHA not in stake pools, since the DAO already counts every pool's whole
// value (dao.WeightSource).
func (m *Module) TotalVotingWeight(kv state.KV) pha.Amount { return m.Keeper.TotalFree(kv) }
