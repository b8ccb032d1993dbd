package e2e

import (
	"encoding/hex"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/registry"
)

var reRotationStarted = regexp.MustCompile(`rotation started in block (\d+)`)

// TestKeyRotationCLI checks issue 4's acceptance path through the binary:
// a devnet with three gatekeepers shows generation 0, `phala gov
// rotate-keys` leads to generation 1, and the rotation's events carry the
// resume height two blocks after the switch.
func TestKeyRotationCLI(t *testing.T) {
	h := newLongHarness(t, "runs a devnet with three gatekeepers")
	dn, home, url := h.startDevnet("--workers", "3", "--gatekeepers", "3", "--cluster=false", "--block-time", "300ms")
	c := newClient(t, url)
	state := func() (keys.State, error) { return h.keyState(url) }
	waitFor(t, 30*time.Second, "generation 0 held by three gatekeepers", func() (bool, error) {
		st, err := state()
		return err == nil && st.Generation != nil && len(st.Gatekeepers) == 3 && st.Gatekeepers[0].Holds && st.Gatekeepers[1].Holds && st.Gatekeepers[2].Holds, err
	}, dn)

	// A cluster made with the CLI gets its key to its member.
	h.mustRun("cluster", "create", "--from", "alice", "--home", home, "--keyring-backend", "test", "--node", url)
	var cl []clusters.Cluster
	h.mustRunJSON(&cl, "query", "clusters", "--node", url, "--output", "json")
	var ws []registry.Worker
	h.mustRunJSON(&ws, "query", "workers", "--node", url, "--output", "json")
	if len(cl) != 1 || len(ws) != 3 {
		t.Fatalf("clusters %d, workers %d", len(cl), len(ws))
	}
	clusterID := hex.EncodeToString(cl[0].ID)
	h.mustRun("cluster", "add", clusterID, ws[0].ID.String(), "--from", "alice", "--home", home, "--keyring-backend", "test", "--node", url)
	waitFor(t, 30*time.Second, "the member to hold the cluster key", func() (bool, error) {
		var list []clusters.Cluster
		h.mustRunJSON(&list, "query", "clusters", "--node", url, "--output", "json")
		return len(list) == 1 && len(list[0].Holders) == 1, nil
	}, dn)

	out := h.mustRun("gov", "rotate-keys", "--home", home, "--keyring-backend", "test", "--node", url)
	m := reRotationStarted.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("rotate-keys printed %q", out)
	}
	started, _ := strconv.ParseInt(m[1], 10, 64)
	var st keys.State
	waitFor(t, 30*time.Second, "generation 1", func() (bool, error) {
		var err error
		st, err = state()
		return err == nil && st.Generation != nil && st.Generation.Number == 1, err
	}, dn)
	if blocks := st.Generation.Height - started; blocks > 6 {
		t.Fatalf("rotation took %d blocks", blocks)
	}
	if st.ResumeHeight != st.Generation.Height+keys.ResumeDelay {
		t.Fatalf("resume height %d, switch at %d", st.ResumeHeight, st.Generation.Height)
	}
	// The switch and the resume height are in the block's events.
	sw := st.Generation.Height
	evs, err := c.BlockEvents(t.Context(), sw, keys.EventRotation)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, attrs := range evs {
		if attrs["phase"] == "done" && attrs["resume_height"] == strconv.FormatInt(st.ResumeHeight, 10) {
			found = true
		}
	}
	if !found {
		t.Fatalf("no key_rotation done event with resume_height %d at height %d", st.ResumeHeight, sw)
	}
	t.Logf("rotation: started at %d, switched at %d, key traffic resumes at %d", started, sw, st.ResumeHeight)

	// The cluster moves to a new epoch of generation 1, which its member gets.
	waitFor(t, 30*time.Second, "the cluster's new epoch held", func() (bool, error) {
		var list []clusters.Cluster
		h.mustRunJSON(&list, "query", "clusters", "--node", url, "--output", "json")
		return list[0].Epoch == 1 && list[0].Generation == 1 && len(list[0].Holders) == 1, nil
	}, dn)
}
