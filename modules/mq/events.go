package mq

import (
	"strconv"

	"github.com/phalanetwork/phala/chain/module"
)

// Event types and attribute keys of the mq module.
const (
	// EventMessage records an accepted message (its payload is in the tx).
	EventMessage = "mq_message"
	// EventEgress says a message for an off-chain origin is in state.
	EventEgress = "mq_egress"

	AttrOrigin      = "origin"
	AttrDestination = "destination"
	AttrTopic       = "topic"
	AttrSequence    = "sequence"
)

// emitMessage records an accepted message.
func emitMessage(ctx *module.Context, msg *SignedMessage) {
	if !ctx.Recording() {
		return
	}
	ctx.Emit(EventMessage, module.Indexed(AttrOrigin, msg.Origin.String()), module.Indexed(AttrTopic, msg.Topic),
		module.Attr(AttrSequence, strconv.FormatUint(msg.Sequence, 10)))
}

// emitEgress records that message seq to dest is in state.
func emitEgress(ctx *module.Context, dest Origin, topic string, seq uint64) {
	ctx.Emit(EventEgress, module.Indexed(AttrDestination, dest.String()), module.Indexed(AttrTopic, topic),
		module.Attr(AttrSequence, strconv.FormatUint(seq, 10)))
}
