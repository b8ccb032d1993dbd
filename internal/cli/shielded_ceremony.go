package cli

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"path/filepath"

	"github.com/consensys/gnark/logger"
	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/modules/shielded"
	"github.com/phalanetwork/phala/shielded/ceremony"
	"github.com/phalanetwork/phala/shielded/circuit"
	"github.com/phalanetwork/phala/shielded/wallet"
)

func newShieldedCeremonyCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ceremony",
		Short: "The shielded pool's setup ceremony: its record on chain, and re-verifying it",
		Long: `The pool's proving and verifying keys come from a Groth16 multi-party setup
among the gatekeepers' enclaves, recorded on chain (docs/shielded.md). status
prints the record; verify downloads every state from the gatekeepers by the
hash the chain recorded and re-runs every check itself, trusting no TEE.`,
	}
	cmd.AddCommand(newCeremonyStatusCmd(g), newCeremonyVerifyCmd(g))
	return cmd
}

func newCeremonyStatusCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "status",
		Short:   "Print the setup ceremony's record: contributors, stage, each contribution and its votes",
		Example: "  phala shielded ceremony status",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return queryPrint(cmd.Context(), g, (*client.Client).ShieldedCeremony, printCeremony)
		},
	}
}

// printCeremony writes the record as text.
func printCeremony(w io.Writer, rec *shielded.Ceremony) {
	var state string
	switch {
	case rec.Done:
		state = "done: the pool's verifying keys are set"
	case rec.Failed != "":
		state = "failed: " + rec.Failed
	case len(rec.Contributors) == 0:
		state = fmt.Sprintf("waiting for %d gatekeepers", rec.Wanted)
	default:
		state = fmt.Sprintf("running: a step lasts %d blocks, this one until height %d", rec.TurnBlocks, rec.Deadline())
	}
	fmt.Fprintf(w, "circuits %v, phase 1 domain %d, %s\n", rec.Circuits, rec.Domain, state)
	for i, id := range rec.Contributors {
		fmt.Fprintf(w, "  contributor %d: %x\n", i, []byte(id))
	}
	if len(rec.Beacon) > 0 {
		fmt.Fprintf(w, "  phase 1 beacon (block hash): %x\n", []byte(rec.Beacon))
	}
	for _, x := range rec.Contributions {
		fmt.Fprintf(w, "  phase %d %-8s slot %d by %.8x: %s (%d accepts, %d refusals) state %x\n",
			x.Phase, x.Circuit, x.Slot, []byte(x.Contributor), x.Status, len(x.Accepts), len(x.Refusals), []byte(x.Hash))
		for _, r := range x.Refusals {
			fmt.Fprintf(w, "    refused by %.8x: %s\n", []byte(r.Voter), r.Reason)
		}
	}
	for _, name := range rec.Circuits {
		if sum := rec.AgreedKey(name); sum != nil {
			fmt.Fprintf(w, "  %s verifying key: sha256 %s\n", name, hex.EncodeToString(sum))
		}
	}
}

func newCeremonyVerifyCmd(g *globals) *cobra.Command {
	var writeKeys string
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Re-verify the setup ceremony from its states, trusting no TEE; optionally write the proving keys",
		Long: `Download every state the record names from the contributors' endpoints
(checked against the hash on chain), verify each contribution against the
state it extends, re-derive each circuit's keys from the accepted ones and
compare the verifying key with the chain's. With --write-keys, write the
proving keys there for phala shielded shield/send/unshield (--keys-dir).`,
		Example: "  phala shielded ceremony verify --write-keys ~/.phala/shielded",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.verifyCeremony(cmd.Context(), writeKeys)
		},
	}
	cmd.Flags().StringVar(&writeKeys, "write-keys", "", "directory to write the derived proving keys to")
	return cmd
}

// verifyCeremony rechecks the record and prints what it found; it fails
// if anything disagrees with the chain.
func (g *globals) verifyCeremony(ctx context.Context, writeKeys string) error {
	logger.Disable()
	c, err := g.client()
	if err != nil {
		return err
	}
	rec, err := c.ShieldedCeremony(ctx)
	if err != nil {
		return err
	}
	store := ceremony.NewStore(filepath.Join(g.home, "ceremony"), c.CeremonyPeers)
	audit, keys, err := ceremony.Recheck(ctx, &rec, store, func(name string) ([]byte, error) { return c.ShieldedVerifyingKey(ctx, name) })
	if err != nil {
		return err
	}
	if writeKeys != "" && audit.OK {
		if err := writeCeremonyKeys(writeKeys, keys); err != nil {
			return err
		}
	}
	if err := g.print(audit, func(w io.Writer) { printAudit(w, &audit, writeKeys) }); err != nil {
		return err
	}
	if !audit.OK {
		return fmt.Errorf("the ceremony's record does not verify")
	}
	return nil
}

// writeCeremonyKeys writes the derived proving keys.
func writeCeremonyKeys(dir string, keys map[string]ceremony.Keys) error {
	p := &wallet.Prover{Keys: map[circuit.Kind]wallet.Keys{}}
	for _, kind := range circuit.Kinds {
		if k, ok := keys[kind.String()]; ok {
			p.Keys[kind] = wallet.Keys{CS: k.CS, PK: k.PK}
		}
	}
	return wallet.WriteKeys(dir, p)
}

// printAudit writes the audit as text.
func printAudit(w io.Writer, a *ceremony.Audit, writeKeys string) {
	for _, x := range a.Contributions {
		verdict := "verifies"
		if x.Error != "" {
			verdict = "does not verify: " + x.Error
		}
		agree := "agrees with the chain"
		if !x.Agrees {
			agree = "DISAGREES with the chain"
		}
		fmt.Fprintf(w, "phase %d %-8s slot %d (%s): %s; %s\n", x.Phase, x.Circuit, x.Slot, x.Status, verdict, agree)
	}
	for _, k := range a.Keys {
		if k.Matches {
			fmt.Fprintf(w, "%s: the verifying key derived from the record is the chain's\n", k.Circuit)
		} else {
			fmt.Fprintf(w, "%s: %s\n", k.Circuit, k.Error)
		}
	}
	if a.OK && writeKeys != "" && len(a.Keys) > 0 {
		fmt.Fprintf(w, "proving keys written to %s\n", writeKeys)
	}
}
