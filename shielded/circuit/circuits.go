package circuit

import (
	"fmt"

	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/std/permutation/poseidon2"
)

// ValueBits is the width every amount is range-checked to.
const ValueBits = 64

// InNote is a spent note's private witness: its key, value, randomness and
// Merkle path (siblings from the leaf up; the leaf index gives left/right).
type InNote struct {
	Sk    frontend.Variable
	Value frontend.Variable
	Rho   frontend.Variable
	Index frontend.Variable
	Path  [Depth]frontend.Variable
}

// OutNote is a created note's private witness.
type OutNote struct {
	Value frontend.Variable
	Owner frontend.Variable
	Rho   frontend.Variable
}

// Shield proves Commitment opens to Amount for some hidden owner: public PHA
// in, one note out.
type Shield struct {
	Amount     frontend.Variable `gnark:",public"`
	Commitment frontend.Variable `gnark:",public"`
	Bind       frontend.Variable `gnark:",public"`
	Owner      frontend.Variable
	Rho        frontend.Variable
}

// Transfer spends two notes under Root into two new notes and a public fee.
type Transfer struct {
	Root        frontend.Variable    `gnark:",public"`
	Nullifiers  [2]frontend.Variable `gnark:",public"`
	Commitments [2]frontend.Variable `gnark:",public"`
	Fee         frontend.Variable    `gnark:",public"`
	Bind        frontend.Variable    `gnark:",public"`
	In          [2]InNote
	Out         [2]OutNote
}

// Unshield spends two notes under Root into public Amount, a fee and one
// change note.
type Unshield struct {
	Root       frontend.Variable    `gnark:",public"`
	Nullifiers [2]frontend.Variable `gnark:",public"`
	Change     frontend.Variable    `gnark:",public"`
	Amount     frontend.Variable    `gnark:",public"`
	Fee        frontend.Variable    `gnark:",public"`
	Bind       frontend.Variable    `gnark:",public"`
	In         [2]InNote
	Out        OutNote
}

// Define constrains a shield.
func (c *Shield) Define(api frontend.API) error {
	h, err := newHasher(api)
	if err != nil {
		return err
	}
	api.AssertIsEqual(h.commit(OutNote{Value: c.Amount, Owner: c.Owner, Rho: c.Rho}), c.Commitment)
	bind(api, c.Bind)
	return nil
}

// Define constrains a transfer: both inputs exist (or are zero-valued
// dummies), nullifiers are right, outputs commit, and in = out + fee.
func (c *Transfer) Define(api frontend.API) error {
	h, err := newHasher(api)
	if err != nil {
		return err
	}
	in := h.spendAll(c.Root, c.Nullifiers, c.In)
	out := frontend.Variable(0)
	for i := range c.Out {
		api.AssertIsEqual(h.commit(c.Out[i]), c.Commitments[i])
		out = api.Add(out, c.Out[i].Value)
	}
	api.ToBinary(c.Fee, ValueBits)
	api.AssertIsEqual(in, api.Add(out, c.Fee))
	bind(api, c.Bind)
	return nil
}

// Define constrains an unshield: in = change + amount + fee.
func (c *Unshield) Define(api frontend.API) error {
	h, err := newHasher(api)
	if err != nil {
		return err
	}
	in := h.spendAll(c.Root, c.Nullifiers, c.In)
	api.AssertIsEqual(h.commit(c.Out), c.Change)
	api.ToBinary(c.Amount, ValueBits)
	api.ToBinary(c.Fee, ValueBits)
	api.AssertIsEqual(in, api.Add(c.Out.Value, c.Amount, c.Fee))
	bind(api, c.Bind)
	return nil
}

// bind puts a public input into a constraint: a public input no constraint
// touches would get a zero coefficient in the verifying key, and a relayer
// could then change it freely without invalidating the proof.
func bind(api frontend.API, v frontend.Variable) {
	api.AssertIsEqual(api.Mul(v, v), api.Mul(v, v))
}

// hasher computes Hash inside a circuit.
type hasher struct {
	api  frontend.API
	perm *poseidon2.Permutation
}

func newHasher(api frontend.API) (hasher, error) {
	p, err := poseidon2.NewPoseidon2FromParameters(api, hashWidth, hashFullRounds, hashPartialRounds)
	if err != nil {
		return hasher{}, fmt.Errorf("poseidon2: %w", err)
	}
	return hasher{api: api, perm: p}, nil
}

// hash is Hash in the circuit: one permutation per element after the
// first (gnark folds a compression of constants into a constant).
func (h hasher) hash(a, b frontend.Variable, rest ...frontend.Variable) frontend.Variable {
	out := h.perm.Compress(a, b)
	for _, r := range rest {
		out = h.perm.Compress(out, r)
	}
	return out
}

// commit range-checks a new note's value and returns its commitment.
func (h hasher) commit(n OutNote) frontend.Variable {
	h.api.ToBinary(n.Value, ValueBits)
	return h.hash(tagCommitment, n.Value, n.Owner, n.Rho)
}

// spendAll constrains both inputs and returns their total value.
func (h hasher) spendAll(root frontend.Variable, nfs [2]frontend.Variable, in [2]InNote) frontend.Variable {
	total := frontend.Variable(0)
	for i := range in {
		h.spend(root, nfs[i], in[i])
		total = h.api.Add(total, in[i].Value)
	}
	// Two spends of one note in one proof would reveal two nullifiers that
	// differ only if positions differ; equal nullifiers are refused outright.
	h.api.AssertIsDifferent(nfs[0], nfs[1])
	return total
}

// spend constrains one input: its commitment is in the tree under root unless
// its value is zero (a dummy), and nf is its nullifier.
func (h hasher) spend(root, nf frontend.Variable, n InNote) {
	api := h.api
	api.ToBinary(n.Value, ValueBits)
	owner := h.hash(tagOwner, n.Sk)
	cm := h.hash(tagCommitment, n.Value, owner, n.Rho)
	api.AssertIsEqual(h.hash(tagNullifier, n.Sk, cm, n.Index), nf)
	bits := api.ToBinary(n.Index, Depth)
	node := cm
	for level := 0; level < Depth; level++ {
		// A conditional swap in one constraint: d is 0 when node is the
		// left child and path - node when it is the right one.
		d := api.Mul(bits[level], api.Sub(n.Path[level], node))
		node = h.hash(api.Add(node, d), api.Sub(n.Path[level], d))
	}
	// (computed - root) * value == 0: a real note must be in the tree; a
	// zero-valued dummy may be anywhere, since it adds nothing.
	api.AssertIsEqual(api.Mul(api.Sub(node, root), n.Value), 0)
}
