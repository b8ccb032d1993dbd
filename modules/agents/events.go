package agents

import (
	"encoding/hex"
	"strconv"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/pha"
)

// Event types and attribute keys of the agents module.
const (
	EventDeployed = "agent_deployed"
	EventUpdated  = "agent_updated"
	EventEscrow   = "agent_escrow"
	EventAPIKey   = "agent_api_key"
	EventSettled  = "agent_receipts"
	EventHold     = "agent_hold"

	AttrAgent    = "agent"
	AttrOwner    = "owner"
	AttrAccount  = "account"
	AttrAction   = "action"
	AttrAmount   = "amount"
	AttrWorker   = "worker"
	AttrSettled  = "settled"
	AttrSkipped  = "duplicates"
	AttrExpired  = "expired"
	AttrUnderpay = "underpaid"
	AttrEpoch    = "epoch"
	AttrGranted  = "granted"
	AttrHeld     = "held"
	AttrExpires  = "expires_height"
)

// actionReseal is the action of an EventUpdated for secrets sealed again
// to a new key epoch; other updates name their message type.
const actionReseal = "reseal"

// API key actions of an EventAPIKey.
const (
	actionRegister = "register"
	actionRevoke   = "revoke"
)

func emitDeployed(ctx *module.Context, id []byte, owner address.Address) {
	if !ctx.Recording() {
		return
	}
	ctx.Emit(EventDeployed, module.Indexed(AttrAgent, hex.EncodeToString(id)), module.Indexed(AttrOwner, owner.String()))
}

func emitUpdated(ctx *module.Context, id [32]byte, action string) {
	if !ctx.Recording() {
		return
	}
	ctx.Emit(EventUpdated, module.Indexed(AttrAgent, hex.EncodeToString(id[:])), module.Attr(AttrAction, action))
}

func emitResealed(ctx *module.Context, id [32]byte, epoch uint64) {
	if !ctx.Recording() {
		return
	}
	ctx.Emit(EventUpdated, module.Indexed(AttrAgent, hex.EncodeToString(id[:])), module.Attr(AttrAction, actionReseal),
		module.Attr(AttrEpoch, strconv.FormatUint(epoch, 10)))
}

func emitEscrow(ctx *module.Context, account address.Address, action string, amount pha.Amount) {
	if !ctx.Recording() {
		return
	}
	ctx.Emit(EventEscrow, module.Indexed(AttrAccount, account.String()), module.Attr(AttrAction, action), module.Attr(AttrAmount, amount.String()))
}

func emitAPIKey(ctx *module.Context, account address.Address, action string) {
	if !ctx.Recording() {
		return
	}
	ctx.Emit(EventAPIKey, module.Indexed(AttrAccount, account.String()), module.Attr(AttrAction, action))
}

// settlement counts what happened to a batch's receipts.
type settlement struct{ settled, skipped, expired, underpaid int }

func emitSettled(ctx *module.Context, worker [32]byte, s settlement) {
	if !ctx.Recording() {
		return
	}
	ctx.Emit(EventSettled, module.Indexed(AttrWorker, hex.EncodeToString(worker[:])), module.Attr(AttrSettled, strconv.Itoa(s.settled)),
		module.Attr(AttrSkipped, strconv.Itoa(s.skipped)), module.Attr(AttrExpired, strconv.Itoa(s.expired)), module.Attr(AttrUnderpay, strconv.Itoa(s.underpaid)))
}

// emitHold reports a worker's hold request answered: what it granted now
// and what the hold sets aside until when.
func emitHold(ctx *module.Context, caller address.Address, worker [32]byte, grant pha.Amount, h Hold) {
	if !ctx.Recording() {
		return
	}
	ctx.Emit(EventHold, module.Indexed(AttrAccount, caller.String()), module.Indexed(AttrWorker, hex.EncodeToString(worker[:])),
		module.Attr(AttrGranted, grant.String()), module.Attr(AttrHeld, h.Remaining().String()), module.Attr(AttrExpires, strconv.FormatInt(h.Expires, 10)))
}
