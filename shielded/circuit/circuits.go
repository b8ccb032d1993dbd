package circuit

import (
	"fmt"

	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/std/hash/mimc"
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
	cm, err := commit(api, OutNote{Value: c.Amount, Owner: c.Owner, Rho: c.Rho})
	if err != nil {
		return err
	}
	api.AssertIsEqual(cm, c.Commitment)
	bind(api, c.Bind)
	return nil
}

// Define constrains a transfer: both inputs exist (or are zero-valued
// dummies), nullifiers are right, outputs commit, and in = out + fee.
func (c *Transfer) Define(api frontend.API) error {
	in, err := spendAll(api, c.Root, c.Nullifiers, c.In)
	if err != nil {
		return err
	}
	out := frontend.Variable(0)
	for i := range c.Out {
		cm, err := commit(api, c.Out[i])
		if err != nil {
			return err
		}
		api.AssertIsEqual(cm, c.Commitments[i])
		out = api.Add(out, c.Out[i].Value)
	}
	api.ToBinary(c.Fee, ValueBits)
	api.AssertIsEqual(in, api.Add(out, c.Fee))
	bind(api, c.Bind)
	return nil
}

// Define constrains an unshield: in = change + amount + fee.
func (c *Unshield) Define(api frontend.API) error {
	in, err := spendAll(api, c.Root, c.Nullifiers, c.In)
	if err != nil {
		return err
	}
	cm, err := commit(api, c.Out)
	if err != nil {
		return err
	}
	api.AssertIsEqual(cm, c.Change)
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

// hash is in-circuit MiMC of the elements, matching Hash.
func hash(api frontend.API, elems ...frontend.Variable) (frontend.Variable, error) {
	h, err := mimc.NewMiMC(api)
	if err != nil {
		return nil, fmt.Errorf("mimc: %w", err)
	}
	h.Write(elems...)
	return h.Sum(), nil
}

// commit range-checks a new note's value and returns its commitment.
func commit(api frontend.API, n OutNote) (frontend.Variable, error) {
	api.ToBinary(n.Value, ValueBits)
	return hash(api, tagCommitment, n.Value, n.Owner, n.Rho)
}

// spendAll constrains both inputs and returns their total value.
func spendAll(api frontend.API, root frontend.Variable, nfs [2]frontend.Variable, in [2]InNote) (frontend.Variable, error) {
	total := frontend.Variable(0)
	for i := range in {
		if err := spend(api, root, nfs[i], in[i]); err != nil {
			return nil, err
		}
		total = api.Add(total, in[i].Value)
	}
	// Two spends of one note in one proof would reveal two nullifiers that
	// differ only if positions differ; equal nullifiers are refused outright.
	api.AssertIsDifferent(nfs[0], nfs[1])
	return total, nil
}

// spend constrains one input: its commitment is in the tree under root unless
// its value is zero (a dummy), and nf is its nullifier.
func spend(api frontend.API, root, nf frontend.Variable, n InNote) error {
	api.ToBinary(n.Value, ValueBits)
	owner, err := hash(api, tagOwner, n.Sk)
	if err != nil {
		return err
	}
	cm, err := hash(api, tagCommitment, n.Value, owner, n.Rho)
	if err != nil {
		return err
	}
	gotNf, err := hash(api, tagNullifier, n.Sk, cm, n.Index)
	if err != nil {
		return err
	}
	api.AssertIsEqual(gotNf, nf)
	bits := api.ToBinary(n.Index, Depth)
	node := cm
	for level := 0; level < Depth; level++ {
		left := api.Select(bits[level], n.Path[level], node)
		right := api.Select(bits[level], node, n.Path[level])
		if node, err = hash(api, left, right); err != nil {
			return err
		}
	}
	// (computed - root) * value == 0: a real note must be in the tree; a
	// zero-valued dummy may be anywhere, since it adds nothing.
	api.AssertIsEqual(api.Mul(api.Sub(node, root), n.Value), 0)
	return nil
}
