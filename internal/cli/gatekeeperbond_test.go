package cli

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/pha"
)

// TestGatekeeperBondArgs: bad arguments are refused before any keyring or
// node is touched.
func TestGatekeeperBondArgs(t *testing.T) {
	id := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"tx", "gatekeeper-bond", "xyz", "1PHA", "--from", "a"}, "worker id must be 64 hex characters"},
		{[]string{"tx", "gatekeeper-unbond", id, "1.5 apples", "--from", "a"}, "parse amount"},
		{[]string{"tx", "gatekeeper-bond", id, "0PHA", "--from", "a"}, keys.ErrZeroAmount.Error()},
		{[]string{"tx", "gatekeeper-unbond", id, "0", "--from", "a"}, keys.ErrZeroAmount.Error()},
		{[]string{"tx", "gatekeeper-bond", id, "1PHA"}, "--from is required"},
		{[]string{"tx", "gatekeeper-bond", id, "1PHA", "--from", "a", "--fee", "x"}, "--fee"},
		{[]string{"tx", "gatekeeper-bond", id}, "accepts 2 arg(s)"},
	} {
		_, _, err := runCLI(t, "", append(tc.args, "--home", t.TempDir(), "--keyring-backend", "test", "--node", "http://127.0.0.1:1")...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("phala %s: error %v, want one containing %q", strings.Join(tc.args, " "), err, tc.want)
		}
	}
}

// TestGatekeeperBondCLI bonds and unbonds through the commands on a devnet
// with one gatekeeper, and reads the bond back with 'phala query keys'.
func TestGatekeeperBondCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a devnet")
	}
	home := filepath.Join(t.TempDir(), "devnet")
	d, err := devnet.Start(context.Background(), devnet.Options{Home: home, BlockTime: 100 * time.Millisecond, Workers: 1, Gatekeepers: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Stop() })
	<-d.Workers[0].Registered()
	base := []string{"--home", home, "--keyring-backend", "test", "--node", d.RPCURL}
	cmd := func(args ...string) []string { return append(args, base...) }
	query := func() keys.State {
		var st keys.State
		if err := json.Unmarshal([]byte(mustRun(t, "", cmd("query", "keys", "--output", "json")...)), &st); err != nil {
			t.Fatal(err)
		}
		return st
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(query().Gatekeepers) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no gatekeeper appointed")
		}
		time.Sleep(200 * time.Millisecond)
	}
	gk := d.Workers[0].ID().String()

	// Answering no to the question sends nothing.
	if _, _, err := runCLI(t, "n\n", cmd("tx", "gatekeeper-bond", gk, "100PHA", "--from", "worker0")...); err == nil || !strings.Contains(err.Error(), "cancelled") {
		t.Fatalf("declined bond: %v", err)
	}
	out := mustRun(t, "y\n", cmd("tx", "gatekeeper-bond", gk, "100PHA", "--from", "worker0")...)
	if !strings.Contains(out, "committed in block") {
		t.Fatalf("bond output: %s", out)
	}
	if st := query(); st.Gatekeepers[0].Bonded != pha.Whole(100) {
		t.Fatalf("bonded %s, want 100PHA", st.Gatekeepers[0].Bonded.PHA())
	}
	// Only the operator bonds; nobody unbonds more than is bonded.
	var rerr *client.ResultError
	if _, _, err := runCLI(t, "", cmd("tx", "gatekeeper-bond", gk, "1PHA", "--from", "alice", "--yes")...); !errors.As(err, &rerr) || rerr.Codespace != keys.Codespace || rerr.Code != keys.ErrNotOperator.Code {
		t.Fatalf("bond by alice: %v", err)
	}
	if _, _, err := runCLI(t, "", cmd("tx", "gatekeeper-unbond", gk, "101PHA", "--from", "worker0", "--yes")...); !errors.As(err, &rerr) || rerr.Code != keys.ErrUnbondTooMuch.Code {
		t.Fatalf("unbond of too much: %v", err)
	}
	out = mustRun(t, "", cmd("tx", "gatekeeper-unbond", gk, "40PHA", "--from", "worker0", "--yes", "--output", "json")...)
	var res client.Committed
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Height == 0 {
		t.Fatalf("unbond json %q: %v", out, err)
	}
	st := query()
	g := st.Gatekeepers[0]
	if g.Bonded != pha.Whole(60) || len(g.Unbonding) != 1 || g.Unbonding[0] != (keys.Unbonding{Amount: pha.Whole(40), Release: res.Height + st.Params.UnbondDelay}) {
		t.Fatalf("after unbonding: %+v (unbonded in block %d, delay %d)", g, res.Height, st.Params.UnbondDelay)
	}
	text := mustRun(t, "", cmd("query", "keys")...)
	for _, want := range []string{"bonded: 60PHA", "unbonding 40PHA, back to the operator at height", "top 5 by bond, ties by id", keys.BondAccount.String()} {
		if !strings.Contains(text, want) {
			t.Fatalf("query keys text lacks %q:\n%s", want, text)
		}
	}
}
