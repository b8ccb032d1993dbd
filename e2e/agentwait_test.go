package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestDepositThenCall: `phala agent deposit` returns once the workers can
// see the deposit, so a call right after it is served, not refused for
// payment (402). Blocks are a second apart, so a worker's light client is
// a block behind the node for a good part of every block.
func TestDepositThenCall(t *testing.T) {
	h := newLongHarness(t, "runs a devnet with 1s blocks")
	n := h.startAgentDevnet("--block-time", "1s")
	dn := n.dn
	kr := append(cliFlags(n.home, n.url), "--gateway", n.gw)
	agent := deployEchoAgent(t, h, kr, n.cluster, []string{"--price", "0.5PHA"}, dn)
	// The gateway and the workers are up: alice's calls go through.
	h.mustRun(append([]string{"agent", "deposit", "5PHA", "--from", "alice"}, kr...)...)
	waitFor(t, 60*time.Second, "a paid call by alice", func() (bool, error) {
		return h.run(append([]string{"agent", "call", agent, "/warm", "--from", "alice"}, kr...)...).code == 0, nil
	}, dn)
	for i, who := range []string{"bob", "carol"} {
		dep := h.run(append([]string{"agent", "deposit", "2PHA", "--from", who}, kr...)...)
		if dep.code != 0 {
			t.Fatal(dep)
		}
		r := h.run(append([]string{"agent", "call", agent, fmt.Sprintf("/right-after-deposit-%d", i), "--from", who}, kr...)...)
		if r.code != 0 || !strings.Contains(r.stdout, "right-after-deposit") {
			t.Fatalf("%s's call right after the deposit: %s\n(deposit said: %s)", who, r, dep.stderr)
		}
	}
	dn.interrupt()
}
