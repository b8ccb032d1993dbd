package vault

import (
	"strconv"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/sharepool"
)

// Event types and attribute keys.
const (
	EventCreated          = "vault_created"           // vault, owner, commission_bps
	EventDeposit          = "vault_deposit"           // vault, account, amount, shares
	EventWithdrawalQueued = "vault_withdrawal_queued" // vault, account, shares, seq
	EventWithdrawal       = "vault_withdrawal"        // vault, account, shares, amount, seq, complete
	EventCommission       = "vault_commission"        // vault, shares (minted to the owner)
	EventDelegate         = "vault_delegate"          // vault, pool, amount
	EventUndelegate       = "vault_undelegate"        // vault, pool, shares
	EventForcedExit       = "vault_forced_exit"       // vault, pool, shares, seq (the overdue request)

	AttrVault      = "vault"
	AttrOwner      = "owner"
	AttrCommission = "commission_bps"
	AttrAccount    = "account"
	AttrAmount     = "amount"
	AttrShares     = "shares"
	AttrSeq        = "seq"
	AttrComplete   = "complete"
	AttrPool       = "pool"
)

// emit emits typ for vault id (the indexed attribute every vault event
// carries first) with more attributes.
func emit(ctx *module.Context, typ string, id uint64, attrs ...abci.EventAttribute) {
	if ctx.Recording() {
		ctx.Emit(typ, append([]abci.EventAttribute{module.Indexed(AttrVault, strconv.FormatUint(id, 10))}, attrs...)...)
	}
}

// accountEvent emits typ for vault id and account with more attributes.
func accountEvent(ctx *module.Context, typ string, id uint64, a address.Address, attrs ...abci.EventAttribute) {
	emit(ctx, typ, id, append([]abci.EventAttribute{module.Indexed(AttrAccount, a.String())}, attrs...)...)
}

// poolEvent emits typ for vault id and pool with more attributes.
func poolEvent(ctx *module.Context, typ string, id, pool uint64, attrs ...abci.EventAttribute) {
	emit(ctx, typ, id, append([]abci.EventAttribute{module.Indexed(AttrPool, strconv.FormatUint(pool, 10))}, attrs...)...)
}

func emitCreated(ctx *module.Context, v *Vault) {
	emit(ctx, EventCreated, v.ID, module.Indexed(AttrOwner, v.Owner.String()), module.Attr(AttrCommission, strconv.FormatUint(uint64(v.CommissionBps), 10)))
}

func emitDeposit(ctx *module.Context, id uint64, a address.Address, amount, shares pha.Amount) {
	accountEvent(ctx, EventDeposit, id, a, module.Attr(AttrAmount, amount.String()), module.Attr(AttrShares, shares.String()))
}

func emitWithdrawalQueued(ctx *module.Context, id uint64, w *Withdrawal) {
	accountEvent(ctx, EventWithdrawalQueued, id, w.Account, module.Attr(AttrShares, w.Shares.String()), module.Attr(AttrSeq, strconv.FormatUint(w.Seq, 10)))
}

func emitWithdrawal(ctx *module.Context, id uint64, w *Withdrawal, pay sharepool.Payment) {
	accountEvent(ctx, EventWithdrawal, id, w.Account, module.Attr(AttrShares, pay.Shares.String()), module.Attr(AttrAmount, pay.Amount.String()),
		module.Attr(AttrSeq, strconv.FormatUint(w.Seq, 10)), module.Attr(AttrComplete, strconv.FormatBool(pay.Complete)))
}

func emitCommission(ctx *module.Context, v *Vault, minted, fee pha.Amount) {
	accountEvent(ctx, EventCommission, v.ID, v.Owner, module.Attr(AttrShares, minted.String()), module.Attr(AttrAmount, fee.String()))
}

func emitDelegate(ctx *module.Context, id, pool uint64, amount pha.Amount) {
	poolEvent(ctx, EventDelegate, id, pool, module.Attr(AttrAmount, amount.String()))
}

func emitUndelegate(ctx *module.Context, id, pool uint64, shares pha.Amount) {
	poolEvent(ctx, EventUndelegate, id, pool, module.Attr(AttrShares, shares.String()))
}

func emitForcedExit(ctx *module.Context, id, pool uint64, shares pha.Amount, seq uint64) {
	poolEvent(ctx, EventForcedExit, id, pool, module.Attr(AttrShares, shares.String()), module.Attr(AttrSeq, strconv.FormatUint(seq, 10)))
}
