package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// TestPartitionedValidatorCatchesUp runs a 4-validator network, cuts one
// validator off from the others with packet filters (iptables on its p2p
// port: every connection to or from it goes through that port, since it
// dials no one), checks that the other three keep committing while it
// cannot, heals the partition and checks that it catches up to the same
// blocks and AppHash. It needs iptables and the right to use it; without
// them it skips.
func TestPartitionedValidatorCatchesUp(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short: runs a 4-validator network")
	}
	if exec.Command("iptables", "-L", "INPUT", "-n").Run() != nil {
		t.Skip("needs iptables and the right to change packet filters (root with NET_ADMIN)")
	}
	h := newHarness(t)
	const n = 4
	tn := h.initTestnet(n, "300ms")
	homes, clients, base := tn.homes, tn.clients, tn.base
	// node3 dials no one and learns no addresses: the others dial it, so
	// its p2p port carries every connection it has.
	cfgPath := filepath.Join(homes[3], "config", "config.toml")
	cfg, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg = regexp.MustCompile(`(?m)^persistent_peers = .*$`).ReplaceAll(cfg, []byte(`persistent_peers = ""`))
	cfg = regexp.MustCompile(`(?m)^pex = .*$`).ReplaceAll(cfg, []byte(`pex = false`))
	if err := os.WriteFile(cfgPath, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	nodes := h.startNodes(tn)

	port := strconv.Itoa(base + 6) // node3's p2p port
	rules := [][]string{{"INPUT", "-p", "tcp", "--dport", port, "-j", "DROP"}, {"INPUT", "-p", "tcp", "--sport", port, "-j", "DROP"}}
	healed := false
	heal := func() {
		if healed {
			return
		}
		healed = true
		for _, r := range rules {
			exec.Command("iptables", append([]string{"-D"}, r...)...).Run()
		}
	}
	t.Cleanup(heal)
	for _, r := range rules {
		if out, err := exec.Command("iptables", append([]string{"-A"}, r...)...).CombinedOutput(); err != nil {
			t.Fatalf("iptables -A %v: %v: %s", r, err, out)
		}
	}
	cut := mustHeight(t, clients[3])
	t.Logf("node3 partitioned at its height %d", cut)
	others := maxHeight(t, clients[:3])
	for i := range 3 {
		waitHeight(t, clients[i], others+8, 60*time.Second, nodes...)
	}
	if h3 := mustHeight(t, clients[3]); h3 > cut+1 {
		t.Fatalf("node3 went on from %d to %d while partitioned: the partition leaks", cut, h3)
	}
	t.Logf("the other three went on to %d while node3 stayed at %d", maxHeight(t, clients[:3]), mustHeight(t, clients[3]))

	heal()
	target := maxHeight(t, clients[:3])
	waitHeight(t, clients[3], target+2, 120*time.Second, nodes...)
	hh, _ := commonHeight(t, clients)
	refApp, _ := agreeAt(t, clients, hh)
	t.Logf("after healing all four agree on block %d and its app hash %X", hh, refApp)
}
