package dao

import (
	"strconv"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/pha"
)

// Events of the dao module.
const (
	EventLock     = "dao_lock"
	EventUnlock   = "dao_unlock"
	EventPropose  = "dao_propose"
	EventVote     = "dao_vote"
	EventTally    = "dao_tally"
	EventEnact    = "dao_enact"
	AttrProposal  = "proposal"
	AttrAccount   = "account"
	AttrAmount    = "amount"
	AttrStatus    = "status"
	AttrKind      = "kind"
	AttrOption    = "option"
	AttrError     = "error"
	AttrReleaseAt = "release_height"
	// The tally's counts.
	AttrYes     = "yes"
	AttrNo      = "no"
	AttrAbstain = "abstain"
	AttrTotal   = "total"
)

func proposalAttr(id uint64) abci.EventAttribute {
	return module.Indexed(AttrProposal, strconv.FormatUint(id, 10))
}

func emitLock(ctx *module.Context, a address.Address, amount pha.Amount) {
	if !ctx.Recording() {
		return
	}
	ctx.Emit(EventLock, module.Indexed(AttrAccount, a.String()), module.Attr(AttrAmount, amount.String()))
}

func emitUnlock(ctx *module.Context, a address.Address, amount pha.Amount, release int64) {
	if !ctx.Recording() {
		return
	}
	ctx.Emit(EventUnlock, module.Indexed(AttrAccount, a.String()), module.Attr(AttrAmount, amount.String()), module.Attr(AttrReleaseAt, strconv.FormatInt(release, 10)))
}

func emitPropose(ctx *module.Context, p *Proposal) {
	if !ctx.Recording() {
		return
	}
	ctx.Emit(EventPropose, proposalAttr(p.ID), module.Indexed(AttrAccount, p.Proposer.String()),
		module.Attr(AttrKind, p.Action.Kind), module.Attr(AttrAmount, p.Deposit.String()))
}

func emitVote(ctx *module.Context, id uint64, voter address.Address, option byte) {
	if !ctx.Recording() {
		return
	}
	ctx.Emit(EventVote, proposalAttr(id), module.Indexed(AttrAccount, voter.String()), module.Attr(AttrOption, OptionName(option)))
}

func emitTally(ctx *module.Context, p *Proposal, t Tally) {
	if !ctx.Recording() {
		return
	}
	ctx.Emit(EventTally, proposalAttr(p.ID), module.Attr(AttrStatus, p.Status),
		module.Attr(AttrYes, t.Yes.String()), module.Attr(AttrNo, t.No.String()), module.Attr(AttrAbstain, t.Abstain.String()), module.Attr(AttrTotal, t.Total.String()))
}

func emitEnact(ctx *module.Context, p *Proposal) {
	if !ctx.Recording() {
		return
	}
	attrs := []abci.EventAttribute{proposalAttr(p.ID), module.Attr(AttrKind, p.Action.Kind), module.Attr(AttrStatus, p.Status)}
	if p.Error != "" {
		attrs = append(attrs, module.Attr(AttrError, p.Error))
	}
	ctx.Emit(EventEnact, attrs...)
}
