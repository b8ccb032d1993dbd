package worker_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/devnet/devnettest"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/pruntime"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/core"
	"github.com/phalanetwork/phala/worker"
)

// TestRolledBackOutboxRefused: the host keeps a copy of the sealed outbox,
// lets the enclave sign two more messages that land, then puts the copy
// back.
// The enclave over the old files refuses to sync, to list its outbox and
// to sign, naming the check and both sequence numbers; it signs nothing.
func TestRolledBackOutboxRefused(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	home, e1, src := e.registeredEnclave(t)
	post := func() {
		m := benchmark(t, e1, src)
		if _, err := e.client.Send(ctx, e.op, pha.Amount{}, "", &mq.MsgPush{Message: m}); err != nil {
			t.Fatal(err)
		}
	}
	post()
	store := devnettest.SealedStore(t, e.simKey, pruntime.GenesisHash(e.gen), home)
	t0, err := store.Get(core.EntryOutbox)
	if err != nil {
		t.Fatal(err)
	}
	post()
	post()

	// The host puts the outbox file of t0 back (here through the sim
	// seed; on a real TEE by copying the file) and restarts the enclave.
	if err := store.Put(core.EntryOutbox, t0); err != nil {
		t.Fatal(err)
	}
	e2, _ := e.openEnclave(t, home)
	// The light client proves state one block behind the header it
	// verified; wait until it proves all three messages.
	eventually(t, "the refusal to name both messages", func() (bool, error) {
		_, err := e2.Sync(ctx, src, nil)
		if !errors.Is(err, core.ErrRolledBack) {
			return false, err
		}
		return strings.Contains(err.Error(), "the sealed outbox is at sequence 1, the chain has consumed 3 messages"), err
	})
	if m, err := e2.ReportBenchmark(ctx, src, 10*time.Millisecond); !errors.Is(err, core.ErrRolledBack) {
		t.Fatalf("the rolled-back enclave signed sequence %d (%v)", m.Sequence, err)
	}
	if pending, err := e2.Pending(ctx, src); !errors.Is(err, core.ErrRolledBack) || len(pending) != 0 {
		t.Fatalf("pending over the rolled-back store: %d messages, %v", len(pending), err)
	}
}

// TestRolledBackStoreSignsNothingBeforeSync: the host keeps a copy of the
// whole sealed state that matters to the outbox (the outbox and the light
// client's checkpoint, taken together, so the two agree), lets the enclave
// sign two more messages that land, puts the copy back and restarts the
// enclave; then, instead of letting it sync, asks it at once to sign. Read
// at its checkpoint's height, the chain's sequence matches the old outbox,
// so the freshness check alone passes: the enclave must sign nothing
// before its first sync, or it signs a second message under a sequence the
// chain already consumed.
func TestRolledBackStoreSignsNothingBeforeSync(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	home, e1, src := e.registeredEnclave(t)
	m := benchmark(t, e1, src)
	if _, err := e.client.Send(ctx, e.op, pha.Amount{}, "", &mq.MsgPush{Message: m}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the enclave to prove its first message consumed", func() (bool, error) {
		if _, err := e1.Sync(ctx, src, nil); err != nil {
			return false, err
		}
		p, err := e1.Pending(ctx, src)
		return len(p) == 0, err
	})
	// The host copies the files as a graceful stop leaves them, with the
	// checkpoint at the latest header (Sync seals one only every
	// core.CheckpointEvery blocks).
	if err := e1.SealCheckpoint(); err != nil {
		t.Fatal(err)
	}
	store := devnettest.SealedStore(t, e.simKey, pruntime.GenesisHash(e.gen), home)
	saved := map[string][]byte{}
	for _, entry := range []string{core.EntryOutbox, core.EntryCheckpoint} {
		raw, err := store.Get(entry)
		if err != nil {
			t.Fatal(err)
		}
		saved[entry] = raw
	}
	for range 2 {
		m := benchmark(t, e1, src)
		if _, err := e.client.Send(ctx, e.op, pha.Amount{}, "", &mq.MsgPush{Message: m}); err != nil {
			t.Fatal(err)
		}
	}
	for entry, raw := range saved {
		if err := store.Put(entry, raw); err != nil {
			t.Fatal(err)
		}
	}
	e2 := devnettest.OpenEnclave(t, e.simKey, e.gen, home)
	if m, err := e2.ReportBenchmark(ctx, src, 10*time.Millisecond); !errors.Is(err, chainsync.ErrBehind) || !strings.Contains(err.Error(), "first sync") {
		t.Fatalf("the restored enclave signed sequence %d before its first sync (%v); the chain consumed 3 messages", m.Sequence, err)
	}
	eventually(t, "the refusal to name both sequences after a sync", func() (bool, error) {
		_, err := e2.Sync(ctx, src, nil)
		return errors.Is(err, core.ErrRolledBack), nil
	})
}

// TestRolledBackMasterHistoryRefused: the host of the second gatekeeper
// puts back its master-key file as it was before the share arrived (none),
// keeping the rest of the store. The chain records that this gatekeeper
// holds generation 0, so the enclave refuses its gatekeeper step, naming
// the check and both counts, and posts nothing.
func TestRolledBackMasterHistoryRefused(t *testing.T) {
	d, c := startDevnet(t, devnet.Options{Workers: 2, Gatekeepers: 2}, nil)
	ctx := context.Background()
	eventually(t, "both gatekeepers holding generation 0", func() (bool, error) {
		st := keyState(c)
		return st.Generation != nil && len(st.Gatekeepers) == 2 && st.Gatekeepers[0].Holds && st.Gatekeepers[1].Holds, nil
	})
	// The enclave proves state a block behind its newest header: let the
	// record that it holds generation 0 get a few blocks old first.
	held := d.Node.Comet().BlockStore().Height()
	eventually(t, "three more blocks", func() (bool, error) { return d.Node.Comet().BlockStore().Height() > held+3, nil })
	victim := d.Workers[1]
	if err := victim.Stop(); err != nil {
		t.Fatal(err)
	}
	wh := filepath.Join(d.Home, "workers", "worker1")
	simKey, err := worker.LoadOrCreateSimAttestationKey(filepath.Join(d.Home, "config", "sim_attestation_key"))
	if err != nil {
		t.Fatal(err)
	}
	if err := devnettest.SealedStore(t, simKey, devnetGenesis(t, d.Home), wh).Delete(pruntime.EntryMasterKeys); err != nil {
		t.Fatal(err)
	}
	gen, err := cmttypes.GenesisDocFromFile(filepath.Join(d.Home, "config", "genesis.json"))
	if err != nil {
		t.Fatal(err)
	}
	enc := devnettest.OpenEnclave(t, simKey, gen, wh)
	src := chainsync.NewRPCSource(c.RPC)
	if _, err := enc.Sync(ctx, src, nil); err != nil {
		t.Fatal(err) // the outbox is intact: only the history is old
	}
	before := enc.PendingCount()
	err = enc.GatekeeperStep(ctx, src)
	if !errors.Is(err, core.ErrRolledBack) || !strings.Contains(err.Error(), "master-key history: sealed 0 generations, the chain recorded 1 for this gatekeeper") {
		t.Fatalf("gatekeeper step over a rolled-back history: %v", err)
	}
	if n := enc.PendingCount(); n != before {
		t.Fatalf("the enclave signed %d messages from the rolled-back history", n-before)
	}
}

// TestRolledBackContractReplays: the host of a replica puts back the
// contract's sealed record as it was after the constructor, two commands
// ago. The record names the next input it applies, the inputs are on the
// chain and execution is deterministic, so the replica replays them: it
// answers queries with the state the commands made, its sealed cursor
// catches up, and the chain keeps one result per input.
func TestRolledBackContractReplays(t *testing.T) {
	e := newContractEnv(t)
	ctx := context.Background()
	token := e.deploy(t, "../examples/contracts/token/token.ts", `{"supply":1000}`)
	simKey, err := worker.LoadOrCreateSimAttestationKey(filepath.Join(e.home, "config", "sim_attestation_key"))
	if err != nil {
		t.Fatal(err)
	}
	replica := e.d.Workers[2]
	wh := filepath.Join(e.home, "workers", "worker2")
	entry := "contract/" + hex.EncodeToString(token[:])
	var old []byte
	eventually(t, "the replica to seal the constructor", func() (bool, error) {
		old = unsealEntry(t, simKey, devnetGenesis(t, e.home), wh, entry)
		return nextInput(t, old) == 1, nil
	})
	for _, amount := range []string{"100", "50"} {
		if r := e.exec(t, e.alice, token, `{"transfer":{"to":"`+addr(e.bob)+`","amount":`+amount+`}}`); !r.OK {
			t.Fatalf("transfer: %+v", r)
		}
	}
	id := [32]byte(replica.ID())
	e.d.Stop()
	if err := devnettest.SealedStore(t, simKey, devnetGenesis(t, e.home), wh).Put(entry, old); err != nil {
		t.Fatal(err)
	}
	e.d, e.c = startDevnet(t, devnet.Options{Home: e.home, Workers: 3, Gatekeepers: 1}, e.logs)
	eventually(t, "the rolled-back replica to answer with the replayed state", func() (bool, error) {
		r, err := e.c.QueryContract(ctx, e.alice, token, json.RawMessage(`{}`), id)
		return err == nil && string(r.Value) == "850" && r.Input == 3, nil
	})
	if n := nextInput(t, unsealEntry(t, simKey, devnetGenesis(t, e.home), wh, entry)); n != 3 {
		t.Fatalf("sealed cursor at %d, want 3", n)
	}
	rec, err := e.c.Contract(ctx, token)
	if err != nil || rec.Inputs != 3 || rec.Results != 3 {
		t.Fatalf("contract record %+v (%v): want 3 inputs, 3 results", rec, err)
	}
}

// nextInput reads the input cursor of a sealed contract record.
func nextInput(t *testing.T, raw []byte) uint64 {
	t.Helper()
	var rec struct {
		NextInput uint64 `json:"next_input"`
	}
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	return rec.NextInput
}
