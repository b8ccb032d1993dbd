package worker_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/phalanetwork/phala/chain/app"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/devnet/devnettest"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pruntime"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/core"
	"github.com/phalanetwork/phala/tee/sim"
	"github.com/phalanetwork/phala/worker"
)

// TestFreshWorkerJoinsPrunedChain: a devnet whose node keeps only the
// last app.MinRetainBlocks blocks runs until block 1 is pruned; a worker
// started then, with no sealed checkpoint, cannot verify the chain from
// genesis. It starts from a checkpoint its gatekeeper signs (GET
// /checkpoint), registers, takes a cluster's key from the gatekeeper,
// runs a contract and answers a query on it. A worker that is not a
// gatekeeper refuses to sign one.
func TestFreshWorkerJoinsPrunedChain(t *testing.T) {
	ctx := context.Background()
	logs := &lockedBuffer{}
	d, c := startDevnet(t, devnet.Options{Workers: 1, Gatekeepers: 1, BlockTime: 20 * time.Millisecond}, logs)
	if err := d.Node.SetRetainBlocks(app.MinRetainBlocks); err != nil {
		t.Fatal(err)
	}
	devnettest.Eventually(t, "the node to prune block 1", 2*time.Minute, func() (bool, error) {
		st, err := c.RPC.Status(ctx)
		return err == nil && st.SyncInfo.EarliestBlockHeight > 1 && len(keyState(c).Gatekeepers) == 1, err
	})

	home := filepath.Join(t.TempDir(), "late")
	gen, simKey, p := devnetTEE(t, d, home)
	late, err := worker.Start(ctx, worker.Options{Home: home, Genesis: gen, NodeURL: d.RPCURL, Operator: devnettest.Key(t, d, "bob"), Provider: p,
		Logger: debugLogger(logs), Poll: 50 * time.Millisecond, BenchmarkTime: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { late.Stop() })
	select {
	case <-late.Registered():
	case <-time.After(60 * time.Second):
		t.Fatalf("the worker started after pruning did not register: synced to %d, last error: %s", late.Status().SyncedHeight, late.Status().LastError)
	}

	alice := devnettest.Key(t, d, "alice")
	cluster := devnettest.NewCluster(t, d, c, []*worker.Worker{late})
	eventually(t, "the late worker to hold the cluster key", func() (bool, error) {
		return len(clusterRecord(c, cluster).Holders) == 1, nil
	})
	e := &contractEnv{d: d, c: c, alice: alice, cluster: cluster}
	token := e.deploy(t, "../examples/contracts/token/token.ts", `{"supply":1000}`)
	eventually(t, "the late worker to answer a query", func() (bool, error) {
		qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		r, err := c.QueryContract(qctx, alice, token, []byte(`{}`), [32]byte(late.ID()))
		return err == nil && string(r.Value) == "1000", err
	})

	resp, err := http.Get(late.Endpoint() + worker.PathCheckpoint)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a worker that is not a gatekeeper answered /checkpoint with %s, want 403", resp.Status)
	}
	nonGatekeeperSigner(t, d.Workers[0].Endpoint(), gen, func(name string) *sim.Provider {
		p, err := worker.NewSimProvider(simKey, filepath.Join(t.TempDir(), name), pruntime.GenesisHash(gen))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}, chainsync.NewRPCSource(c.RPC))
}

// nonGatekeeperSigner is an attested enclave of this build that is not a
// gatekeeper (it joined from the gatekeeper at gkURL) signing a checkpoint
// itself, bypassing the gatekeeper role: a new enclave takes it before it
// has read the chain, and refuses it, sealing nothing, once the header
// after it shows the signer was no gatekeeper.
func nonGatekeeperSigner(t *testing.T, gkURL string, gen *cmttypes.GenesisDoc, tee func(string) *sim.Provider, src chainsync.Source) {
	t.Helper()
	ctx := context.Background()
	resp, err := http.Get(gkURL + worker.PathCheckpoint)
	if err != nil {
		t.Fatal(err)
	}
	var cp core.SignedCheckpoint
	err = json.NewDecoder(resp.Body).Decode(&cp)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	open := func(p *sim.Provider, dir string) *core.Core {
		en, err := core.Open(p, dir, gen)
		if err != nil {
			t.Fatal(err)
		}
		return en
	}
	rogue := open(tee("rogue"), t.TempDir())
	if err := rogue.JoinFromCheckpoint(cp); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the rogue enclave to confirm the gatekeeper's checkpoint", func() (bool, error) {
		_, err := rogue.Sync(ctx, src, nil)
		return err == nil, err
	})
	forged, err := rogue.SignCheckpoint(0)
	if err != nil {
		t.Fatal(err)
	}
	victimTEE, dir := tee("victim"), t.TempDir()
	victim := open(victimTEE, dir)
	if err := victim.JoinFromCheckpoint(forged); err != nil {
		t.Fatalf("an attested enclave's checkpoint, before reading the chain: %v", err)
	}
	eventually(t, "the new enclave to refuse a signer that is not a gatekeeper", func() (bool, error) {
		_, err := victim.Sync(ctx, src, nil)
		return errors.Is(err, core.ErrUntrustedCheckpoint) && strings.Contains(err.Error(), "signer-gatekeeper check failed"), err
	})
	if _, err := victim.Sync(ctx, src, nil); !errors.Is(err, core.ErrUntrustedCheckpoint) {
		t.Fatalf("a later sync after the refusal: %v", err)
	}
	if h := open(victimTEE, dir).SyncedHeight(); h != 0 {
		t.Fatalf("the refused checkpoint was sealed: a restart resumes at %d", h)
	}
}

// devnetTEE reads d's genesis and sim attestation key and makes the sim
// TEE of a worker whose home is home.
func devnetTEE(t *testing.T, d *devnet.Devnet, home string) (*cmttypes.GenesisDoc, ed25519.PrivateKey, *sim.Provider) {
	t.Helper()
	gen, err := cmttypesGenesis(d.Home)
	if err != nil {
		t.Fatal(err)
	}
	simKey, err := worker.LoadOrCreateSimAttestationKey(filepath.Join(d.Home, "config", "sim_attestation_key"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := worker.NewSimProvider(simKey, home, pruntime.GenesisHash(gen))
	if err != nil {
		t.Fatal(err)
	}
	return gen, simKey, p
}

// TestFreshWorkerPassesOverGatekeeperBehind: the devnet's one gatekeeper
// is stopped while the node, keeping app.MinRetainBlocks blocks, prunes
// past what it verified, then restarted on its home and address: it
// cannot go on itself, but still signs its latest verified header. A
// fresh worker started then does not start its light client from that
// header, whose next block is gone: its error names the gatekeeper, the
// header and the node's earliest block, and its enclave verified nothing.
func TestFreshWorkerPassesOverGatekeeperBehind(t *testing.T) {
	ctx := context.Background()
	logs := &lockedBuffer{}
	d, c := startDevnet(t, devnet.Options{Workers: 1, Gatekeepers: 1, BlockTime: 20 * time.Millisecond}, logs)
	gk := d.Workers[0]
	eventually(t, "the gatekeeper with its endpoint on chain", func() (bool, error) {
		rec, err := c.Worker(ctx, registry.WorkerID(gk.ID()))
		return len(keyState(c).Gatekeepers) == 1 && rec.Endpoint != "", err
	})
	listen := strings.TrimPrefix(gk.Endpoint(), "http://")
	gk.Stop()
	stopped := gk.Status().SyncedHeight
	if err := d.Node.SetRetainBlocks(app.MinRetainBlocks); err != nil {
		t.Fatal(err)
	}
	devnettest.Eventually(t, "the node to prune past the stopped gatekeeper", 2*time.Minute, func() (bool, error) {
		st, err := c.RPC.Status(ctx)
		return err == nil && st.SyncInfo.EarliestBlockHeight > stopped+1, err
	})
	startAt(t, d, logs, filepath.Join(d.Home, "workers", "worker0"), "worker0", listen, 50*time.Millisecond)
	late := startAt(t, d, logs, filepath.Join(t.TempDir(), "late"), "bob", "127.0.0.1:0", 50*time.Millisecond)
	devnettest.Eventually(t, "the fresh worker to pass over the gatekeeper behind", time.Minute, func() (bool, error) {
		s := late.Status()
		return strings.Contains(s.LastError, "gatekeeper behind the node's retained blocks: its latest verified header is"), errors.New(s.LastError)
	})
	if h := late.Status().SyncedHeight; h != 0 {
		t.Fatalf("the fresh worker's light client moved to %d, from a checkpoint whose next block is pruned", h)
	}
	t.Logf("stopped gatekeeper at %d; the fresh worker: %s", stopped, late.Status().LastError)
}

// TestFreshWorkerJoinsWhenASignerLags: a devnet with two gatekeepers, both
// needed to sign a checkpoint (a majority of two genesis operators). The
// second is restarted on its home and address with a poll of an hour, so
// its light client stays at the height it verified on restart while the
// first's moves on. A fresh worker started after the node pruned block 1
// must not ask the lagging one for the first's latest header, which it
// never verified (404): it asks both for a header both verified, starts
// from it and registers.
func TestFreshWorkerJoinsWhenASignerLags(t *testing.T) {
	ctx := context.Background()
	logs := &lockedBuffer{}
	d, c := startDevnet(t, devnet.Options{Workers: 2, Gatekeepers: 2, BlockTime: 100 * time.Millisecond}, logs)
	eventually(t, "both gatekeepers with their endpoints on chain", func() (bool, error) {
		for _, w := range d.Workers {
			if rec, err := c.Worker(ctx, registry.WorkerID(w.ID())); err != nil || rec.Endpoint == "" {
				return false, err
			}
		}
		return len(keyState(c).Gatekeepers) == 2, nil
	})
	if err := d.Node.SetRetainBlocks(app.MinRetainBlocks); err != nil {
		t.Fatal(err)
	}
	devnettest.Eventually(t, "the node to prune block 1", 2*time.Minute, func() (bool, error) {
		st, err := c.RPC.Status(ctx)
		return err == nil && st.SyncInfo.EarliestBlockHeight > 1, err
	})
	// The second in the chain's order lags: the first is asked first.
	second := keyState(c).Gatekeepers[1].Worker
	idx := slices.IndexFunc(d.Workers, func(w *worker.Worker) bool { id := w.ID(); return string(id[:]) == string(second) })
	lagging := d.Workers[idx]
	listen := strings.TrimPrefix(lagging.Endpoint(), "http://")
	lagging.Stop()
	name := "worker" + strconv.Itoa(idx)
	lagging = startAt(t, d, logs, filepath.Join(d.Home, "workers", name), name, listen, time.Hour)
	devnettest.Eventually(t, "the restarted gatekeeper to verify the chain once", time.Minute, func() (bool, error) {
		return lagging.Status().SyncedHeight > 1, nil
	})
	frozen := lagging.Status().SyncedHeight
	first := d.Workers[1-idx]
	devnettest.Eventually(t, "the first gatekeeper to verify past the lagging one", time.Minute, func() (bool, error) {
		return first.Status().SyncedHeight > frozen+2, nil
	})
	late := startAt(t, d, logs, filepath.Join(t.TempDir(), "late"), "bob", "127.0.0.1:0", 50*time.Millisecond)
	// The lagging one's header is of use until the node prunes its next
	// block, about MinRetainBlocks blocks (10 s) after it froze.
	deadline := time.Now().Add(8 * time.Second)
	for late.Status().SyncedHeight < frozen {
		if time.Now().After(deadline) {
			t.Fatalf("the fresh worker did not join from a header both signers verified (the lagging one is at %d): last error: %s", frozen, late.Status().LastError)
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case <-late.Registered():
	case <-time.After(60 * time.Second):
		t.Fatalf("the fresh worker joined but did not register: synced to %d, last error: %s", late.Status().SyncedHeight, late.Status().LastError)
	}
	g, _, _ := devnetTEE(t, d, t.TempDir())
	quorum, err := core.CheckpointQuorum(g)
	if err != nil || quorum != 2 {
		t.Fatalf("checkpoint quorum %d (%v), want both gatekeepers", quorum, err)
	}
	t.Logf("lagging signer at %d; the fresh worker registered, synced to %d", frozen, late.Status().SyncedHeight)
}

// startAt starts a sim worker of devnet d on home, operated by operator's
// key, listening on listen and polling the node every poll, until the test
// ends.
func startAt(t *testing.T, d *devnet.Devnet, logs *lockedBuffer, home, operator, listen string, poll time.Duration) *worker.Worker {
	t.Helper()
	gen, _, p := devnetTEE(t, d, home)
	w, err := worker.Start(context.Background(), worker.Options{Home: home, Genesis: gen, NodeURL: d.RPCURL, Operator: devnettest.Key(t, d, operator), Provider: p,
		Listen: listen, Logger: debugLogger(logs), Poll: poll, BenchmarkTime: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Stop() })
	return w
}
