package devnet

import (
	"encoding/hex"
	"fmt"
	"io"
	"path/filepath"
	"time"

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

// setupShielded runs the devnet's single-party Groth16 setup of the three
// circuits, writes the proving keys to <home>/shielded/ and returns the
// genesis section carrying the verifying keys. With a ceremony it instead
// returns a section that starts the gatekeepers' on-chain ceremony
// (ceremonyGenesis).
func setupShielded(home string, out io.Writer, o Options) (node.GenesisSection, error) {
	start := time.Now()
	logger.Disable() // gnark logs each compile to stdout; the lines here say what happens
	if o.ShieldedCeremony {
		return ceremonyGenesis(out, o)
	}
	fmt.Fprintf(out, "Setting up the shielded pool (devnet single-party setup of 3 circuits)...\n")
	p, vks, err := wallet.Setup()
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

// ceremonyGenesis is the shielded section that starts the setup ceremony
// among the devnet's gatekeepers (docs/shielded.md "The setup ceremony on
// chain"): the circuits o names (all three by default), phase 1 over the
// largest one's domain. The pool refuses every message until it is done.
func ceremonyGenesis(out io.Writer, o Options) (node.GenesisSection, error) {
	if o.Gatekeepers < 1 {
		return node.GenesisSection{}, fmt.Errorf("shielded ceremony: needs at least one gatekeeper")
	}
	names := o.CeremonyCircuits
	if len(names) == 0 {
		for _, k := range circuit.Kinds {
			names = append(names, k.String())
		}
	}
	var n uint64
	for _, name := range names {
		cs, err := ceremony.Compile(name)
		if err != nil {
			return node.GenesisSection{}, fmt.Errorf("shielded ceremony: %w", err)
		}
		n = max(n, ceremony.DomainSize(cs))
	}
	fmt.Fprintf(out, "Shielded pool: setup ceremony of %v (phase 1 domain %d) among the %d gatekeepers' enclaves; follow it with `phala shielded ceremony status`\n", names, n, o.Gatekeepers)
	return node.GenesisSection{Module: shielded.Name, Value: shielded.Genesis{
		Ceremony: &shielded.CeremonyGenesis{Circuits: names, Domain: n, Contributors: uint32(o.Gatekeepers), TurnBlocks: o.CeremonyTurnBlocks},
	}}, nil
}
