package shielded

import (
	"strconv"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanetwork/phala/chain/module"
)

// Event types and attribute keys. Events say only which leaves were added
// and how many notes were spent: never an amount, owner or nullifier link
// beyond what the transaction itself carries.
const (
	EventShield   = "shielded_shield"   // first_leaf, leaves, spent
	EventTransfer = "shielded_transfer" // first_leaf, leaves, spent
	EventUnshield = "shielded_unshield" // first_leaf, leaves, spent

	AttrFirstLeaf = "first_leaf"
	AttrLeaves    = "leaves"
	AttrSpent     = "spent"
)

// emitNotes emits typ for leaves [first, first+n) and spent notes.
func emitNotes(ctx *module.Context, typ string, first, n, spent uint64) {
	if ctx.Recording() {
		ctx.Emit(typ, module.Indexed(AttrFirstLeaf, strconv.FormatUint(first, 10)),
			module.Attr(AttrLeaves, strconv.FormatUint(n, 10)), module.Attr(AttrSpent, strconv.FormatUint(spent, 10)))
	}
}

// EventCeremony reports a step of the setup ceremony: AttrAction is
// started, contribution, accepted, refused, sealed (phase 1's beacon),
// key, done or failed.
const (
	EventCeremony = "shielded_ceremony"

	AttrAction      = "action"
	AttrStage       = "stage"
	AttrSlot        = "slot"
	AttrContributor = "contributor"
	AttrHash        = "hash"
	AttrReason      = "reason"
)

// emitCeremony emits one ceremony step of stage with extra attributes.
func emitCeremony(ctx *module.Context, action string, stage int, attrs ...abci.EventAttribute) {
	if ctx.Recording() {
		all := append([]abci.EventAttribute{module.Indexed(AttrAction, action), module.Attr(AttrStage, strconv.Itoa(stage))}, attrs...)
		ctx.Emit(EventCeremony, all...)
	}
}
