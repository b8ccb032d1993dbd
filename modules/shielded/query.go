package shielded

import (
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/phalanetwork/phala/chain/module"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/shielded/circuit"
)

// Query paths under /shielded/.
const (
	QueryInfo   = "info"   // info -> Info
	QueryLeaves = "leaves" // leaves/<from> -> []Leaf (at most MaxLeaves)
	QuerySpent  = "spent"  // spent/<nullifier hex> -> bool
	// QueryCeremony: ceremony -> Ceremony (not found when there is none).
	QueryCeremony = "ceremony"
	// QueryVK: vk/<circuit> -> the stored verifying key (hex).
	QueryVK = "vk"
)

// MaxLeaves bounds one leaves answer.
const MaxLeaves = 1000

// queryPrefix starts every path this module answers.
const queryPrefix = "/" + Name + "/"

// InfoPath is the query path of the pool summary (answer: Info).
func InfoPath() string { return queryPrefix + QueryInfo }

// LeavesPath is the query path of the leaves from index on (answer: []Leaf):
// a wallet scans them for its notes and rebuilds Merkle paths from them.
func LeavesPath(from uint64) string {
	return queryPrefix + QueryLeaves + "/" + strconv.FormatUint(from, 10)
}

// SpentPath is the query path that says whether a nullifier is spent.
func SpentPath(nf []byte) string { return queryPrefix + QuerySpent + "/" + hex.EncodeToString(nf) }

// Info is the pool's public summary.
func (m *Module) Info(kv state.KV) Info {
	f := m.Keeper.Frontier(kv)
	root := f.Root.Bytes()
	_, err := m.Keeper.Verifier(kv, circuit.KindTransfer)
	return Info{Pool: m.Keeper.PoolBalance(kv).String(), Root: hex.EncodeToString(root[:]), Notes: f.Size,
		Nullifiers: m.Keeper.NullifierCount(kv), RootWindow: m.Keeper.RootWindow(kv), SetUp: err == nil}
}

// query answers the paths under /shielded/.
func (m *Module) query(kv state.KV, path string, _ []byte) ([]byte, error) {
	return module.Dispatch(kv, Name, path, []module.QueryRoute{
		module.Fixed(QueryInfo, m.Info),
		{Name: QueryLeaves, Parts: 2, Answer: func(kv state.KV, args []string) (any, error) { return m.leaves(kv, args[0]) }},
		{Name: QueryCeremony, Parts: 1, Answer: func(kv state.KV, _ []string) (any, error) { return m.ceremony(kv) }},
		{Name: QueryVK, Parts: 2, Answer: func(kv state.KV, args []string) (any, error) { return m.vk(kv, args[0]) }},
		{Name: QuerySpent, Parts: 2, Answer: func(kv state.KV, args []string) (any, error) { return m.spent(kv, args[0]) }},
	})
}

// leaves lists up to MaxLeaves leaves from index from.
func (m *Module) leaves(kv state.KV, from string) ([]Leaf, error) {
	start, err := strconv.ParseUint(from, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%w: leaf index %q", tx.ErrNotFound, from)
	}
	out := []Leaf{}
	for i := start; i < start+MaxLeaves; i++ {
		l, ok := m.Keeper.Leaf(kv, i)
		if !ok {
			break
		}
		out = append(out, l)
	}
	return out, nil
}

// spent says whether a nullifier (hex) is spent.
func (m *Module) spent(kv state.KV, nf string) (bool, error) {
	b, err := hex.DecodeString(nf)
	if err != nil || len(b) != 32 {
		return false, fmt.Errorf("%w: nullifier %q", tx.ErrNotFound, nf)
	}
	return m.Keeper.Spent(kv, b), nil
}

// CeremonyPath is the query path of the setup ceremony's record (answer:
// Ceremony).
func CeremonyPath() string { return queryPrefix + QueryCeremony }

// VKPath is the query path of circuit's verifying key (answer: Hex).
func VKPath(circuit string) string { return queryPrefix + QueryVK + "/" + circuit }

// ceremony returns the setup ceremony's record.
func (m *Module) ceremony(kv state.KV) (Ceremony, error) {
	c, ok := m.Keeper.Ceremony(kv)
	if !ok {
		return c, fmt.Errorf("%w: no setup ceremony", tx.ErrNotFound)
	}
	return c, nil
}

// vk returns circuit's stored verifying key.
func (m *Module) vk(kv state.KV, name string) (Hex, error) {
	kind, ok := circuitKind(name)
	if raw := kv.Get(VKKey(byte(kind))); ok && raw != nil {
		return Hex(raw), nil
	}
	return nil, fmt.Errorf("%w: no %q verifying key", tx.ErrNotFound, name)
}
