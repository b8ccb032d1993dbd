package contracts

import (
	"encoding/hex"
	"strconv"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/pha"
)

// Event types and attribute keys of the contracts module.
const (
	EventCodeStored = "contract_code"
	EventCreated    = "contract_created"
	EventInput      = "contract_input"
	EventKeys       = "contract_keys"
	EventResult     = "contract_result"
	EventDivergence = "contract_divergence"
	// EventFees: command fees paid out (contract, input, amount).
	EventFees = "contract_fees"
	// EventRefund: a command fee went back to its sender after
	// fee_refund_blocks without a root majority (contract, input,
	// sender, amount).
	EventRefund = "contract_fee_refund"

	AttrContract = "contract"
	AttrCode     = "code_hash"
	AttrCluster  = "cluster"
	AttrOwner    = "owner"
	AttrSender   = "sender"
	AttrInput    = "input"
	AttrKind     = "kind"
	AttrEpoch    = "epoch"
	AttrOK       = "ok"
	AttrWorker   = "worker"
	AttrAmount   = "amount"
)

func emitCodeStored(ctx *module.Context, hash [32]byte, sender address.Address) {
	if !ctx.Recording() {
		return
	}
	ctx.Emit(EventCodeStored, module.Indexed(AttrCode, hex.EncodeToString(hash[:])), module.Indexed(AttrSender, sender.String()))
}

func emitCreated(ctx *module.Context, c Contract) {
	if !ctx.Recording() {
		return
	}
	ctx.Emit(EventCreated, module.Indexed(AttrContract, hex.EncodeToString(c.ID)), module.Indexed(AttrOwner, c.Owner.String()),
		module.Indexed(AttrCluster, hex.EncodeToString(c.Cluster)), module.Attr(AttrCode, hex.EncodeToString(c.Code)), module.Attr(AttrKind, c.Kind))
}

func emitInput(ctx *module.Context, id Hex, in Input, seq uint64) {
	if !ctx.Recording() {
		return
	}
	ctx.Emit(EventInput, module.Indexed(AttrContract, hex.EncodeToString(id)), module.Indexed(AttrSender, in.Sender.String()),
		module.Attr(AttrInput, strconv.FormatUint(seq, 10)), module.Attr(AttrKind, strconv.Itoa(int(in.Kind))))
}

func emitKeys(ctx *module.Context, id [32]byte, epoch uint64) {
	if !ctx.Recording() {
		return
	}
	ctx.Emit(EventKeys, module.Indexed(AttrContract, hex.EncodeToString(id[:])), module.Attr(AttrEpoch, strconv.FormatUint(epoch, 10)))
}

func emitResult(ctx *module.Context, id [32]byte, input uint64, ok bool) {
	if !ctx.Recording() {
		return
	}
	ctx.Emit(EventResult, module.Indexed(AttrContract, hex.EncodeToString(id[:])), module.Indexed(AttrInput, strconv.FormatUint(input, 10)),
		module.Attr(AttrOK, strconv.FormatBool(ok)))
}

func emitDivergence(ctx *module.Context, id [32]byte, worker Hex, input uint64) {
	if !ctx.Recording() {
		return
	}
	ctx.Emit(EventDivergence, module.Indexed(AttrContract, hex.EncodeToString(id[:])), module.Indexed(AttrWorker, hex.EncodeToString(worker)),
		module.Attr(AttrInput, strconv.FormatUint(input, 10)))
}

func emitFees(ctx *module.Context, id [32]byte, input uint64, fee pha.Amount) {
	if !ctx.Recording() {
		return
	}
	ctx.Emit(EventFees, module.Indexed(AttrContract, hex.EncodeToString(id[:])), module.Attr(AttrInput, strconv.FormatUint(input, 10)),
		module.Attr(AttrAmount, fee.String()))
}

func emitRefund(ctx *module.Context, id [32]byte, d heldFee) {
	if ctx.Recording() {
		ctx.Emit(EventRefund, module.Indexed(AttrContract, hex.EncodeToString(id[:])), module.Attr(AttrInput, strconv.FormatUint(d.input, 10)),
			module.Indexed(AttrSender, d.sender.String()), module.Attr(AttrAmount, d.fee.String()))
	}
}
