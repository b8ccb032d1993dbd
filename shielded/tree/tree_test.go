package tree

import (
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/phalanetwork/phala/shielded/circuit"
)

// TestFrontierMatchesFullTree checks the chain's incremental root against a
// tree rebuilt from all leaves, and each path against the root.
func TestFrontierMatchesFullTree(t *testing.T) {
	f := NewFrontier()
	var leaves []fr.Element
	for i := uint64(0); i < 9; i++ {
		leaf := circuit.FromUint64(1000 + i)
		idx, err := f.Append(leaf)
		if err != nil || idx != i {
			t.Fatalf("append %d: idx %d err %v", i, idx, err)
		}
		leaves = append(leaves, leaf)
		for j := range leaves {
			path, root, err := Path(leaves, uint64(j))
			if err != nil {
				t.Fatal(err)
			}
			if !root.Equal(&f.Root) {
				t.Fatalf("after %d leaves: full-tree root differs from frontier root", len(leaves))
			}
			node := leaves[j]
			for h := range path {
				if (uint64(j)>>h)&1 == 0 {
					node = circuit.Hash(node, path[h])
				} else {
					node = circuit.Hash(path[h], node)
				}
			}
			if !node.Equal(&f.Root) {
				t.Fatalf("path of leaf %d does not lead to the root", j)
			}
		}
	}
}
