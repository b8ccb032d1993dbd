// Package tree is the note commitment tree: an append-only Merkle tree of
// depth circuit.Depth over Poseidon2. The chain keeps only its frontier (one node
// per level and the root); a wallet rebuilds paths from the list of leaves.
package tree

import (
	"errors"
	"fmt"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/phalanetwork/phala/shielded/circuit"
)

// ErrFull is returned when the tree has no room for another leaf.
var ErrFull = errors.New("note commitment tree is full")

// Capacity is how many leaves the tree holds.
const Capacity = uint64(1) << circuit.Depth

// Frontier is the incremental state: the number of leaves, per level the
// last completed left subtree, and the current root.
type Frontier struct {
	Size   uint64
	Filled [circuit.Depth]fr.Element
	Root   fr.Element
}

// NewFrontier is the empty tree.
func NewFrontier() Frontier {
	z := circuit.Zeros()
	return Frontier{Root: z[circuit.Depth]}
}

// Append adds a leaf, updates the root and returns the leaf's index.
func (f *Frontier) Append(leaf fr.Element) (uint64, error) {
	if f.Size >= Capacity {
		return 0, fmt.Errorf("%w: %d leaves", ErrFull, f.Size)
	}
	zeros := circuit.Zeros()
	idx := f.Size
	node := leaf
	for level := 0; level < circuit.Depth; level++ {
		if (idx>>level)&1 == 0 {
			f.Filled[level] = node
			node = circuit.Hash(node, zeros[level])
		} else {
			node = circuit.Hash(f.Filled[level], node)
		}
	}
	f.Root = node
	f.Size++
	return idx, nil
}

// Path returns the siblings of leaf index in the tree of leaves, bottom up,
// and the root they lead to.
func Path(leaves []fr.Element, index uint64) ([circuit.Depth]fr.Element, fr.Element, error) {
	var path [circuit.Depth]fr.Element
	if index >= uint64(len(leaves)) {
		return path, fr.Element{}, fmt.Errorf("leaf %d of %d: out of range", index, len(leaves))
	}
	zeros := circuit.Zeros()
	level := append([]fr.Element(nil), leaves...)
	for h := 0; h < circuit.Depth; h++ {
		sib := index ^ 1
		if sib < uint64(len(level)) {
			path[h] = level[sib]
		} else {
			path[h] = zeros[h]
		}
		next := make([]fr.Element, (len(level)+1)/2)
		for i := range next {
			right := zeros[h]
			if 2*i+1 < len(level) {
				right = level[2*i+1]
			}
			next[i] = circuit.Hash(level[2*i], right)
		}
		level = next
		index >>= 1
	}
	return path, level[0], nil
}
