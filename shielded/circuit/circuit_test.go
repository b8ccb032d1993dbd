package circuit_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/constraint"
	"github.com/consensys/gnark/logger"
	"github.com/rs/zerolog"

	"github.com/phalanetwork/phala/shielded/circuit"
	"github.com/phalanetwork/phala/shielded/tree"
)

type keys struct {
	cs constraint.ConstraintSystem
	pk groth16.ProvingKey
	vk groth16.VerifyingKey
}

var (
	setupOnce sync.Once
	setupKeys map[circuit.Kind]keys
	setupErr  error
)

// testKeys compiles each circuit and runs a single-party setup once per
// test binary (the ceremony package tests the real setup).
func testKeys(t *testing.T) map[circuit.Kind]keys {
	t.Helper()
	if proofHeavy != "" {
		t.Skip(proofHeavy)
	}
	setupOnce.Do(func() {
		logger.Set(zerolog.Nop())
		setupKeys = map[circuit.Kind]keys{}
		for _, k := range circuit.Kinds {
			cs, err := circuit.Compile(k)
			if err != nil {
				setupErr = err
				return
			}
			pk, vk, err := groth16.Setup(cs)
			if err != nil {
				setupErr = err
				return
			}
			setupKeys[k] = keys{cs, pk, vk}
		}
	})
	if setupErr != nil {
		t.Fatal(setupErr)
	}
	return setupKeys
}

func rnd() fr.Element {
	var e fr.Element
	if _, err := e.SetRandom(); err != nil {
		panic(err)
	}
	return e
}

// fixture is a tree with two of alice's notes (60 and 40) and a transfer
// spending both into 70 for bob and 25 change, fee 5.
type fixture struct {
	assign *circuit.Transfer
	public []fr.Element
}

func transferFixture(t *testing.T) fixture {
	t.Helper()
	sk := rnd()
	owner := circuit.OwnerKey(sk)
	values := [2]uint64{60, 40}
	f := tree.NewFrontier()
	var leaves []fr.Element
	var rhos [2]fr.Element
	for i := range values {
		rhos[i] = rnd()
		leaves = append(leaves, circuit.Commitment(values[i], owner, rhos[i]))
		if _, err := f.Append(leaves[i]); err != nil {
			t.Fatal(err)
		}
	}
	a := &circuit.Transfer{Root: f.Root, Fee: 5, Bind: circuit.FromUint64(77)}
	var nfs, cms [2]fr.Element
	for i := range values {
		path, _, err := tree.Path(leaves, uint64(i))
		if err != nil {
			t.Fatal(err)
		}
		a.In[i] = circuit.InNote{Sk: sk, Value: values[i], Rho: rhos[i], Index: i}
		for h := range path {
			a.In[i].Path[h] = path[h]
		}
		nfs[i] = circuit.Nullifier(sk, leaves[i], uint64(i))
		a.Nullifiers[i] = nfs[i]
	}
	outs := [2]uint64{70, 25}
	for i := range outs {
		o, r := circuit.OwnerKey(rnd()), rnd()
		a.Out[i] = circuit.OutNote{Value: outs[i], Owner: o, Rho: r}
		cms[i] = circuit.Commitment(outs[i], o, r)
		a.Commitments[i] = cms[i]
	}
	pub := []fr.Element{f.Root, nfs[0], nfs[1], cms[0], cms[1], circuit.FromUint64(5), circuit.FromUint64(77)}
	return fixture{a, pub}
}

// TestTransferProvesAndVerifies is the honest path, and its timing.
func TestTransferProvesAndVerifies(t *testing.T) {
	k := testKeys(t)[circuit.KindTransfer]
	fx := transferFixture(t)
	start := time.Now()
	proof, err := circuit.Prove(k.cs, k.pk, fx.assign)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("transfer: %d constraints, proved in %v, proof %d bytes", k.cs.GetNbConstraints(), time.Since(start), len(proof))
	if len(proof) != circuit.ProofSize {
		t.Fatalf("proof is %d bytes, want %d", len(proof), circuit.ProofSize)
	}
	if err := circuit.Verify(k.vk, proof, fx.public); err != nil {
		t.Fatalf("honest proof refused: %v", err)
	}
	// Every public input is bound: changing any one refuses the proof.
	for i := range fx.public {
		bad := append([]fr.Element(nil), fx.public...)
		one := circuit.FromUint64(1)
		bad[i].Add(&bad[i], &one)
		if err := circuit.Verify(k.vk, proof, bad); !errors.Is(err, circuit.ErrProof) {
			t.Fatalf("public input %d tampered: got %v, want ErrProof", i, err)
		}
	}
	if err := circuit.Verify(k.vk, proof[:len(proof)-1], fx.public); !errors.Is(err, circuit.ErrProof) {
		t.Fatalf("short proof: got %v", err)
	}
}

// TestTransferRefusesBadWitness: the prover cannot make a proof for outputs
// over inputs, a value over 64 bits, a wrong key or a note not in the tree.
func TestTransferRefusesBadWitness(t *testing.T) {
	k := testKeys(t)[circuit.KindTransfer]
	var q fr.Element
	q.SetUint64(1)
	q.Neg(&q) // p-1: "negative one" to wrap conservation
	cases := []struct {
		name string
		edit func(a *circuit.Transfer)
	}{
		{"inflation", func(a *circuit.Transfer) { a.Out[0].Value = 71 }},
		{"field wraparound", func(a *circuit.Transfer) { a.Out[0].Value = 75; a.Fee = q }},
		{"wrong spending key", func(a *circuit.Transfer) { a.In[0].Sk = rnd() }},
		{"other root", func(a *circuit.Transfer) { a.Root = rnd() }},
		{"wrong nullifier", func(a *circuit.Transfer) { a.Nullifiers[1] = rnd() }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fx := transferFixture(t)
			tc.edit(fx.assign)
			if _, err := circuit.Prove(k.cs, k.pk, fx.assign); err == nil {
				t.Fatal("proved a false statement")
			}
		})
	}
}

// TestShieldAndUnshield proves the other two circuits once each.
func TestShieldAndUnshield(t *testing.T) {
	ks := testKeys(t)
	owner, rho := circuit.OwnerKey(rnd()), rnd()
	cm := circuit.Commitment(100, owner, rho)
	s := &circuit.Shield{Amount: 100, Commitment: cm, Bind: 9, Owner: owner, Rho: rho}
	proof, err := circuit.Prove(ks[circuit.KindShield].cs, ks[circuit.KindShield].pk, s)
	if err != nil {
		t.Fatal(err)
	}
	pub := []fr.Element{circuit.FromUint64(100), cm, circuit.FromUint64(9)}
	if err := circuit.Verify(ks[circuit.KindShield].vk, proof, pub); err != nil {
		t.Fatalf("shield refused: %v", err)
	}
	pub[0] = circuit.FromUint64(1000)
	if err := circuit.Verify(ks[circuit.KindShield].vk, proof, pub); err == nil {
		t.Fatal("shield proof accepted for another amount")
	}

	fx := transferFixture(t)
	o, r := circuit.OwnerKey(rnd()), rnd()
	change := circuit.Commitment(80, o, r)
	u := &circuit.Unshield{Root: fx.assign.Root, Nullifiers: fx.assign.Nullifiers, Change: change,
		Amount: 15, Fee: 5, Bind: 3, In: fx.assign.In, Out: circuit.OutNote{Value: 80, Owner: o, Rho: r}}
	proof, err = circuit.Prove(ks[circuit.KindUnshield].cs, ks[circuit.KindUnshield].pk, u)
	if err != nil {
		t.Fatal(err)
	}
	upub := []fr.Element{fx.public[0], fx.public[1], fx.public[2], change, circuit.FromUint64(15), circuit.FromUint64(5), circuit.FromUint64(3)}
	if err := circuit.Verify(ks[circuit.KindUnshield].vk, proof, upub); err != nil {
		t.Fatalf("unshield refused: %v", err)
	}
	_ = ecc.BN254
}
