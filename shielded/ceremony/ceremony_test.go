package ceremony_test

import (
	"errors"
	"testing"

	"github.com/consensys/gnark/logger"
	"github.com/rs/zerolog"

	"github.com/phalanetwork/phala/shielded/ceremony"
	"github.com/phalanetwork/phala/shielded/circuit"
	"github.com/phalanetwork/phala/shielded/circuit/circuittest"
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
	p1, state := contributeThree(t, "phase 1", state, ceremony.ContributePhase1, ceremony.VerifyPhase1)
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
	p2, state := contributeThree(t, "phase 2", state, ceremony.ContributePhase2, ceremony.VerifyPhase2)
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
	circuittest.ProveShield(t, r1cs, pk, vk)
}

// contributeThree runs three contributors of one phase in turn from
// state, verifying each contribution against the state before it as the
// chain does; it returns the contributions and the last state.
func contributeThree(t *testing.T, phase string, state []byte, contribute func(prev []byte) ([]byte, error), verify func(prev, next []byte) error) (contributions [][]byte, last []byte) {
	t.Helper()
	for i := range 3 {
		next, err := contribute(state)
		if err != nil {
			t.Fatal(err)
		}
		if err := verify(state, next); err != nil {
			t.Fatalf("gatekeeper %d's %s contribution refused: %v", i, phase, err)
		}
		contributions, state = append(contributions, next), next
	}
	return contributions, state
}
