package mq

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
