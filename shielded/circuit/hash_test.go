package circuit

import (
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/test"
)

// hashCircuit asserts the in-circuit hash of In equals Out.
type hashCircuit struct {
	In  [4]frontend.Variable
	Out frontend.Variable `gnark:",public"`
	n   int
}

func (c *hashCircuit) Define(api frontend.API) error {
	h, err := newHasher(api)
	if err != nil {
		return err
	}
	api.AssertIsEqual(h.hash(c.In[0], c.In[1], c.In[2:c.n]...), c.Out)
	return nil
}

// TestHashMatchesCircuit: the native Hash and the circuit's agree for each
// arity the pool uses (tree nodes and owner keys 2, commitments and
// nullifiers 4), and a wrong digest is not accepted.
func TestHashMatchesCircuit(t *testing.T) {
	for _, n := range []int{2, 3, 4} {
		var in [4]fr.Element
		for i := range in {
			if _, err := in[i].SetRandom(); err != nil {
				t.Fatal(err)
			}
		}
		want := Hash(in[0], in[1], in[2:n]...)
		good := &hashCircuit{Out: want, n: n}
		bad := &hashCircuit{Out: in[0], n: n}
		for i := range in {
			good.In[i], bad.In[i] = in[i], in[i]
		}
		if err := test.IsSolved(&hashCircuit{n: n}, good, ecc.BN254.ScalarField()); err != nil {
			t.Fatalf("arity %d: circuit refuses the native digest: %v", n, err)
		}
		if err := test.IsSolved(&hashCircuit{n: n}, bad, ecc.BN254.ScalarField()); err == nil {
			t.Fatalf("arity %d: circuit accepts a wrong digest", n)
		}
	}
}

// TestConstraintCounts: the spending circuits fit a 2^14 FFT domain, so
// the proving key, the proving time and the setup ceremony are those of
// 2^14 and not 2^16 (MiMC put transfer at 33,460, just over 2^15).
func TestConstraintCounts(t *testing.T) {
	for _, k := range Kinds {
		cs, err := Compile(k)
		if err != nil {
			t.Fatal(err)
		}
		n := cs.GetNbConstraints()
		t.Logf("%s: %d constraints", k, n)
		if n > 1<<14 {
			t.Errorf("%s: %d constraints, over 2^14", k, n)
		}
	}
}
