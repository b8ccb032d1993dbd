package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/modules/shielded"
)

// TestShieldedCeremonyCLI: on a devnet whose three gatekeepers run the
// shield circuit's setup ceremony, `shielded ceremony status` shows the
// record, `shielded ceremony verify --write-keys` re-verifies every
// contribution from the gatekeepers' states and writes the proving key,
// and a shield proved with that key is accepted by the chain.
func TestShieldedCeremonyCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a devnet and a Groth16 ceremony")
	}
	if proofHeavy != "" {
		t.Skip(proofHeavy)
	}
	home := filepath.Join(t.TempDir(), "devnet")
	d, err := devnet.Start(context.Background(), devnet.Options{Home: home, BlockTime: 100 * time.Millisecond, Workers: 3, Gatekeepers: 3,
		Shielded: true, ShieldedCeremony: true, CeremonyCircuits: []string{"shield"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Stop() })
	cmd := func(args ...string) []string {
		return append(args, "--home", home, "--keyring-backend", "test", "--node", d.RPCURL)
	}
	deadline := time.Now().Add(10 * time.Minute)
	var rec shielded.Ceremony
	for !rec.Done {
		if time.Now().After(deadline) {
			t.Fatalf("ceremony not done: %+v", rec)
		}
		time.Sleep(time.Second)
		if err := json.Unmarshal([]byte(mustRun(t, "", cmd("shielded", "ceremony", "status", "--output", "json")...)), &rec); err != nil {
			t.Fatal(err)
		}
		if rec.Failed != "" {
			t.Fatalf("ceremony failed: %s", rec.Failed)
		}
	}
	status := mustRun(t, "", cmd("shielded", "ceremony", "status")...)
	if strings.Count(status, ": accepted (") != 6 || !strings.Contains(status, "phase 1 beacon") || !strings.Contains(status, "shield verifying key: sha256 ") {
		t.Fatalf("status:\n%s", status)
	}
	keys := t.TempDir()
	out := mustRun(t, "", cmd("shielded", "ceremony", "verify", "--write-keys", keys)...)
	if strings.Count(out, "verifies; agrees with the chain") != 6 || !strings.Contains(out, "shield: the verifying key derived from the record is the chain's") {
		t.Fatalf("verify:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(keys, "shield.pk")); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "", cmd("shielded", "shield", "5PHA", "--from", "alice", "--keys-dir", keys)...)
}
