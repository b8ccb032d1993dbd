package shielded

import (
	"strconv"

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
