package ceremony_test

import (
	"errors"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/logger"
	"github.com/rs/zerolog"

	"github.com/phalanetwork/phala/shielded/ceremony"
	"github.com/phalanetwork/phala/shielded/circuit"
)

// TestThreeContributors runs the ceremony for the shield circuit with three
// contributors in each phase, verifying each contribution as the chain
// does, refuses a contributor who restarts from scratch (and so would know
// all the randomness), and proves and verifies with the final keys.
func TestThreeContributors(t *testing.T) {
	if proofHeavy != "" {
		t.Skip(proofHeavy)
	}
	logger.Set(zerolog.Nop())
	r1cs, err := circuit.Compile(circuit.KindShield)
	if err != nil {
		t.Fatal(err)
	}
	n := ceremony.DomainSize(r1cs)
	state, err := ceremony.Phase1Start(n)
	if err != nil {
		t.Fatal(err)
	}
	var p1 [][]byte
	for i := range 3 {
		next, err := ceremony.ContributePhase1(state)
		if err != nil {
			t.Fatal(err)
		}
		if err := ceremony.VerifyPhase1(state, next); err != nil {
			t.Fatalf("gatekeeper %d's phase 1 contribution refused: %v", i, err)
		}
		p1, state = append(p1, next), next
	}
	// A contributor who ignores the others' work and starts over.
	fresh, _ := ceremony.Phase1Start(n)
	rogue, err := ceremony.ContributePhase1(fresh)
	if err != nil {
		t.Fatal(err)
	}
	if err := ceremony.VerifyPhase1(state, rogue); !errors.Is(err, ceremony.ErrBadContribution) {
		t.Fatalf("restarted phase 1 contribution: got %v, want ErrBadContribution", err)
	}
	if err := ceremony.VerifyPhase1(state, state[:len(state)-1]); !errors.Is(err, ceremony.ErrBadContribution) {
		t.Fatalf("truncated contribution: got %v", err)
	}
	beacon := []byte("block hash at the ceremony's close")
	commons, err := ceremony.SealPhase1(n, beacon, p1)
	if err != nil {
		t.Fatal(err)
	}
	state, err = ceremony.Phase2Start(r1cs, commons)
	if err != nil {
		t.Fatal(err)
	}
	start := state
	var p2 [][]byte
	for i := range 3 {
		next, err := ceremony.ContributePhase2(state)
		if err != nil {
			t.Fatal(err)
		}
		if err := ceremony.VerifyPhase2(state, next); err != nil {
			t.Fatalf("gatekeeper %d's phase 2 contribution refused: %v", i, err)
		}
		p2, state = append(p2, next), next
	}
	rogue2, err := ceremony.ContributePhase2(start)
	if err != nil {
		t.Fatal(err)
	}
	if err := ceremony.VerifyPhase2(state, rogue2); !errors.Is(err, ceremony.ErrBadContribution) {
		t.Fatalf("restarted phase 2 contribution: got %v, want ErrBadContribution", err)
	}
	if _, _, err := ceremony.Finish(r1cs, commons, beacon, [][]byte{p2[0], p2[2]}); !errors.Is(err, ceremony.ErrBadContribution) {
		t.Fatalf("chain with a contribution left out: got %v", err)
	}
	pk, vk, err := ceremony.Finish(r1cs, commons, beacon, p2)
	if err != nil {
		t.Fatal(err)
	}
	var rho fr.Element
	rho.SetUint64(5)
	owner := circuit.OwnerKey(circuit.FromUint64(9))
	cm := circuit.Commitment(100, owner, rho)
	proof, err := circuit.Prove(r1cs, pk, &circuit.Shield{Amount: 100, Commitment: cm, Bind: 1, Owner: owner, Rho: rho})
	if err != nil {
		t.Fatal(err)
	}
	if err := circuit.Verify(vk, proof, []fr.Element{circuit.FromUint64(100), cm, circuit.FromUint64(1)}); err != nil {
		t.Fatalf("proof with the ceremony's keys refused: %v", err)
	}
}
