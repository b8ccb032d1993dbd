package keys

import (
	"fmt"
	"strconv"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/pha"
)

// Event types and attribute keys of the keys module.
const (
	EventGatekeeperAdded = "gatekeeper_added"
	// EventGatekeeperRemoved: governance took a gatekeeper out of the set.
	EventGatekeeperRemoved = "gatekeeper_removed"
	// EventGatekeeperRejoin: a gatekeeper a rotation left out asked for
	// the whole master-key history again (keys/rejoin).
	EventGatekeeperRejoin = "gatekeeper_rejoin"
	EventGeneration       = "master_key_generation"
	EventConfirmed        = "gatekeeper_confirmed"
	// EventRotation marks each phase of a master-key rotation: commit,
	// reveal, confirm, done (with resume_height) or aborted (with the
	// reason, naming the check that failed, and the excluded members).
	EventRotation = "key_rotation"
	// EventEvidence: the chain kept evidence of a member's misbehaviour in
	// a round (worker, round, check: equivocation or rogue confirmation).
	EventEvidence = "rotation_evidence"
	// EventBond: an operator bonded PHA to a gatekeeper (worker, operator,
	// amount, bonded = the new total).
	EventBond = "gatekeeper_bond"
	// EventUnbond: an operator started unbonding (worker, operator, amount,
	// bonded = what is left, release_height).
	EventUnbond = "gatekeeper_unbond"
	// EventUnbonded: an unbonding matured and was paid back to the operator
	// (worker, operator, amount).
	EventUnbonded = "gatekeeper_unbonded"

	AttrWorker     = "worker"
	AttrGeneration = "generation"
	AttrSignKey    = "sign_pubkey"
	AttrOperator   = "operator"
	AttrAmount     = "amount"
	AttrBonded     = "bonded"
	AttrRelease    = "release_height"
)

func emitRotation(ctx *module.Context, r Rotation, phase string, extra ...string) {
	attrs := append([]string{"round", strconv.FormatUint(r.Round, 10), "generation", strconv.FormatUint(r.Generation, 10), "phase", phase}, extra...)
	evAttrs := make([]abci.EventAttribute, 0, len(attrs)/2)
	for i := 0; i+1 < len(attrs); i += 2 {
		evAttrs = append(evAttrs, module.Indexed(attrs[i], attrs[i+1]))
	}
	ctx.Emit(EventRotation, evAttrs...)
}

// emitRotationNot records that a rotation could not start (phase
// "not_started" or "not_restarted") and why.
func emitRotationNot(ctx *module.Context, phase string, err error) {
	ctx.Emit(EventRotation, module.Indexed("phase", phase), module.Attr("reason", err.Error()))
}

// emitEvidence reports kept evidence.
func emitEvidence(ctx *module.Context, e Evidence) {
	ctx.Emit(EventEvidence, module.Indexed(AttrWorker, fmt.Sprintf("%x", []byte(e.Member))),
		module.Indexed("round", strconv.FormatUint(e.Round, 10)), module.Indexed("check", e.Check))
}

// emitGatekeeper records a change of the gatekeeper set (added or
// removed) or a gatekeeper's request to rejoin.
func emitGatekeeper(ctx *module.Context, typ string, id [32]byte) {
	ctx.Emit(typ, module.Indexed(AttrWorker, fmt.Sprintf("%x", id)))
}

// emitGeneration records master-key generation 0.
func emitGeneration(ctx *module.Context, sign []byte) {
	ctx.Emit(EventGeneration, module.Indexed(AttrGeneration, "0"), module.Attr(AttrSignKey, fmt.Sprintf("%x", sign)))
}

// emitConfirmed records that a gatekeeper proved it holds generation gen.
func emitConfirmed(ctx *module.Context, id [32]byte, gen uint64) {
	ctx.Emit(EventConfirmed, module.Indexed(AttrWorker, fmt.Sprintf("%x", id)), module.Attr(AttrGeneration, strconv.FormatUint(gen, 10)))
}

// emitBond records a bond of amount, bonded being the new total.
func emitBond(ctx *module.Context, id [32]byte, op address.Address, amount, bonded pha.Amount) {
	if !ctx.Recording() {
		return
	}
	ctx.Emit(EventBond, module.Indexed(AttrWorker, fmt.Sprintf("%x", id)), module.Indexed(AttrOperator, op.String()),
		module.Attr(AttrAmount, amount.String()), module.Attr(AttrBonded, bonded.String()))
}

// emitUnbond records an unbonding paid back at height release. An
// operator's unbond passes the amount and what is left bonded; a removal,
// which unbonds everything, passes neither.
func emitUnbond(ctx *module.Context, id [32]byte, op address.Address, release int64, amountAndLeft ...pha.Amount) {
	if !ctx.Recording() {
		return
	}
	attrs := []abci.EventAttribute{module.Indexed(AttrWorker, fmt.Sprintf("%x", id)), module.Indexed(AttrOperator, op.String())}
	if len(amountAndLeft) == 2 {
		attrs = append(attrs, module.Attr(AttrAmount, amountAndLeft[0].String()), module.Attr(AttrBonded, amountAndLeft[1].String()))
	}
	attrs = append(attrs, module.Attr(AttrRelease, strconv.FormatInt(release, 10)))
	ctx.Emit(EventUnbond, attrs...)
}

// emitUnbonded records a matured unbonding paid back to the operator.
func emitUnbonded(ctx *module.Context, id [32]byte, op address.Address, amount pha.Amount) {
	if !ctx.Recording() {
		return
	}
	ctx.Emit(EventUnbonded, module.Indexed(AttrWorker, fmt.Sprintf("%x", id)), module.Indexed(AttrOperator, op.String()),
		module.Attr(AttrAmount, amount.String()))
}
