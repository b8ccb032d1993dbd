package worker_test

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/devnet/devnettest"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/shielded"
	"github.com/phalanetwork/phala/shielded/ceremony"
	"github.com/phalanetwork/phala/shielded/circuit"
	"github.com/phalanetwork/phala/shielded/circuit/circuittest"
	"github.com/phalanetwork/phala/worker"
)

// TestGatekeepersRunTheSetupCeremony: a devnet whose genesis starts the
// shield circuit's setup ceremony among its three gatekeepers. Each
// gatekeeper's enclave contributes in turn, serves its state over its
// HTTP, fetches the others' by hash and votes on each; the chain records
// every contribution extending the one before, accepted by a majority,
// seals phase 1 with a block hash and stores the key the gatekeepers
// derived. Anyone re-verifying the record from the served states (as
// phala shielded ceremony verify does) agrees with every vote and gets the
// chain's key, and a proof made with the derived proving key verifies
// against it.
func TestGatekeepersRunTheSetupCeremony(t *testing.T) {
	if testing.Short() || raceSlowdown > 1 {
		t.Skip("runs a Groth16 ceremony; too slow under -race or -short")
	}
	_, c := startDevnet(t, devnet.Options{Workers: 3, Gatekeepers: 3, Shielded: true, ShieldedCeremony: true,
		CeremonyCircuits: []string{"shield"}}, nil)
	ctx := context.Background()
	var rec shielded.Ceremony
	devnettest.Eventually(t, "the setup ceremony to finish", 10*time.Minute, func() (bool, error) {
		var err error
		rec, err = c.ShieldedCeremony(ctx)
		return err == nil && !rec.Running() && len(rec.Contributors) > 0, err
	})
	if !rec.Done {
		t.Fatalf("ceremony failed: %s", rec.Failed)
	}
	var st keys.State
	if _, err := c.Query(ctx, "/keys/state", &st); err != nil || len(st.Gatekeepers) != 3 {
		t.Fatalf("gatekeepers: %v %+v", err, st.Gatekeepers)
	}
	for i, x := range rec.Contributions {
		want := make([]byte, 32)
		if i%3 != 0 {
			want = rec.Contributions[i-1].Hash
		}
		if x.Status != shielded.StatusAccepted || len(x.Accepts) < 2 || !bytes.Equal(x.Prev, want) ||
			!bytes.Equal(x.Contributor, rec.Contributors[i%3]) || !bytes.Equal(x.Contributor, st.Gatekeepers[i%3].Worker) {
			t.Fatalf("contribution %d: %+v", i, x)
		}
	}
	if len(rec.Contributions) != 6 || len(rec.Beacon) != 32 {
		t.Fatalf("%d contributions, beacon %x", len(rec.Contributions), []byte(rec.Beacon))
	}
	onChain, err := c.ShieldedVerifyingKey(ctx, "shield")
	if err != nil {
		t.Fatal(err)
	}
	store := ceremony.NewStore(t.TempDir(), c.CeremonyPeers)
	audit, derived, err := ceremony.Recheck(ctx, &rec, store, func(name string) ([]byte, error) { return c.ShieldedVerifyingKey(ctx, name) })
	if err != nil {
		t.Fatal(err)
	}
	if !audit.OK || len(audit.Contributions) != 6 || len(audit.Keys) != 1 || !audit.Keys[0].Matches {
		t.Fatalf("re-verifying the record from the gatekeepers' states: %+v", audit)
	}
	k := derived["shield"]
	chainVK, err := circuit.DecodeVerifyingKey(onChain)
	if err != nil {
		t.Fatal(err)
	}
	circuittest.ProveShield(t, k.CS, k.PK, chainVK)
}

// TestCeremonyGoesOnWithoutSilentGatekeeper: a devnet whose genesis starts
// the shield circuit's ceremony among three gatekeepers with a turn of 100
// blocks; the second gatekeeper's worker stops as soon as the
// contributors are fixed, so it never contributes, votes or derives a
// key. The chain skips its slot in both stages, the other two finish the
// ceremony, and re-verifying the record, skipped slots and all, agrees
// with the chain's key.
func TestCeremonyGoesOnWithoutSilentGatekeeper(t *testing.T) {
	if testing.Short() || raceSlowdown > 1 {
		t.Skip("runs a Groth16 ceremony; too slow under -race or -short")
	}
	d, c := startDevnet(t, devnet.Options{Workers: 3, Gatekeepers: 3, Shielded: true, ShieldedCeremony: true,
		CeremonyCircuits: []string{"shield"}, CeremonyTurnBlocks: 100}, nil)
	ctx := context.Background()
	var rec shielded.Ceremony
	devnettest.Eventually(t, "the ceremony's contributors", 2*time.Minute, func() (bool, error) {
		var err error
		rec, err = c.ShieldedCeremony(ctx)
		return err == nil && len(rec.Contributors) == 3, err
	})
	silent := slices.IndexFunc(d.Workers, func(w *worker.Worker) bool { id := w.ID(); return bytes.Equal(id[:], rec.Contributors[1]) })
	if silent < 0 {
		t.Fatalf("no devnet worker is contributor 1 %x", []byte(rec.Contributors[1]))
	}
	if err := d.Workers[silent].Stop(); err != nil {
		t.Fatal(err)
	}
	devnettest.Eventually(t, "the ceremony to finish without gatekeeper 1", 10*time.Minute, func() (bool, error) {
		var err error
		rec, err = c.ShieldedCeremony(ctx)
		return err == nil && !rec.Running(), err
	})
	if !rec.Done {
		t.Fatalf("ceremony failed: %s", rec.Failed)
	}
	for i, x := range rec.Contributions {
		if x.Slot == 1 && (x.Status != shielded.StatusSkipped || len(x.Hash) != 0) {
			t.Fatalf("silent gatekeeper's slot %d: %+v", i, x)
		}
	}
	for stage := range 2 {
		if len(rec.Accepted(stage)) == 0 {
			t.Fatalf("stage %d has no accepted contribution: %+v", stage, rec.Contributions)
		}
	}
	store := ceremony.NewStore(t.TempDir(), c.CeremonyPeers)
	audit, _, err := ceremony.Recheck(ctx, &rec, store, func(name string) ([]byte, error) { return c.ShieldedVerifyingKey(ctx, name) })
	if err != nil {
		t.Fatal(err)
	}
	if !audit.OK || len(audit.Keys) != 1 || !audit.Keys[0].Matches {
		t.Fatalf("re-verifying a record with skipped slots: %+v", audit)
	}
}
