package worker_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/pruntime"
	"github.com/phalanetwork/phala/worker"
)

type rotationEnv struct {
	logs *lockedBuffer
	d    *devnet.Devnet
	c    *client.Client
	home string
	// cluster has worker3 as its member; other has worker3 and worker0 (a
	// gatekeeper that is also a member).
	cluster, other [32]byte
}

// newRotationEnv runs a devnet with three gatekeepers and a fourth worker,
// and two clusters, and waits until generation 0 and both cluster keys are
// held.
func newRotationEnv(t *testing.T) *rotationEnv {
	logs := &lockedBuffer{}
	d, c := startDevnet(t, devnet.Options{Workers: 4, Gatekeepers: 3, BlockTime: 100 * time.Millisecond * raceBlockSlowdown}, logs)
	home := d.Home
	ctx := context.Background()
	alice, _ := d.Keyring.PrivKey("alice")
	for _, w := range d.Workers {
		<-w.Registered()
	}
	if _, err := c.Send(ctx, alice, pha.Amount{}, "", &clusters.MsgCreate{}, &clusters.MsgCreate{}); err != nil {
		t.Fatal(err)
	}
	var list []clusters.Cluster
	c.Query(ctx, "/clusters/list", &list)
	e := &rotationEnv{logs: logs, d: d, c: c, home: home, cluster: [32]byte(list[0].ID), other: [32]byte(list[1].ID)}
	if _, err := c.Send(ctx, alice, pha.Amount{}, "",
		&clusters.MsgMember{Cluster: e.cluster, Worker: d.Workers[3].ID()},
		&clusters.MsgMember{Cluster: e.other, Worker: d.Workers[3].ID()},
		&clusters.MsgMember{Cluster: e.other, Worker: d.Workers[0].ID()}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "generation 0 held by all and both cluster keys by their members", func() (bool, error) {
		st := e.keys()
		return st.Generation != nil && len(st.Gatekeepers) == 3 && allHold(st.Gatekeepers) &&
			len(e.clusterRecordOf(e.cluster).Holders) == 1 && len(e.clusterRecordOf(e.other).Holders) == 2, nil
	})
	return e
}

func (e *rotationEnv) keys() keys.State { return keyState(e.c) }

func (e *rotationEnv) clusterRecord() clusters.Cluster { return e.clusterRecordOf(e.cluster) }

func (e *rotationEnv) clusterRecordOf(id [32]byte) clusters.Cluster { return clusterRecord(e.c, id) }

func (e *rotationEnv) rotate(t *testing.T) int64 {
	key, _ := e.d.Keyring.PrivKey(devnet.AuthorityAccount)
	res, err := e.c.Send(context.Background(), key, pha.Amount{}, "", &keys.MsgRotate{})
	if err != nil {
		t.Fatal(err)
	}
	return res.Height
}

// resumeHeightInEvents finds the "done" event of the rotation and returns
// the height it committed at and the resume height it announced.
func (e *rotationEnv) doneEvent(t *testing.T, from, to int64) (int64, int64) {
	for h := from; h <= to; h++ {
		evs, err := e.c.BlockEvents(context.Background(), h, keys.EventRotation)
		if err != nil {
			t.Fatal(err)
		}
		for _, attrs := range evs {
			if attrs["phase"] == "done" {
				resume, _ := strconv.ParseInt(attrs["resume_height"], 10, 64)
				return h, resume
			}
		}
	}
	t.Fatal("no rotation-done event")
	return 0, 0
}

func TestMasterKeyRotation(t *testing.T) {
	e := newRotationEnv(t)
	started := e.rotate(t)
	var st keys.State
	eventually(t, "generation 1", func() (bool, error) {
		st = e.keys()
		return st.Generation != nil && st.Generation.Number == 1, nil
	})
	if len(st.History) != 2 || string(st.History[0].SignKey) == string(st.History[1].SignKey) {
		t.Fatalf("history %+v", st.History)
	}
	done, resume := e.doneEvent(t, started, st.Generation.Height)
	t.Logf("rotation: started at %d, switched at %d (%d blocks), key traffic resumes at %d", started, done, done-started, resume)
	if done != st.Generation.Height || resume != done+keys.ResumeDelay {
		t.Fatalf("rotation done at %d, resume at %d; generation switched at %d", done, resume, st.Generation.Height)
	}
	// The cluster moves to a new epoch under generation 1, dispatched only
	// after the resume height.
	var cl clusters.Cluster
	eventually(t, "the cluster keys of the new epoch held", func() (bool, error) {
		cl = e.clusterRecord()
		o := e.clusterRecordOf(e.other)
		return cl.Epoch == 1 && cl.Generation == 1 && len(cl.Holders) == 1 && o.Epoch == 1 && len(o.Holders) == 2, nil
	})
	if done, last := rotationDispatchHeight(t, e, resume); last < resume {
		t.Fatalf("cluster keys published at %d, before the resume height %d (done %d)", last, resume, done)
	}

	// A gatekeeper that joins after the rotation receives the whole history.
	auth, _ := e.d.Keyring.PrivKey(devnet.AuthorityAccount)
	if _, err := e.c.Send(context.Background(), auth, pha.Amount{}, "", &keys.MsgAddGatekeeper{Worker: e.d.Workers[3].ID()}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the new gatekeeper to hold the key", func() (bool, error) {
		st = e.keys()
		return len(st.Gatekeepers) == 4 && st.Gatekeepers[3].Holds, nil
	})
	e.d.Stop()

	// Every gatekeeper sealed both generations; the member both epochs.
	simKey, _ := worker.LoadOrCreateSimAttestationKey(filepath.Join(e.home, "config", "sim_attestation_key"))
	secrets := map[string][]byte{}
	for i := range 4 {
		var hist struct {
			Generations []struct {
				Number uint64 `json:"number"`
				Secret []byte `json:"secret"`
			} `json:"generations"`
		}
		json.Unmarshal(unsealEntry(t, simKey, devnetGenesis(t, e.home), filepath.Join(e.home, "workers", "worker"+strconv.Itoa(i)), pruntime.EntryMasterKeys), &hist)
		if len(hist.Generations) != 2 {
			t.Fatalf("gatekeeper %d holds generations %+v", i, hist.Generations)
		}
		for _, g := range hist.Generations {
			secrets["master key generation "+strconv.FormatUint(g.Number, 10)] = g.Secret
		}
	}
	// No master key of either generation outside the sealed stores.
	assertNoSecretsUnder(t, e.home, secrets)
	assertNoSecrets(t, "logs", e.logs.Bytes(), secrets)
	var recs []struct {
		Epoch uint64 `json:"epoch"`
	}
	json.Unmarshal(unsealEntry(t, simKey, devnetGenesis(t, e.home), filepath.Join(e.home, "workers", "worker3"), pruntime.EntryClusterKeys), &recs)
	if len(recs) != 4 {
		t.Fatalf("member of both clusters holds cluster epochs %+v, want 0 and 1 of each", recs)
	}
}

// rotationDispatchHeight returns the rotation's done height and the height
// at which the cluster's new keys were published.
func rotationDispatchHeight(t *testing.T, e *rotationEnv, from int64) (int64, int64) {
	h, _ := e.c.RPC.Status(context.Background())
	last := h.SyncInfo.LatestBlockHeight
	for height := from - keys.ResumeDelay; height <= last; height++ {
		hh := height
		res, err := e.c.RPC.BlockResults(context.Background(), &hh)
		if err != nil {
			continue
		}
		for _, r := range res.TxsResults {
			for _, ev := range r.Events {
				if ev.Type == clusters.EventKeys {
					return from - keys.ResumeDelay, height
				}
			}
		}
	}
	t.Fatal("no cluster_keys event after the rotation")
	return 0, 0
}

func TestStalledRotationRecovers(t *testing.T) {
	e := newRotationEnv(t)
	down := e.d.Workers[2]
	if err := down.Stop(); err != nil {
		t.Fatal(err)
	}
	e.rotate(t)
	var st keys.State
	eventually(t, "generation 1 without the stopped gatekeeper", func() (bool, error) {
		st = e.keys()
		return st.Generation != nil && st.Generation.Number == 1, nil
	})
	downID := down.ID()
	if len(st.Generation.Excluded) != 1 || string(st.Generation.Excluded[0]) != string(downID[:]) {
		t.Fatalf("generation 1 %+v, gatekeepers %+v", st.Generation, st.Gatekeepers)
	}
	for _, g := range st.Gatekeepers {
		if g.Holds == (string(g.Worker) == string(downID[:])) {
			t.Fatalf("only the live gatekeepers should hold generation 1: %+v", st.Gatekeepers)
		}
	}
}

// TestGatekeeperRestartMidRotation: a gatekeeper that is down when a
// rotation starts, and comes back from its sealed store (same identity)
// before the timeout, still takes part in that round.
func TestGatekeeperRestartMidRotation(t *testing.T) {
	e := newRotationEnv(t)
	gk := e.d.Workers[1]
	if err := gk.Stop(); err != nil {
		t.Fatal(err)
	}
	e.rotate(t)
	eventually(t, "the others to commit", func() (bool, error) {
		st := e.keys()
		if st.Running == nil {
			return false, nil
		}
		gkID := gk.ID()
		for i, m := range st.Running.Members {
			if string(m) != string(gkID[:]) && len(st.Running.Commitments[i]) == 0 {
				return false, nil
			}
		}
		return true, nil
	})
	e.restart(t, 1)
	var st keys.State
	eventually(t, "generation 1 with all three gatekeepers", func() (bool, error) {
		st = e.keys()
		return st.Generation != nil && st.Generation.Number == 1, nil
	})
	if len(st.Generation.Excluded) != 0 {
		t.Fatalf("the restarted gatekeeper was left out: %+v", st.Generation)
	}
}

// restart starts devnet worker idx, stopped, again from its sealed store,
// with the same identity, until the test ends.
func (e *rotationEnv) restart(t *testing.T, idx int) *worker.Worker {
	t.Helper()
	home := filepath.Join(e.home, "workers", "worker"+strconv.Itoa(idx))
	simKey, _ := worker.LoadOrCreateSimAttestationKey(filepath.Join(e.home, "config", "sim_attestation_key"))
	p, err := worker.NewSimProvider(simKey, home, devnetGenesis(t, e.home))
	if err != nil {
		t.Fatal(err)
	}
	op, _ := e.d.Keyring.PrivKey("worker" + strconv.Itoa(idx))
	gen, _ := cmttypesGenesis(e.home)
	w, err := worker.Start(context.Background(), worker.Options{Home: home, Genesis: gen, NodeURL: e.d.RPCURL, Operator: op, Provider: p,
		Poll: 50 * time.Millisecond, BenchmarkTime: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Stop() })
	if w.ID() != e.d.Workers[idx].ID() {
		t.Fatal("restarted worker has another identity")
	}
	return w
}

// TestGatekeeperBackAfterMissedRotation: a gatekeeper down for a whole
// rotation is left out of generation 1. Restarted from its sealed store,
// its enclave asks to rejoin, takes the whole history from a holder,
// checks it against the chain's keys and proves it; it holds the key
// again and the next rotation elects it, so generation 2 leaves nobody
// out.
func TestGatekeeperBackAfterMissedRotation(t *testing.T) {
	e := newRotationEnv(t)
	down := e.d.Workers[2]
	downID := down.ID()
	if err := down.Stop(); err != nil {
		t.Fatal(err)
	}
	e.rotate(t)
	eventually(t, "generation 1 without the stopped gatekeeper", func() (bool, error) {
		st := e.keys()
		return st.Generation != nil && st.Generation.Number == 1 && len(st.Generation.Excluded) == 1 &&
			string(st.Generation.Excluded[0]) == string(downID[:]), nil
	})
	e.restart(t, 2)
	eventually(t, "the gatekeeper back to hold generation 1", func() (bool, error) {
		return allHold(e.keys().Gatekeepers), nil
	})
	started := e.rotate(t)
	var st keys.State
	eventually(t, "generation 2", func() (bool, error) {
		st = e.keys()
		return st.Generation != nil && st.Generation.Number == 2, nil
	})
	if len(st.Generation.Excluded) != 0 || !allHold(st.Gatekeepers) {
		t.Fatalf("the gatekeeper back was left out of generation 2: %+v", st.Generation)
	}
	if n := rejoinEvents(t, e, started); n != 1 {
		t.Fatalf("%d rejoin requests before the second rotation, want 1", n)
	}
}

// TestGatekeeperBackWhileFirstHolderDown: a gatekeeper down for a
// rotation comes back after the first holder in the chain's order went
// down too (still marked as holding). The next holder shares the history
// once the request has waited its turn, and the gatekeeper holds the key.
func TestGatekeeperBackWhileFirstHolderDown(t *testing.T) {
	e := newRotationEnv(t)
	order := e.keys().Gatekeepers
	byOrder := func(i int) int {
		return slices.IndexFunc(e.d.Workers, func(w *worker.Worker) bool { id := w.ID(); return string(id[:]) == string(order[i].Worker) })
	}
	back, first := byOrder(2), byOrder(0)
	if err := e.d.Workers[back].Stop(); err != nil {
		t.Fatal(err)
	}
	e.rotate(t)
	eventually(t, "generation 1 without the stopped gatekeeper", func() (bool, error) {
		st := e.keys()
		return st.Generation != nil && st.Generation.Number == 1 && len(st.Generation.Excluded) == 1, nil
	})
	if err := e.d.Workers[first].Stop(); err != nil {
		t.Fatal(err)
	}
	e.restart(t, back)
	eventually(t, "the gatekeeper back to hold generation 1 from the second holder", func() (bool, error) {
		st := e.keys()
		return st.Gatekeepers[2].Holds && st.Gatekeepers[2].RejoinHeight == 0, nil
	})
}

// rejoinEvents counts the keys/rejoin requests the chain took up to height
// to.
func rejoinEvents(t *testing.T, e *rotationEnv, to int64) int {
	n := 0
	for h := int64(1); h <= to; h++ {
		evs, err := e.c.BlockEvents(context.Background(), h, keys.EventGatekeeperRejoin)
		if err != nil {
			t.Fatal(err)
		}
		n += len(evs)
	}
	return n
}

func cmttypesGenesis(home string) (*cmttypes.GenesisDoc, error) {
	return cmttypes.GenesisDocFromFile(filepath.Join(home, "config", "genesis.json"))
}

func allHold(gks []keys.Gatekeeper) bool {
	for _, g := range gks {
		if !g.Holds {
			return false
		}
	}
	return true
}
