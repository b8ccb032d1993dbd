package cli

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/pha"
)

// TestInfoWithAccount: `pool info` and `vault info` with --account print
// the record and the account's holding, as text and as JSON (the record's
// fields and "account"), on a devnet; `withdraw 1 all` redeems every share.
func TestInfoWithAccount(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a devnet")
	}
	home := filepath.Join(t.TempDir(), "devnet")
	d, err := devnet.Start(context.Background(), devnet.Options{Home: home, BlockTime: 100 * time.Millisecond, Workers: -1, Gatekeepers: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Stop() })
	base := []string{"--home", home, "--keyring-backend", "test", "--node", d.RPCURL}
	cmd := func(args ...string) []string { return append(args, base...) }
	alice, err := d.Keyring.Get("alice")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := d.Keyring.Get("bob")
	if err != nil {
		t.Fatal(err)
	}

	mustRun(t, "", cmd("pool", "create", "--commission", "10", "--from", "alice")...)
	mustRun(t, "", cmd("pool", "contribute", "1", "30PHA", "--from", "bob")...)
	mustRun(t, "", cmd("vault", "create", "--from", "alice")...)
	mustRun(t, "", cmd("vault", "deposit", "1", "20PHA", "--from", "bob")...)

	for _, tc := range []struct {
		kind, record, value string
	}{
		{"pool", "pool 1  owner " + alice.Address.String() + "  commission 10.00%", "30PHA"},
		{"vault", "vault 1  owner " + alice.Address.String(), "20PHA"},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			text := mustRun(t, "", cmd(tc.kind, "info", "1", "--account", "bob")...)
			holding := bob.Address.String() + " holds "
			if !strings.HasPrefix(text, tc.record) || !strings.Contains(text, holding) || !strings.Contains(text, "worth "+tc.value) {
				t.Fatalf("%s info --account bob:\n%s", tc.kind, text)
			}
			var out struct {
				ID      uint64 `json:"id"`
				Account struct {
					Account string     `json:"account"`
					Value   pha.Amount `json:"value"`
				} `json:"account"`
			}
			raw := mustRun(t, "", cmd(tc.kind, "info", "1", "--account", "bob", "--output", "json")...)
			if err := json.Unmarshal([]byte(raw), &out); err != nil || out.ID != 1 || out.Account.Account != bob.Address.String() || out.Account.Value.PHA() != tc.value {
				t.Fatalf("%s info --account bob --output json: %v\n%s", tc.kind, err, raw)
			}
			// Without --account, the record alone.
			if plain := mustRun(t, "", cmd(tc.kind, "info", "1")...); strings.Contains(plain, holding) || !strings.HasPrefix(plain, tc.record) {
				t.Fatalf("%s info:\n%s", tc.kind, plain)
			}
			// "all" withdraws every share bob holds; then he holds none.
			mustRun(t, "", cmd(tc.kind, "withdraw", "1", "all", "--from", "bob")...)
			want := bob.Address.String() + " holds no shares of " + tc.kind + " 1"
			if _, _, err := runCLI(t, "", cmd(tc.kind, "withdraw", "1", "all", "--from", "bob")...); err == nil || err.Error() != want {
				t.Fatalf("%s withdraw all with no shares: %v, want %q", tc.kind, err, want)
			}
		})
	}
}
