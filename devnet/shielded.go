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
	"github.com/phalanetwork/phala/shielded/circuit"
	"github.com/phalanetwork/phala/shielded/wallet"
)

// ShieldedDir is where a devnet writes the shielded circuits' proving keys
// in its home; the CLI proves with the keys there.
const ShieldedDir = "shielded"

// ShieldedWarning is printed when a devnet sets the shielded pool up: its
// keys come from a single-party setup, whose randomness this process saw.
const ShieldedWarning = `WARNING: the shielded pool's keys come from a single-party DEVNET setup: this
process knew the setup's secret randomness and could have forged proofs.
A real network takes its keys from the multi-party ceremony
(shielded/ceremony, docs/shielded.md), never from this setup.
`

// setupShielded runs the devnet's single-party Groth16 setup of the three
// circuits, writes the proving keys to <home>/shielded/ and returns the
// genesis section carrying the verifying keys.
func setupShielded(home string, out io.Writer) (node.GenesisSection, error) {
	fmt.Fprintf(out, "Setting up the shielded pool (devnet single-party setup of 3 circuits)...\n")
	start := time.Now()
	logger.Disable() // gnark logs each compile to stdout; the lines above say what happens
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
