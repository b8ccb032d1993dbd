package keys

import (
	"encoding/binary"
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/pha"
)

// Keeper reads and writes keys state; records are JSON of fixed structs.
type Keeper struct{}

// Authority is the account allowed to change the gatekeeper set.
func (Keeper) Authority(kv state.KV) address.Address {
	var a address.Address
	copy(a[:], kv.Get(keyAuthority))
	return a
}

// setAuthority records the genesis key authority.
func (Keeper) setAuthority(kv state.KV, a address.Address) { kv.Set(keyAuthority, a[:]) }

// genesisOperators lists the genesis gatekeeper operators that have not
// registered a worker yet.
func (Keeper) genesisOperators(kv state.KV) []address.Address {
	raw := kv.Get(keyGenesisOps)
	var out []address.Address
	for i := 0; i+address.Size <= len(raw); i += address.Size {
		out = append(out, address.Address(raw[i:i+address.Size]))
	}
	return out
}

// setGenesisOperators stores the operators still waiting; none left
// deletes the record.
func (Keeper) setGenesisOperators(kv state.KV, ops []address.Address) {
	if len(ops) == 0 {
		kv.Delete(keyGenesisOps)
		return
	}
	var raw []byte
	for _, a := range ops {
		raw = append(raw, a[:]...)
	}
	kv.Set(keyGenesisOps, raw)
}

// Gatekeeper returns a gatekeeper record.
func (Keeper) Gatekeeper(kv state.KV, worker [32]byte) (Gatekeeper, bool) {
	return module.GetJSON[Gatekeeper](kv, GatekeeperKey(worker), "keys gatekeeper")
}

// SetGatekeeper stores a gatekeeper record; the bond fields are not part
// of it (they have their own records) and are ignored.
func (Keeper) SetGatekeeper(kv state.KV, worker [32]byte, g Gatekeeper) {
	kv.Set(GatekeeperKey(worker), state.EncodeJSON(gatekeeperRecord{Worker: g.Worker, Added: g.Added, Holds: g.Holds,
		RejoinHeight: g.RejoinHeight, ExcludedForCause: g.ExcludedForCause}))
}

// deleteGatekeeper removes a gatekeeper record.
func (Keeper) deleteGatekeeper(kv state.KV, worker [32]byte) { kv.Delete(GatekeeperKey(worker)) }

// Order lists the gatekeepers in the order they were added; the first
// creates the master key.
func (Keeper) Order(kv state.KV) [][32]byte { return DecodeOrder(kv.Get(keyGKOrder)) }

// DecodeOrder splits the OrderKey value into worker ids.
func DecodeOrder(raw []byte) [][32]byte { return module.SplitIDs(raw) }

func (Keeper) appendOrder(kv state.KV, id [32]byte) {
	module.AppendID(kv, keyGKOrder, id)
}

// setOrder replaces the gatekeeper order.
func (Keeper) setOrder(kv state.KV, order [][32]byte) {
	var raw []byte
	for _, id := range order {
		raw = append(raw, id[:]...)
	}
	kv.Set(keyGKOrder, raw)
}

// Current returns the current master-key generation, if any.
func (Keeper) Current(kv state.KV) (Generation, bool) {
	return module.GetJSON[Generation](kv, keyCurrentGen, "keys current generation")
}

// History lists every generation in order.
func (Keeper) History(kv state.KV) []Generation {
	return module.ListJSON[Generation](kv, prefixGen, "keys generation")
}

// setGeneration records generation g and makes it the current one.
func (Keeper) setGeneration(kv state.KV, g Generation) {
	kv.Set(GenerationKey(g.Number), state.EncodeJSON(g))
	kv.Set(keyCurrentGen, state.EncodeJSON(g))
}

// The gatekeeper bond: an operator moves PHA from its account into
// BondAccount against one of its gatekeepers, and the bonded amount is the
// gatekeeper's weight in the election (elect). Unbonding takes the weight
// away at once and pays the PHA back UnbondDelay blocks later, in EndBlock,
// from a queue kept in release order.

// Bond returns a gatekeeper's bond record; ok is false when nothing is
// bonded.
func (Keeper) Bond(kv state.KV, worker [32]byte) (Bond, bool) {
	return module.GetJSON[Bond](kv, BondKey(worker), "keys bond")
}

// Bonded is the PHA bonded to a gatekeeper, its election weight.
func (k Keeper) Bonded(kv state.KV, worker [32]byte) pha.Amount {
	b, _ := k.Bond(kv, worker)
	return b.Amount
}

// setBond stores a bond record; a zero bond is deleted.
func (Keeper) setBond(kv state.KV, worker [32]byte, b Bond) {
	if b.Amount.IsZero() {
		kv.Delete(BondKey(worker))
		return
	}
	kv.Set(BondKey(worker), state.EncodeJSON(b))
}

// Unbondings lists every gatekeeper's pending unbondings, in release
// order. It walks the whole queue: for queries, not for transactions.
func (Keeper) Unbondings(kv state.KV) map[[32]byte][]Unbonding {
	out := map[[32]byte][]Unbonding{}
	iterateUnbondings(kv, func(_ []byte, release int64, id [32]byte, b Bond) bool {
		out[id] = append(out[id], Unbonding{Amount: b.Amount, Release: release})
		return true
	})
	return out
}

// addUnbonding queues amount for operator op at height release. Two
// unbondings of one gatekeeper maturing at the same height share an entry
// (and keep the operator it was first queued for).
func (Keeper) addUnbonding(kv state.KV, release int64, id [32]byte, op address.Address, amount pha.Amount) error {
	key := UnbondingKey(release, id)
	pending := Bond{Operator: op}
	if raw := kv.Get(key); raw != nil {
		state.DecodeJSON(raw, &pending, "keys unbonding")
	}
	var err error
	if pending.Amount, err = pending.Amount.Add(amount); err != nil {
		return err
	}
	kv.Set(key, state.EncodeJSON(pending))
	return nil
}

// dueUnbonding is a queue entry whose release height has come.
type dueUnbonding struct {
	key []byte
	id  [32]byte
	b   Bond
}

// dueUnbondings lists the queue entries due at or before height, in queue
// (release height, then gatekeeper id) order.
func (Keeper) dueUnbondings(kv state.KV, height int64) ([]dueUnbonding, error) {
	due, err := state.Due(kv, prefixUnbond, 32, uint64(height), 0)
	if err != nil {
		return nil, fmt.Errorf("unbonding queue: %w", err)
	}
	dues := make([]dueUnbonding, len(due))
	for i, e := range due {
		dues[i] = dueUnbonding{key: e.Key, id: [32]byte(e.Rest)}
		state.DecodeJSON(e.Value, &dues[i].b, "keys unbonding")
	}
	return dues, nil
}

// deleteUnbonding removes a paid queue entry.
func (Keeper) deleteUnbonding(kv state.KV, d dueUnbonding) { kv.Delete(d.key) }

// iterateUnbondings walks the unbonding queue in order, for queries: a
// malformed key panics, which fails only the query.
func iterateUnbondings(kv state.KV, fn func(key []byte, release int64, id [32]byte, b Bond) bool) {
	kv.Iterate(prefixUnbond, func(k, v []byte) bool {
		release, id, ok := splitUnbondingKey(k)
		if !ok {
			panic(&state.StorageError{Err: fmt.Errorf("keys unbonding key %x", k)})
		}
		var b Bond
		state.DecodeJSON(v, &b, "keys unbonding")
		return fn(k, release, id, b)
	})
}

// Params returns the rotation params.
func (Keeper) Params(kv state.KV) Params {
	return module.LoadJSON(kv, keyParams, DefaultParams(), "keys params")
}

// SetParams replaces the params after validating them; the DAO's
// set-parameter proposals call it.
func (Keeper) SetParams(kv state.KV, p Params) error {
	if err := p.Validate(); err != nil {
		return err
	}
	kv.Set(keyParams, state.EncodeJSON(p))
	return nil
}

// Rotation returns the active rotation, if any.
func (Keeper) Rotation(kv state.KV) (Rotation, bool) {
	return module.GetJSON[Rotation](kv, keyRotation, "keys rotation")
}

// setRotation stores the running rotation.
func (Keeper) setRotation(kv state.KV, r Rotation) { kv.Set(keyRotation, state.EncodeJSON(r)) }

// endRotation forgets the running rotation and holds key traffic until
// height resume.
func (Keeper) endRotation(kv state.KV, resume int64) {
	kv.Delete(keyRotation)
	kv.Set(keyResume, binary.BigEndian.AppendUint64(nil, uint64(resume)))
}

// ResumeHeight is the first height at which gatekeeper-to-worker key
// traffic may flow again after a rotation.
func (Keeper) ResumeHeight(kv state.KV) int64 {
	raw := kv.Get(keyResume)
	if len(raw) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(raw))
}

// KeyTrafficPaused reports whether key traffic to workers is held: during
// a rotation and until ResumeDelay blocks after it ends.
func (k Keeper) KeyTrafficPaused(kv state.KV, height int64) bool {
	if _, ok := k.Rotation(kv); ok {
		return true
	}
	return height < k.ResumeHeight(kv)
}

// NextRound is the number the next rotation round will have.
func (Keeper) NextRound(kv state.KV) uint64 { return DecodeRound(kv.Get(keyRound)) }

// setNextRound stores the number the next rotation round will have.
func (Keeper) setNextRound(kv state.KV, round uint64) {
	kv.Set(keyRound, binary.BigEndian.AppendUint64(nil, round))
}

// CommittedAheadFor reports a gatekeeper's commitment made ahead for round.
func (Keeper) CommittedAheadFor(kv state.KV, id [32]byte, round uint64) ([]byte, bool) {
	r, c, ok := DecodePrecommit(kv.Get(PrecommitKey(id)))
	return c, ok && r == round
}

// setPrecommit stores a gatekeeper's commitment made ahead for round.
func (Keeper) setPrecommit(kv state.KV, id [32]byte, round uint64, commitment []byte) {
	kv.Set(PrecommitKey(id), append(binary.BigEndian.AppendUint64(nil, round), commitment...))
}

// setEvidence keeps the evidence of a member's misbehaviour.
func (Keeper) setEvidence(kv state.KV, e Evidence) {
	kv.Set(EvidenceKey(e.Round, [32]byte(e.Member)), state.EncodeJSON(e))
}

// Evidence returns the evidence kept against a member in a round.
func (Keeper) Evidence(kv state.KV, round uint64, id [32]byte) (Evidence, bool) {
	return module.GetJSON[Evidence](kv, EvidenceKey(round, id), "keys evidence")
}

// AllEvidence lists every evidence record, by round then member.
func (Keeper) AllEvidence(kv state.KV) []Evidence {
	return module.ListJSON[Evidence](kv, prefixEvidence, "keys evidence")
}
