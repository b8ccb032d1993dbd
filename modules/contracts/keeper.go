package contracts

import (
	"crypto/ed25519"
	"encoding/binary"
	"fmt"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/pha"
)

// Keeper reads and writes contracts state. It holds no state of its own,
// so one value serves every context; the Module embeds it, so its readers
// are the module's too.
type Keeper struct{}

// Params reads the module parameters.
func (Keeper) Params(kv state.KV) Params {
	return module.LoadJSON(kv, keyParams, Params{}, "contracts params")
}

func (Keeper) setParams(kv state.KV, p Params) { kv.Set(keyParams, state.EncodeJSON(p)) }

// Contract returns a contract record.
func (Keeper) Contract(kv state.KV, id [32]byte) (Contract, bool) {
	return module.GetJSON[Contract](kv, ContractKey(id), "contract %x", id)
}

func (Keeper) setContract(kv state.KV, c Contract) {
	kv.Set(ContractKey([32]byte(c.ID)), state.EncodeJSON(c))
}

// CodeInfo returns a stored code's record.
func (Keeper) CodeInfo(kv state.KV, hash [32]byte) (Code, bool) {
	return module.GetJSON[Code](kv, codeInfoKey(hash), "code %x", hash)
}

// Source returns a stored code blob.
func (Keeper) Source(kv state.KV, hash [32]byte) []byte { return kv.Get(CodeKey(hash)) }

// storeCode keeps a code blob and its record under the code's hash.
func (Keeper) storeCode(kv state.KV, hash [32]byte, code []byte, info Code) {
	kv.Set(CodeKey(hash), code)
	kv.Set(codeInfoKey(hash), state.EncodeJSON(info))
}

// nextNumber returns the number the next contract's id derives from and
// counts it.
func (Keeper) nextNumber(kv state.KV) uint64 {
	n := uint64(0)
	if raw := kv.Get(keyCounter); raw != nil {
		n = binary.BigEndian.Uint64(raw)
	}
	kv.Set(keyCounter, binary.BigEndian.AppendUint64(nil, n+1))
	return n
}

// list adds a new contract to the list of all contracts and to its
// cluster's.
func (Keeper) list(kv state.KV, id, cluster [32]byte) {
	module.AppendID(kv, keyList, id)
	module.AppendID(kv, ClusterContractsKey(cluster), id)
}

// List returns every contract id in creation order.
func (Keeper) List(kv state.KV) [][32]byte { return DecodeIDs(kv.Get(keyList)) }

// ClusterContracts lists the contracts instantiated in a cluster.
func (Keeper) ClusterContracts(kv state.KV, cluster [32]byte) [][32]byte {
	return DecodeIDs(kv.Get(ClusterContractsKey(cluster)))
}

// DecodeIDs splits a list of 32-byte ids as the contracts and agents
// modules store them.
func DecodeIDs(b []byte) [][32]byte { return module.SplitIDs(b) }

// markSeen records a command envelope by its hash until its expiry
// height, and reports false if it was already recorded.
func (Keeper) markSeen(kv state.KV, envelopeHash []byte, expires int64) bool {
	k := seenKey(envelopeHash)
	if kv.Get(k) != nil {
		return false
	}
	kv.Set(k, binary.BigEndian.AppendUint64(nil, uint64(expires)))
	kv.Set(seenExpiryKey(expires, envelopeHash), []byte{1})
	return true
}

// expireSeen deletes the seen records of the envelopes that expire at or
// before height: from the next block on they are refused as expired
// instead.
func (Keeper) expireSeen(kv state.KV, height int64) error {
	due, err := state.Due(kv, prefixSeenExpiry, 32, uint64(height), 0)
	if err != nil {
		return fmt.Errorf("seen envelope expiry queue: %w", err)
	}
	for _, e := range due {
		kv.Delete(seenKey(e.Rest))
		kv.Delete(e.Key)
	}
	return nil
}

// readInput reads an input number (8 bytes BE) stored at k.
func readInput(kv state.KV, k []byte) (uint64, bool) {
	raw := kv.Get(k)
	if len(raw) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(raw), true
}

// Pruned returns how many of a contract's first inputs are pruned: their
// results, input messages and root tallies (but the latest majority's)
// are gone.
func (Keeper) Pruned(kv state.KV, id [32]byte) uint64 {
	n, _ := readInput(kv, PrunedKey(id))
	return n
}

// LatestRoot returns the input of the contract's latest root majority.
func (Keeper) LatestRoot(kv state.KV, id [32]byte) (uint64, bool) {
	return readInput(kv, latestRootKey(id))
}

// Result returns the stored result of one input.
func (Keeper) Result(kv state.KV, id [32]byte, input uint64) (Result, bool) {
	return module.GetJSON[Result](kv, resultKey(id, input), "contract result")
}

func (Keeper) setResult(kv state.KV, id [32]byte, r Result) {
	kv.Set(resultKey(id, r.Input), state.EncodeJSON(r))
}

// Roots returns the state-root tally of one input.
func (Keeper) Roots(kv state.KV, id [32]byte, input uint64) (RootReport, bool) {
	return module.GetJSON[RootReport](kv, RootsKey(id, input), "contract roots")
}

func (Keeper) setRoots(kv state.KV, id [32]byte, r RootReport) {
	kv.Set(RootsKey(id, r.Input), state.EncodeJSON(r))
}

// Diverged lists the divergences recorded for a contract.
func (Keeper) Diverged(kv state.KV, id [32]byte) []Divergence {
	return module.LoadJSON(kv, divergedKey(id), []Divergence{}, "contract divergences")
}

func (Keeper) setDiverged(kv state.KV, id [32]byte, list []Divergence) {
	kv.Set(divergedKey(id), state.EncodeJSON(list))
}

// holdFee records the fee held for one input, refunded to sender at
// height refund unless paid out first.
func (Keeper) holdFee(kv state.KV, id [32]byte, input uint64, fee pha.Amount, sender address.Address, refund int64) {
	v := binary.BigEndian.AppendUint64(fee.Bytes(), uint64(refund))
	kv.Set(feeKey(id, input), append(v, sender[:]...))
	kv.Set(refundKey(refund, id, input), []byte{1})
}

// heldFee reads the fee held for one input; ok is false when none is.
func (Keeper) heldFee(kv state.KV, id [32]byte, input uint64) (heldFee, bool) {
	v := kv.Get(feeKey(id, input))
	if v == nil {
		return heldFee{}, false
	}
	return decodeHeldFee(feeKey(id, input), input, v), true
}

func decodeHeldFee(k []byte, input uint64, v []byte) heldFee {
	if len(v) != pha.Size+8+address.Size {
		panic(&state.StorageError{Err: fmt.Errorf("contract fee %x: %d bytes", k, len(v))})
	}
	fee, err := pha.FromBytes(v[:pha.Size])
	if err != nil {
		panic(&state.StorageError{Err: fmt.Errorf("contract fee %x: %w", k, err)})
	}
	return heldFee{input: input, fee: fee, refund: int64(binary.BigEndian.Uint64(v[pha.Size:])), sender: address.Address(v[pha.Size+8:])}
}

// heldFees returns the fees held for a contract's inputs up to and
// including input, in input order.
func (Keeper) heldFees(kv state.KV, id [32]byte, input uint64) []heldFee {
	var due []heldFee
	prefix := state.Key(prefixFee, id[:])
	kv.Iterate(prefix, func(k, v []byte) bool {
		n := binary.BigEndian.Uint64(k[len(prefix):])
		if n > input {
			return false
		}
		due = append(due, decodeHeldFee(k, n, v))
		return true
	})
	return due
}

// heldFee is a fee held for one input of a contract.
type heldFee struct {
	input  uint64
	fee    pha.Amount
	refund int64
	sender address.Address
}

// releaseFee forgets the fee held for one input once it is paid out or
// refunded.
func (Keeper) releaseFee(kv state.KV, id [32]byte, d heldFee) {
	kv.Delete(feeKey(id, d.input))
	kv.Delete(refundKey(d.refund, id, d.input))
}

// dueRefund is a refund queue entry that has come due.
type dueRefund struct {
	key   []byte
	id    [32]byte
	input uint64
}

// dueRefunds returns the refunds due at or before height h, in queue order.
func (Keeper) dueRefunds(kv state.KV, h int64) ([]dueRefund, error) {
	due, err := state.Due(kv, prefixRefund, 32+8, uint64(h), 0)
	if err != nil {
		return nil, fmt.Errorf("fee refund queue: %w", err)
	}
	out := make([]dueRefund, len(due))
	for i, e := range due {
		out[i] = dueRefund{key: e.Key, id: [32]byte(e.Rest[:32]), input: binary.BigEndian.Uint64(e.Rest[32:])}
	}
	return out, nil
}

// signKey is a contract's current signing key.
func (k Keeper) signKey(kv state.KV, id [32]byte) (ed25519.PublicKey, error) {
	c, ok := k.Contract(kv, id)
	if !ok {
		return nil, fmt.Errorf("%w: %x", ErrUnknownContract, id)
	}
	if len(c.SignKey) == 0 {
		return nil, ErrNoKeys
	}
	return ed25519.PublicKey(c.SignKey), nil
}
