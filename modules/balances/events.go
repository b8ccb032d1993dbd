package balances

import (
	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/pha"
)

// Event types and attribute keys emitted by this module. Addresses are
// indexed, so "transfer.recipient='pha1...'" finds an account's incoming
// transfers through CometBFT's tx_search; amounts are not.
const (
	EventTransfer = "transfer"
	EventFee      = "fee"

	AttrSender    = "sender"
	AttrRecipient = "recipient"
	AttrAmount    = "amount"
	AttrPayer     = "payer"
)

func emitTransfer(ctx *module.Context, from, to address.Address, amount pha.Amount) {
	if !ctx.Recording() {
		return
	}
	ctx.Emit(EventTransfer, module.Indexed(AttrSender, from.String()), module.Indexed(AttrRecipient, to.String()), module.Attr(AttrAmount, amount.String()))
}

// EmitFee records a fee payment; payer is the bech32 address.
func EmitFee(ctx *module.Context, payer string, amount pha.Amount) {
	ctx.Emit(EventFee, module.Attr(AttrPayer, payer), module.Attr(AttrAmount, amount.String()))
}
