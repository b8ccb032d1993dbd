package shielded

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/shielded/circuit"
	"github.com/phalanetwork/phala/shielded/tree"
)

// Keeper reads and writes the pool's state. It caches prepared verifiers
// by the hash of their stored key: parsing checks every point and
// preparing does the key's fixed pairing work, and the cache holds only
// what state already determines.
type Keeper struct {
	mu  *sync.Mutex
	vks map[[32]byte]*circuit.Verifier
}

func newKeeper() Keeper {
	return Keeper{mu: &sync.Mutex{}, vks: map[[32]byte]*circuit.Verifier{}}
}

// Frontier is the note commitment tree's frontier.
func (Keeper) Frontier(kv state.KV) tree.Frontier {
	raw := kv.Get(keyFrontier)
	f := tree.NewFrontier()
	if raw == nil {
		return f
	}
	if len(raw) != 8+32*(circuit.Depth+1) {
		panic(&state.StorageError{Err: fmt.Errorf("shielded frontier is %d bytes", len(raw))})
	}
	f.Size = binary.BigEndian.Uint64(raw)
	raw = raw[8:]
	for i := range f.Filled {
		f.Filled[i].SetBytes(raw[32*i : 32*i+32])
	}
	f.Root.SetBytes(raw[32*circuit.Depth:])
	return f
}

func (Keeper) setFrontier(kv state.KV, f *tree.Frontier) {
	out := binary.BigEndian.AppendUint64(nil, f.Size)
	for i := range f.Filled {
		b := f.Filled[i].Bytes()
		out = append(out, b[:]...)
	}
	root := f.Root.Bytes()
	kv.Set(keyFrontier, append(out, root[:]...))
}

// RootSeen returns the last height root was the current root, if it is
// a root the chain has had (and not yet pruned).
func (Keeper) RootSeen(kv state.KV, root []byte) (uint64, bool) {
	raw := kv.Get(RootKey(root))
	if raw == nil {
		return 0, false
	}
	return binary.BigEndian.Uint64(raw), true
}

// retireRoot records that root stopped being current at height.
func (Keeper) retireRoot(kv state.KV, root []byte, height uint64) {
	if old, ok := (Keeper{}).RootSeen(kv, root); ok {
		kv.Delete(RootAgeKey(old, root))
	}
	kv.Set(RootKey(root), state.Uint64(height))
	kv.Set(RootAgeKey(height, root), []byte{1})
}

// pruneRoots forgets roots retired before height cutoff, in age order.
func (Keeper) pruneRoots(kv state.KV, cutoff uint64) {
	var old [][]byte
	kv.Iterate(prefixRootAge, func(k, _ []byte) bool {
		if binary.BigEndian.Uint64(k[len(prefixRootAge):]) >= cutoff {
			return false
		}
		old = append(old, bytes.Clone(k))
		return true
	})
	for _, k := range old {
		kv.Delete(k)
		kv.Delete(RootKey(k[len(prefixRootAge)+8:]))
	}
}

// Spent reports whether nf has been spent.
func (Keeper) Spent(kv state.KV, nf []byte) bool { return kv.Get(NullifierKey(nf)) != nil }

// spend marks nf spent at height and counts it.
func (k Keeper) spend(kv state.KV, nf []byte, height uint64) {
	kv.Set(NullifierKey(nf), state.Uint64(height))
	kv.Set(keyNullifierCount, state.Uint64(k.NullifierCount(kv)+1))
}

// NullifierCount is how many notes have been spent.
func (Keeper) NullifierCount(kv state.KV) uint64 { return getUint64(kv, keyNullifierCount) }

// RootWindow is how many blocks a replaced root stays spendable.
func (Keeper) RootWindow(kv state.KV) uint64 {
	if w := getUint64(kv, keyRootWindow); w != 0 {
		return w
	}
	return DefaultRootWindow
}

// Leaf returns leaf index's commitment and sealed note.
func (Keeper) Leaf(kv state.KV, index uint64) (Leaf, bool) {
	raw := kv.Get(LeafKey(index))
	if len(raw) < 32 {
		return Leaf{}, false
	}
	return Leaf{Index: index, Commitment: raw[:32], Ciphertext: raw[32:]}, true
}

func (Keeper) setLeaf(kv state.KV, index uint64, cm Hash, ct []byte) {
	kv.Set(LeafKey(index), append(cm[:], ct...))
}

// PoolBalance is the PHA the pool holds.
func (Keeper) PoolBalance(kv state.KV) pha.Amount {
	return balances.Keeper{}.Account(kv, PoolAccount).Balance
}

// Verifier returns the verifier of circuit kind's stored verifying key.
func (k Keeper) Verifier(kv state.KV, kind circuit.Kind) (*circuit.Verifier, error) {
	raw := kv.Get(VKKey(byte(kind)))
	if raw == nil {
		return nil, fmt.Errorf("%w: no %s key", ErrNotSetUp, kind)
	}
	sum := sha256.Sum256(raw)
	k.mu.Lock()
	defer k.mu.Unlock()
	if v, ok := k.vks[sum]; ok {
		return v, nil
	}
	v, err := circuit.ParseVerifier(raw)
	if err != nil {
		panic(&state.StorageError{Err: fmt.Errorf("%s verifying key: %w", kind, err)})
	}
	k.vks[sum] = v
	return v, nil
}

func getUint64(kv state.KV, key []byte) uint64 {
	raw := kv.Get(key)
	if len(raw) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(raw)
}

// Ceremony returns the setup ceremony's record, if genesis started one.
func (Keeper) Ceremony(kv state.KV) (Ceremony, bool) {
	return module.GetJSON[Ceremony](kv, keyCeremony, "shielded ceremony")
}

func (Keeper) setCeremony(kv state.KV, c Ceremony) { kv.Set(keyCeremony, state.EncodeJSON(c)) }

// CandidateVK returns a verifying key a contributor derived, by its hash.
func (Keeper) CandidateVK(kv state.KV, sum []byte) []byte { return kv.Get(CandidateVKKey(sum)) }

// StartCeremony records a new setup ceremony waiting for its contributors
// (genesis, or a passed DAO proposal). It replaces a finished or failed
// one; the pool keeps its current keys until the new ones are agreed.
func (k Keeper) StartCeremony(kv state.KV, g CeremonyGenesis) error {
	if err := g.validate(); err != nil {
		return err
	}
	if c, ok := k.Ceremony(kv); ok && !c.Done && c.Failed == "" {
		return fmt.Errorf("%w: phase %d of %v", ErrRunning, c.Stage, c.Circuits)
	}
	turn := g.TurnBlocks
	if turn == 0 {
		turn = DefaultTurnBlocks
	}
	k.setCeremony(kv, Ceremony{Circuits: g.Circuits, Domain: g.Domain, Wanted: g.Contributors, TurnBlocks: turn,
		Contributors: []Hex{}, Contributions: []Contribution{}})
	kv.Set(keyCeremonyWaiting, []byte{1})
	return nil
}
