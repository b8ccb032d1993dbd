package e2e

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/tee"
)

var reWorkerID = regexp.MustCompile(`^worker ([0-9a-f]{64})$`)

// TestWorkerProcess runs `phala worker` as its own process against a devnet
// without workers: it registers, survives SIGKILL with its identity, and
// does not register twice.
func TestWorkerProcess(t *testing.T) {
	h := newHarness(t)
	dn, home, url := h.startDevnet("--workers", "0", "--block-time", "200ms")
	c := newClient(t, url)
	waitHeight(t, c, 2, 10*time.Second, dn)

	workerHome := filepath.Join(t.TempDir(), "worker")
	args := simWorkerArgs(workerHome, home, url, "worker0")
	w := h.start("worker", args...)
	id := w.waitLine(reWorkerID, 20*time.Second)[1]

	workers := func() []registry.Worker {
		var ws []registry.Worker
		r := h.run("query", "workers", "--node", url, "--output", "json")
		if r.code == 0 {
			json.Unmarshal([]byte(r.stdout), &ws)
		}
		return ws
	}
	var first registry.Worker
	waitFor(t, 20*time.Second, "the worker process to register", func() (bool, error) {
		ws := workers()
		if len(ws) == 1 && ws[0].ID.String() == id && ws[0].Endpoint != "" {
			first = ws[0]
			return true, nil
		}
		return false, nil
	}, dn, w)
	if first.TEE != tee.KindSim {
		t.Fatalf("worker record %+v", first)
	}

	w.signal(syscall.SIGKILL)
	w.waitExit(10 * time.Second)
	w2 := h.start("worker-restarted", args...)
	if got := w2.waitLine(reWorkerID, 20*time.Second)[1]; got != id {
		t.Fatalf("identity changed across SIGKILL: %s -> %s", id, got)
	}
	// Give it a few blocks: it must find its record and not register again.
	before := mustHeight(t, c)
	waitHeight(t, c, before+5, 20*time.Second, dn, w2)
	ws := workers()
	if len(ws) != 1 || ws[0].RegisteredHeight != first.RegisteredHeight || ws[0].AttestedHeight != first.AttestedHeight {
		t.Fatalf("after restart: %+v, first: %+v", ws, first)
	}
	w2.interrupt()
	if code := w2.waitExit(15 * time.Second); code != 0 {
		t.Fatalf("worker exited %d on SIGINT", code)
	}
}
