package balances

import (
	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/pha"
)

// Event types and attribute keys emitted by this module. Attributes are
// indexed, so "transfer.recipient='pha1...'" finds an account's incoming
// transfers through CometBFT's tx_search.
const (
	EventTransfer = "transfer"
	EventFee      = "fee"

	AttrSender    = "sender"
	AttrRecipient = "recipient"
	AttrAmount    = "amount"
	AttrPayer     = "payer"
)

func emitTransfer(ctx *module.Context, from, to address.Address, amount pha.Amount) {
	ctx.Emit(EventTransfer, AttrSender, from.String(), AttrRecipient, to.String(), AttrAmount, amount.String())
}

// EmitFee records a fee payment.
func EmitFee(ctx *module.Context, payer address.Address, amount pha.Amount) {
	ctx.Emit(EventFee, AttrPayer, payer.String(), AttrAmount, amount.String())
}
