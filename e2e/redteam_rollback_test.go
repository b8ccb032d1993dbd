package e2e

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pruntime"
	"github.com/phalanetwork/phala/pruntime/core"
	"github.com/phalanetwork/phala/pruntime/sealed"
)

// TestRedTeamRollback: the operator of a gatekeeper copies its sealed
// store while it holds nothing, lets it receive the master key and confirm
// (a message the chain consumed), stops it, puts the old files back and
// starts the real worker again. The enclave must refuse to run from the
// rolled-back store, naming the check and both numbers, and sign nothing
// more: no new message, and none under a sequence the chain already used.
func TestRedTeamRollback(t *testing.T) {
	h := newLongHarness(t, "runs a devnet and a worker process")
	dn, home, url := h.startDevnet("--block-time", "200ms", "--workers", "1", "--gatekeepers", "1", "--cluster=false")
	c := newClient(t, url)
	waitHeight(t, c, 2, 30*time.Second, dn)
	kr := cliFlags(home, url)

	wHome := filepath.Join(t.TempDir(), "victim")
	args := simWorkerArgs(wHome, home, url, "carol")
	w := h.start("victim", args...)
	id := w.waitLine(reWorkerID, 30*time.Second)[1]
	waitFor(t, 30*time.Second, "the victim's registration", func() (bool, error) {
		var rec registry.Worker
		r := h.run("query", "worker", id, "--node", url, "--output", "json")
		return r.code == 0 && json.Unmarshal([]byte(r.stdout), &rec) == nil && rec.ID.String() == id, nil
	}, dn, w)
	mqNext := func() uint64 {
		var seq mq.SequenceResponse
		if _, err := c.Query(context.Background(), "/mq/sequence/worker/"+id, &seq); err != nil {
			t.Fatal(err)
		}
		return seq.Next
	}

	// t0: the operator copies the sealed store; nothing is signed yet.
	t0 := filepath.Join(t.TempDir(), "sealed-t0")
	copyDir(t, filepath.Join(wHome, "sealed"), t0)
	if n := mqNext(); n != 0 {
		t.Fatalf("the victim posted %d messages before t0", n)
	}

	// The victim becomes a gatekeeper: it receives the master key and
	// confirms, which the chain records (sequence 0 used, Holds set).
	h.mustRun(append([]string{"gov", "add-gatekeeper", id}, kr...)...)
	waitFor(t, 60*time.Second, "the victim to hold generation 0", func() (bool, error) {
		st, err := h.keyState(url)
		if err != nil {
			return false, err
		}
		i := slices.IndexFunc(st.Gatekeepers, func(g keys.Gatekeeper) bool { return hex.EncodeToString(g.Worker) == id })
		return i >= 0 && st.Gatekeepers[i].Holds, nil
	}, dn, w)
	waitFor(t, 30*time.Second, "the confirmation to use sequence 0", func() (bool, error) { return mqNext() >= 1, nil }, dn, w)
	w.interrupt()
	used := mqNext()

	// The rollback: the t0 files replace the store; the real worker starts.
	if err := os.RemoveAll(filepath.Join(wHome, "sealed")); err != nil {
		t.Fatal(err)
	}
	copyDir(t, t0, filepath.Join(wHome, "sealed"))
	w2 := h.start("victim-restored", args...)
	if got := w2.waitLine(reWorkerID, 30*time.Second)[1]; got != id {
		t.Fatalf("restored worker is %s, want %s", got, id)
	}
	var refusal string
	waitFor(t, 60*time.Second, "the enclave to refuse the rolled-back store", func() (bool, error) {
		log, _ := os.ReadFile(w2.stderrPath)
		for _, line := range strings.Split(string(log), "\n") {
			if strings.Contains(line, "rolled-back sealed state") {
				refusal = line
				return true, nil
			}
		}
		return false, nil
	}, dn, w2)
	t.Logf("refusal: %s", refusal)
	for _, want := range []string{"sealed outbox", "chain"} {
		if !strings.Contains(refusal, want) {
			t.Errorf("refusal does not name %q: %s", want, refusal)
		}
	}
	// Give it rounds to misbehave, then look: the chain took nothing more
	// and the sealed outbox holds no message the enclave signed since.
	waitHeight(t, c, mustHeight(t, c)+10, 30*time.Second, dn, w2)
	if n := mqNext(); n != used {
		t.Errorf("the rolled-back enclave landed messages: next sequence %d, was %d", n, used)
	}
	w2.interrupt()
	store := workerStore(t, simProvider(t, home, wHome), wHome, filepath.Join(home, "config", "genesis.json"))
	next, pending := sealedOutbox(t, store)
	for _, m := range pending {
		if m.Sequence < used {
			t.Errorf("signed %s under sequence %d, which the chain already used", m.Topic, m.Sequence)
		}
	}
	if next != 0 || len(pending) != 0 {
		t.Errorf("the rolled-back enclave signed messages: outbox next %d, %d pending", next, len(pending))
	}
	if _, err := store.Get(pruntime.EntryMasterKeys); !errors.Is(err, sealed.ErrNotFound) {
		t.Errorf("the rolled-back enclave took the master key again (%v)", err)
	}
}

// sealedOutbox unseals a worker's outbox: the next sequence it will sign
// and the signed messages it keeps.
func sealedOutbox(t *testing.T, store *sealed.Store) (uint64, []mq.SignedMessage) {
	t.Helper()
	raw, err := store.Get(core.EntryOutbox)
	if err != nil {
		return 0, nil
	}
	var out struct {
		Next    uint64             `json:"next"`
		Pending []mq.SignedMessage `json:"pending"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out.Next, out.Pending
}

// copyDir copies the regular files of src (one level, as the sealed store
// keeps them) into dst, the way an operator backs a store up.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(dst, 0o700); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}
