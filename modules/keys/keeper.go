package keys

import (
	"encoding/binary"

	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
)

// Keeper reads and writes keys state; records are JSON of fixed structs.
type Keeper struct{}

// Authority is the account allowed to change the gatekeeper set.
func (Keeper) Authority(kv state.KV) address.Address {
	var a address.Address
	copy(a[:], kv.Get(keyAuthority))
	return a
}

// Gatekeeper returns a gatekeeper record.
func (Keeper) Gatekeeper(kv state.KV, worker [32]byte) (Gatekeeper, bool) {
	raw := kv.Get(GatekeeperKey(worker))
	if raw == nil {
		return Gatekeeper{}, false
	}
	var g Gatekeeper
	state.DecodeJSON(raw, &g, "keys gatekeeper")
	return g, true
}

// SetGatekeeper stores a gatekeeper record; the bond fields are not part
// of it (they have their own records) and are ignored.
func (Keeper) SetGatekeeper(kv state.KV, worker [32]byte, g Gatekeeper) {
	kv.Set(GatekeeperKey(worker), state.EncodeJSON(gatekeeperRecord{Worker: g.Worker, Added: g.Added, Holds: g.Holds}))
}

// Order lists the gatekeepers in the order they were added; the first
// creates the master key.
func (Keeper) Order(kv state.KV) [][32]byte { return DecodeOrder(kv.Get(keyGKOrder)) }

func (Keeper) appendOrder(kv state.KV, id [32]byte) {
	kv.Set(keyGKOrder, append(append([]byte(nil), kv.Get(keyGKOrder)...), id[:]...))
}

// Current returns the current master-key generation, if any.
func (Keeper) Current(kv state.KV) (Generation, bool) {
	raw := kv.Get(keyCurrentGen)
	if raw == nil {
		return Generation{}, false
	}
	var g Generation
	state.DecodeJSON(raw, &g, "keys current generation")
	return g, true
}

// History lists every generation in order.
func (Keeper) History(kv state.KV) []Generation {
	out := []Generation{}
	kv.Iterate(prefixGen, func(_, v []byte) bool {
		var g Generation
		state.DecodeJSON(v, &g, "keys generation")
		out = append(out, g)
		return true
	})
	return out
}

func (Keeper) setGeneration(kv state.KV, g Generation) {
	k := binary.BigEndian.AppendUint64(append([]byte(nil), prefixGen...), g.Number)
	kv.Set(k, state.EncodeJSON(g))
	kv.Set(keyCurrentGen, state.EncodeJSON(g))
}
