package mq

import (
	"strconv"

	"github.com/phalanetwork/phala/chain/abcierr"
	"github.com/phalanetwork/phala/chain/module"
)

// Event types and attribute keys of the mq module.
const (
	// EventMessage records an accepted message (its payload is in the tx).
	EventMessage = "mq_message"
	// EventRefused records a worker's message whose topic's module refused
	// it: its sequence is used, its effects are discarded.
	EventRefused = "mq_refused"
	// EventEgress says a message for an off-chain origin is in state.
	EventEgress = "mq_egress"

	AttrOrigin      = "origin"
	AttrDestination = "destination"
	AttrTopic       = "topic"
	AttrSequence    = "sequence"
	AttrCodespace   = "codespace"
	AttrCode        = "code"
	AttrError       = "error"
)

// emitMessage records an accepted message.
func emitMessage(ctx *module.Context, msg *SignedMessage) {
	if !ctx.Recording() {
		return
	}
	ctx.Emit(EventMessage, module.Indexed(AttrOrigin, msg.Origin.String()), module.Indexed(AttrTopic, msg.Topic),
		module.Attr(AttrSequence, strconv.FormatUint(msg.Sequence, 10)))
}

// emitRefused records that msg's module refused it with err.
func emitRefused(ctx *module.Context, msg *SignedMessage, err error) {
	if !ctx.Recording() {
		return
	}
	space, code := abcierr.Code(err)
	ctx.Emit(EventRefused, module.Indexed(AttrOrigin, msg.Origin.String()), module.Indexed(AttrTopic, msg.Topic),
		module.Attr(AttrSequence, strconv.FormatUint(msg.Sequence, 10)),
		module.Attr(AttrCodespace, space), module.Attr(AttrCode, strconv.FormatUint(uint64(code), 10)),
		module.Attr(AttrError, err.Error()))
}

// emitEgress records that message seq to dest is in state.
func emitEgress(ctx *module.Context, dest Origin, topic string, seq uint64) {
	ctx.Emit(EventEgress, module.Indexed(AttrDestination, dest.String()), module.Indexed(AttrTopic, topic),
		module.Attr(AttrSequence, strconv.FormatUint(seq, 10)))
}
