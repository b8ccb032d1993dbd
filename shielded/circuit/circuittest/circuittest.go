// Package circuittest checks, for tests, that a set of shielded-circuit
// keys works: a proof made with the proving key verifies with the
// verifying key.
package circuittest

import (
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/constraint"

	"github.com/phalanetwork/phala/shielded/circuit"
)

// ProveShield proves a shield of 100 bound to 1 with cs and pk, and fails
// the test unless vk accepts the proof.
func ProveShield(t testing.TB, cs constraint.ConstraintSystem, pk groth16.ProvingKey, vk groth16.VerifyingKey) {
	t.Helper()
	var rho fr.Element
	rho.SetUint64(5)
	owner := circuit.OwnerKey(circuit.FromUint64(9))
	cm := circuit.Commitment(100, owner, rho)
	proof, err := circuit.Prove(cs, pk, &circuit.Shield{Amount: 100, Commitment: cm, Bind: 1, Owner: owner, Rho: rho})
	if err != nil {
		t.Fatal(err)
	}
	if err := circuit.Verify(vk, proof, []fr.Element{circuit.FromUint64(100), cm, circuit.FromUint64(1)}); err != nil {
		t.Fatalf("shield proof with these keys refused: %v", err)
	}
}
