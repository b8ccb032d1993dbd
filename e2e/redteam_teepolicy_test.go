package e2e

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/devnet/devnettest"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/dao"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/pruntime"
	"github.com/phalanetwork/phala/tee"
	"github.com/phalanetwork/phala/tee/sim"
	"github.com/phalanetwork/phala/worker"
)

// startPolicyDevnet runs an in-process devnet with fast blocks, one
// gatekeeper and one more worker, and no cluster yet.
func startPolicyDevnet(t *testing.T) (*devnet.Devnet, *client.Client) {
	t.Helper()
	return devnettest.Start(t, devnet.Options{BlockTime: 100 * time.Millisecond, Workers: 2, Gatekeepers: 1})
}

// passProposal has alice lock PHA (once), propose action, vote yes, and
// waits until the proposal is enacted or failed; it returns the record.
func passProposal(t *testing.T, d *devnet.Devnet, c *client.Client, action dao.Action) dao.Proposal {
	t.Helper()
	ctx := t.Context()
	alice, _ := d.Keyring.PrivKey("alice")
	if _, err := c.Send(ctx, alice, pha.Amount{}, "", &dao.MsgLock{Amount: pha.Whole(1_000_000)}); err != nil {
		t.Fatal(err)
	}
	res, err := c.Send(ctx, alice, pha.Amount{}, "", &dao.MsgPropose{Title: "tee policy", Deposit: pha.Whole(10), Action: action})
	if err != nil {
		t.Fatalf("propose %s: %v", action.Kind, err)
	}
	props, err := c.Proposals(ctx)
	if err != nil || len(props) == 0 {
		t.Fatalf("proposals: %v", err)
	}
	id := props[len(props)-1].ID
	if _, err := c.Send(ctx, alice, pha.Amount{}, "", &dao.MsgVote{Proposal: id, Option: dao.VoteYes}); err != nil {
		t.Fatalf("vote (proposed at %d): %v", res.Height, err)
	}
	var p dao.Proposal
	waitFor(t, time.Minute, "the proposal to be enacted", func() (bool, error) {
		p, err = c.Proposal(ctx, id)
		return err == nil && (p.Status == dao.StatusEnacted || p.Status == dao.StatusFailed || p.Status == dao.StatusRejected), err
	})
	if p.Status != dao.StatusEnacted {
		t.Fatalf("proposal %d %s: %s", id, p.Status, p.Error)
	}
	return p
}

// TestRedTeamSimByVote: a hostile DAO majority tries to switch simulated
// TEEs on, or to add its own sim attestation key, so that a "worker" whose
// host forges every quote receives keys. Both proposals are refused at
// submission, naming the genesis-fixed check, and the params do not move.
func TestRedTeamSimByVote(t *testing.T) {
	d, c := startPolicyDevnet(t)
	ctx := t.Context()
	alice, _ := d.Keyring.PrivKey("alice")
	if _, err := c.Send(ctx, alice, pha.Amount{}, "", &dao.MsgLock{Amount: pha.Whole(1_000_000)}); err != nil {
		t.Fatal(err)
	}
	before, err := c.RegistryParams(ctx)
	if err != nil {
		t.Fatal(err)
	}
	attackerKey, _, _ := ed25519.GenerateKey(rand.Reader) // the public half
	keysJSON, _ := json.Marshal([]registry.HexBytes{registry.HexBytes(attackerKey)})
	for _, a := range []dao.Action{
		{Kind: dao.KindSetParam, Module: registry.Name, Param: "allow_sim_tee", Value: json.RawMessage(`true`)},
		{Kind: dao.KindSetParam, Module: registry.Name, Param: "sim_attestation_keys", Value: keysJSON},
		{Kind: dao.KindSetParam, Module: registry.Name, Param: "measurements", Value: json.RawMessage(`[]`)},
	} {
		_, err := c.Send(ctx, alice, pha.Amount{}, "", &dao.MsgPropose{Title: "enable sim", Deposit: pha.Whole(10), Action: a})
		if err == nil {
			t.Fatalf("proposal to set registry %s was accepted at submission", a.Param)
		}
		if !strings.Contains(err.Error(), "fixed at genesis") || !strings.Contains(err.Error(), a.Param) {
			t.Fatalf("proposal to set %s refused with %q, want the genesis-fixed check named", a.Param, err)
		}
	}
	if props, _ := c.Proposals(ctx); len(props) != 0 {
		t.Fatalf("%d proposals recorded, want none", len(props))
	}
	after, err := c.RegistryParams(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(after)
	b, _ := json.Marshal(before)
	if string(a) != string(b) {
		t.Fatalf("registry params changed:\n%s\n%s", b, a)
	}
}

// TestRedTeamRetiredMeasurement: an operator runs a build that was on the
// allow-list and is in a cluster. The DAO removes that build's measurement
// (say, a bug that leaks keys was found in it). In the enacting block the
// worker is retired (event worker_retired with the reason), leaves its
// cluster, and the cluster moves to a new key epoch that the retired
// enclave never receives; it cannot rejoin a cluster or become a
// gatekeeper.
func TestRedTeamRetiredMeasurement(t *testing.T) {
	d, c := startPolicyDevnet(t)
	ctx := t.Context()
	oldBuild := sim.Measure("phala-pruntime old build with a key leak")
	passProposal(t, d, c, dao.Action{Kind: dao.KindAllowMeasurement, Measurement: &registry.Measurement{TEE: tee.KindSim, Value: oldBuild[:]}})

	attacker, attackerHome, prov := startOldBuildWorker(t, d)
	alice, _ := d.Keyring.PrivKey("alice")
	res, err := c.Send(ctx, alice, pha.Amount{}, "", &clusters.MsgCreate{})
	if err != nil {
		t.Fatal(err)
	}
	v, _ := res.Attr(clusters.EventCreated, clusters.AttrCluster)
	cl, err := registry.HexBytes(nil), error(nil)
	if err = cl.UnmarshalText([]byte(v)); err != nil || len(cl) != 32 {
		t.Fatalf("cluster id %q: %v", v, err)
	}
	id := [32]byte(cl)
	honest := d.Workers[1].ID()
	if _, err := c.Send(ctx, alice, pha.Amount{}, "", &clusters.MsgMember{Cluster: id, Worker: attacker.ID()},
		&clusters.MsgMember{Cluster: id, Worker: honest}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Minute, "both members to hold epoch 0", func() (bool, error) {
		k, err := c.Cluster(ctx, id)
		return err == nil && len(k.Holders) == 2, err
	})

	p := passProposal(t, d, c, dao.Action{Kind: dao.KindRemoveMeasurement, Measurement: &registry.Measurement{TEE: tee.KindSim, Value: oldBuild[:]}})
	w, err := c.Worker(ctx, attacker.ID())
	if err != nil {
		t.Fatal(err)
	}
	if w.Retired == nil || w.Retired.Height != p.EnactHeight || !strings.Contains(w.Retired.Reason, "measurement removed") {
		t.Fatalf("worker after its measurement was removed: retired %+v, want retired at %d", w.Retired, p.EnactHeight)
	}
	checkRetiredEvent(t, c, p.EnactHeight, attacker.ID())
	waitFor(t, time.Minute, "the honest member to hold epoch 1", func() (bool, error) {
		k, err := c.Cluster(ctx, id)
		return err == nil && k.Epoch == 1 && len(k.Holders) == 1 && !k.IsMember(attacker.ID()), err
	})
	// The retired enclave cannot come back in.
	if _, err := c.Send(ctx, alice, pha.Amount{}, "", &clusters.MsgMember{Cluster: id, Worker: attacker.ID()}); err == nil || !strings.Contains(err.Error(), "retired") {
		t.Fatalf("re-adding the retired worker: %v, want a refusal naming retirement", err)
	}
	auth, _ := d.Keyring.PrivKey(devnet.AuthorityAccount)
	if _, err := c.Send(ctx, auth, pha.Amount{}, "", &keys.MsgAddGatekeeper{Worker: attacker.ID()}); err == nil || !strings.Contains(err.Error(), "retired") {
		t.Fatalf("making the retired worker a gatekeeper: %v, want a refusal naming retirement", err)
	}
	// Give the gatekeeper a few blocks to (wrongly) send anything more,
	// then read what the operator's root access sees: the sealed store.
	waitHeight(t, c, mustHeight(t, c)+10, time.Minute)
	attacker.Stop()
	st, err := pruntime.OpenSealedStore(prov, filepath.Join(attackerHome, "sealed"), pruntime.GenesisHash(homeGenesis(t, d.Home)))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := st.Get(pruntime.EntryClusterKeys)
	if err != nil {
		t.Fatal(err)
	}
	var recs []struct {
		Epoch uint64 `json:"epoch"`
	}
	if err := json.Unmarshal(raw, &recs); err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r.Epoch != 0 {
			t.Fatalf("the retired worker holds cluster key epoch %d", r.Epoch)
		}
	}
}

// startOldBuildWorker runs, as bob, a sim worker whose code is the old
// build; it returns the worker, its home and its TEE provider.
func startOldBuildWorker(t *testing.T, d *devnet.Devnet) (*worker.Worker, string, *sim.Provider) {
	t.Helper()
	seed := make([]byte, sim.SealingSeedSize)
	rand.Read(seed)
	gen := homeGenesis(t, d.Home)
	p, err := sim.New(sim.Config{AttestationKey: homeSimKey(t, d.Home), SealingSeed: seed, Code: "phala-pruntime old build with a key leak", Genesis: pruntime.GenesisHash(gen)})
	if err != nil {
		t.Fatal(err)
	}
	bob, _ := d.Keyring.PrivKey("bob")
	home := filepath.Join(t.TempDir(), "attacker")
	w, err := worker.Start(t.Context(), worker.Options{Home: home, Genesis: gen, NodeURL: d.RPCURL, Operator: bob, Provider: p,
		Poll: 50 * time.Millisecond, BenchmarkTime: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Stop() })
	select {
	case <-w.Registered():
	case <-time.After(time.Minute):
		t.Fatal("the old-build worker did not register")
	}
	return w, home, p
}

// checkRetiredEvent finds worker_retired for id among the events of the
// block at height.
func checkRetiredEvent(t *testing.T, c *client.Client, height int64, id registry.WorkerID) {
	t.Helper()
	res, err := c.RPC.BlockResults(t.Context(), &height)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range res.FinalizeBlockEvents {
		if ev.Type != registry.EventRetired {
			continue
		}
		for _, a := range ev.Attributes {
			if a.Key == registry.AttrWorker && a.Value == id.String() {
				return
			}
		}
	}
	t.Fatalf("no %s event for %s in block %d", registry.EventRetired, id, height)
}
