package worker_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/devnet/devnettest"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/shielded"
	"github.com/phalanetwork/phala/shielded/ceremony"
	"github.com/phalanetwork/phala/shielded/circuit"
	"github.com/phalanetwork/phala/shielded/circuit/circuittest"
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
