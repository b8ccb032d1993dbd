package devnet

import (
	"encoding/hex"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/constraint"
	"github.com/consensys/gnark/logger"

	"github.com/phalanetwork/phala/modules/shielded"
	"github.com/phalanetwork/phala/node"
	"github.com/phalanetwork/phala/shielded/ceremony"
	"github.com/phalanetwork/phala/shielded/circuit"
	"github.com/phalanetwork/phala/shielded/wallet"
)

// ShieldedDir is where a devnet writes the shielded circuits' proving keys
// in its home; the CLI proves with the keys there.
const ShieldedDir = "shielded"

// ShieldedWarning is printed when a devnet sets the shielded pool up: its
// keys come from a single-party setup, whose randomness this process saw.
const ShieldedWarning = `WARNING: the shielded pool's keys come from a DEVNET setup run in this one
process, which knew the setup's secret randomness and could have forged
proofs. A real network takes its keys from the gatekeepers' multi-party
ceremony (shielded/ceremony, docs/shielded.md), never from this setup.
`

// setupShielded runs the devnet's Groth16 setup of the three circuits
// (single-party, or the three-contributor ceremony if ceremony is set),
// writes the proving keys to <home>/shielded/ and returns the genesis
// section carrying the verifying keys.
func setupShielded(home string, out io.Writer, useCeremony bool) (node.GenesisSection, error) {
	start := time.Now()
	logger.Disable() // gnark logs each compile to stdout; the lines here say what happens
	var (
		p   *wallet.Prover
		vks map[circuit.Kind]groth16.VerifyingKey
		err error
	)
	if useCeremony {
		fmt.Fprintf(out, "Setting up the shielded pool: %d-contributor ceremony, all in this process...\n", ceremonyContributors)
		p, vks, err = ceremonySetup(out)
	} else {
		fmt.Fprintf(out, "Setting up the shielded pool (devnet single-party setup of 3 circuits)...\n")
		p, vks, err = wallet.Setup()
	}
	if err != nil {
		return node.GenesisSection{}, fmt.Errorf("shielded setup: %w", err)
	}
	if err := wallet.WriteKeys(filepath.Join(home, ShieldedDir), p); err != nil {
		return node.GenesisSection{}, err
	}
	enc := map[circuit.Kind]string{}
	for kind, vk := range vks {
		b, err := circuit.EncodeVerifyingKey(vk)
		if err != nil {
			return node.GenesisSection{}, fmt.Errorf("shielded setup: %s: %w", kind, err)
		}
		enc[kind] = hex.EncodeToString(b)
	}
	fmt.Fprintf(out, "Shielded pool set up in %s; proving keys in %s\n%s", time.Since(start).Round(time.Millisecond), filepath.Join(home, ShieldedDir), ShieldedWarning)
	return node.GenesisSection{Module: shielded.Name, Value: shielded.Genesis{
		Shield: enc[circuit.KindShield], Transfer: enc[circuit.KindTransfer], Unshield: enc[circuit.KindUnshield],
	}}, nil
}

// ceremonyContributors is how many contributions per phase the devnet's
// ceremony makes.
const ceremonyContributors = 3

// ceremonySetup runs the multi-party ceremony of shielded/ceremony in this
// process with three contributors per phase, verifying each contribution
// as a chain would. All three run here, so it trusts this process no less
// than the single-party setup: it exercises the code a real network uses.
func ceremonySetup(out io.Writer) (*wallet.Prover, map[circuit.Kind]groth16.VerifyingKey, error) {
	p := &wallet.Prover{Keys: map[circuit.Kind]wallet.Keys{}}
	vks := map[circuit.Kind]groth16.VerifyingKey{}
	css := map[circuit.Kind]constraint.ConstraintSystem{}
	var n uint64
	for _, k := range circuit.Kinds {
		cs, err := circuit.Compile(k)
		if err != nil {
			return nil, nil, err
		}
		css[k], n = cs, max(n, ceremony.DomainSize(cs))
	}
	start, err := ceremony.Phase1Start(n)
	if err != nil {
		return nil, nil, err
	}
	p1, err := contributions(out, "phase 1", start, ceremony.ContributePhase1, ceremony.VerifyPhase1)
	if err != nil {
		return nil, nil, err
	}
	beacon := []byte(ChainID + " shielded ceremony beacon")
	commons, err := ceremony.SealPhase1(n, beacon, p1)
	if err != nil {
		return nil, nil, err
	}
	for _, k := range circuit.Kinds {
		start, err := ceremony.Phase2Start(css[k], commons)
		if err != nil {
			return nil, nil, err
		}
		p2, err := contributions(out, "phase 2 "+k.String(), start, ceremony.ContributePhase2, ceremony.VerifyPhase2)
		if err != nil {
			return nil, nil, err
		}
		pk, vk, err := ceremony.Finish(css[k], commons, beacon, p2)
		if err != nil {
			return nil, nil, err
		}
		p.Keys[k], vks[k] = wallet.Keys{CS: css[k], PK: pk}, vk
	}
	return p, vks, nil
}

// contributions makes ceremonyContributors contributions from state,
// verifying each against the one before.
func contributions(out io.Writer, phase string, state []byte, contribute func([]byte) ([]byte, error), verify func(prev, next []byte) error) ([][]byte, error) {
	var all [][]byte
	for i := range ceremonyContributors {
		next, err := contribute(state)
		if err != nil {
			return nil, fmt.Errorf("%s contribution %d: %w", phase, i+1, err)
		}
		if err := verify(state, next); err != nil {
			return nil, fmt.Errorf("%s contribution %d: %w", phase, i+1, err)
		}
		fmt.Fprintf(out, "  %s: contribution %d of %d verified\n", phase, i+1, ceremonyContributors)
		all, state = append(all, next), next
	}
	return all, nil
}
