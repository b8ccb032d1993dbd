package stakepool

import (
	"strconv"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/sharepool"
)

// Event types and attribute keys of the stakepool module.
const (
	// EventCreated: a pool was created (pool, owner, commission_bps).
	EventCreated = "pool_created"
	// EventWorkerAdded and EventWorkerRemoved: pool membership (pool,
	// worker).
	EventWorkerAdded   = "pool_worker_added"
	EventWorkerRemoved = "pool_worker_removed"
	// EventContribution: an account bought shares (pool, account, amount,
	// shares).
	EventContribution = "pool_contribution"
	// EventWithdrawalQueued: a withdrawal request could not be paid in
	// full at once and waits (pool, account, shares, seq).
	EventWithdrawalQueued = "pool_withdrawal_queued"
	// EventWithdrawal: shares were redeemed and paid (pool, account,
	// shares, amount, seq); complete says whether the request is done.
	EventWithdrawal = "pool_withdrawal"
	// EventReward: computation paid the pool (pool, amount, commission).
	EventReward = "pool_reward"
	// EventForcedStop: a withdrawal waited past the grace period and the
	// pool's workers were stopped (pool, seq, stopped).
	EventForcedStop = "pool_forced_stop"
	// EventSlashed: a session of the pool ended with V below Ve and lost
	// part of its stake to the treasury (pool, worker, amount).
	EventSlashed = "pool_slashed"

	AttrPool       = "pool"
	AttrOwner      = "owner"
	AttrCommission = "commission_bps"
	AttrWorker     = "worker"
	AttrAccount    = "account"
	AttrAmount     = "amount"
	AttrShares     = "shares"
	AttrSeq        = "seq"
	AttrComplete   = "complete"
	AttrCommPaid   = "commission"
	AttrStopped    = "stopped"
)

// poolAttr is the indexed pool attribute every event carries.
func poolAttr(id uint64) abci.EventAttribute {
	return module.Indexed(AttrPool, strconv.FormatUint(id, 10))
}

func emitCreated(ctx *module.Context, p *Pool) {
	if ctx.Recording() {
		ctx.Emit(EventCreated, poolAttr(p.ID), module.Indexed(AttrOwner, p.Owner.String()),
			module.Attr(AttrCommission, strconv.FormatUint(uint64(p.CommissionBps), 10)))
	}
}

// emitMembership emits EventWorkerAdded or EventWorkerRemoved.
func emitMembership(ctx *module.Context, typ string, pool uint64, w registry.WorkerID) {
	if ctx.Recording() {
		ctx.Emit(typ, poolAttr(pool), module.Indexed(AttrWorker, w.String()))
	}
}

func emitContribution(ctx *module.Context, pool uint64, account address.Address, amount, shares pha.Amount) {
	if ctx.Recording() {
		ctx.Emit(EventContribution, poolAttr(pool), module.Indexed(AttrAccount, account.String()),
			module.Attr(AttrAmount, amount.String()), module.Attr(AttrShares, shares.String()))
	}
}

func emitWithdrawalQueued(ctx *module.Context, pool uint64, w *Withdrawal) {
	if ctx.Recording() {
		ctx.Emit(EventWithdrawalQueued, poolAttr(pool), module.Indexed(AttrAccount, w.Account.String()),
			module.Attr(AttrShares, w.Shares.String()), module.Attr(AttrSeq, strconv.FormatUint(w.Seq, 10)))
	}
}

func emitWithdrawal(ctx *module.Context, pool uint64, w *Withdrawal, pay sharepool.Payment) {
	if ctx.Recording() {
		ctx.Emit(EventWithdrawal, poolAttr(pool), module.Indexed(AttrAccount, w.Account.String()),
			module.Attr(AttrShares, pay.Shares.String()), module.Attr(AttrAmount, pay.Amount.String()),
			module.Attr(AttrSeq, strconv.FormatUint(w.Seq, 10)), module.Attr(AttrComplete, strconv.FormatBool(pay.Complete)))
	}
}

func emitReward(ctx *module.Context, pool uint64, amount, commission pha.Amount) {
	if ctx.Recording() {
		ctx.Emit(EventReward, poolAttr(pool), module.Attr(AttrAmount, amount.String()), module.Attr(AttrCommPaid, commission.String()))
	}
}

func emitForcedStop(ctx *module.Context, pool, seq uint64, stopped int) {
	if ctx.Recording() {
		ctx.Emit(EventForcedStop, poolAttr(pool), module.Attr(AttrSeq, strconv.FormatUint(seq, 10)), module.Attr(AttrStopped, strconv.Itoa(stopped)))
	}
}

func emitSlashed(ctx *module.Context, pool uint64, worker registry.WorkerID, amount pha.Amount) {
	if ctx.Recording() {
		ctx.Emit(EventSlashed, poolAttr(pool), module.Indexed(AttrWorker, worker.String()), module.Attr(AttrAmount, amount.String()))
	}
}
