package ceremony_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/consensys/gnark/logger"
	"github.com/rs/zerolog"

	"github.com/phalanetwork/phala/chain/apptest"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/modules/shielded"
	"github.com/phalanetwork/phala/shielded/ceremony"
	"github.com/phalanetwork/phala/shielded/circuit"
	"github.com/phalanetwork/phala/shielded/circuit/circuittest"
)

// memBlobs is the states every gatekeeper serves, as one map.
type memBlobs struct {
	mu sync.Mutex
	m  map[[32]byte][]byte
}

func (b *memBlobs) Get(_ context.Context, sum [32]byte) ([]byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s, ok := b.m[sum]
	if !ok {
		return nil, fmt.Errorf("no state %x", sum)
	}
	return s, nil
}

func (b *memBlobs) Put(sum [32]byte, s []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.m[sum] = s
	return nil
}

// chainCeremony is a real chain whose genesis starts the shield circuit's
// ceremony with three gatekeepers, each with its contributor.
type chainCeremony struct {
	c     *apptest.Chain
	ops   []apptest.Account
	ids   []ed25519.PrivateKey
	cons  []*ceremony.Contributor
	blobs *memBlobs
}

func newChainCeremony(t *testing.T) *chainCeremony { return newChainCeremonyTurn(t, 0) }

// newChainCeremonyTurn is newChainCeremony whose genesis, as a file would,
// sets turn_blocks (0 leaves it out).
func newChainCeremonyTurn(t *testing.T, turn uint64) *chainCeremony {
	t.Helper()
	logger.Set(zerolog.Nop())
	cs, err := circuit.Compile(circuit.KindShield)
	if err != nil {
		t.Fatal(err)
	}
	ops := []apptest.Account{apptest.NewAccount(1), apptest.NewAccount(2), apptest.NewAccount(3)}
	c := apptest.New(t, ops, map[string]any{
		registry.Name: apptest.SimRegistry(),
		keys.Name:     keys.Genesis{GatekeeperOperators: []address.Address{ops[0].Addr, ops[1].Addr, ops[2].Addr}},
		shielded.Name: json.RawMessage(fmt.Sprintf(`{"ceremony": {"circuits": ["shield"], "domain": %d, "contributors": 3, "turn_blocks": %d}}`,
			ceremony.DomainSize(cs), turn)),
	})
	cc := &chainCeremony{c: c, ops: ops, blobs: &memBlobs{m: map[[32]byte][]byte{}}}
	for _, op := range ops {
		id := c.RegisterSimWorker(t, op)
		cc.ids = append(cc.ids, id)
		cc.cons = append(cc.cons, ceremony.NewContributor(id.Public().(ed25519.PublicKey), cc.blobs))
	}
	c.Block()
	return cc
}

func (cc *chainCeremony) record(t *testing.T) shielded.Ceremony {
	t.Helper()
	return apptest.MustQuery[shielded.Ceremony](t, cc.c, shielded.CeremonyPath())
}

// round runs each gatekeeper's step once against the latest record, in
// turn, posting what it returns (a nil contributor is silent); rogue, if set, replaces gatekeeper i's
// contribution.
func (cc *chainCeremony) round(t *testing.T, rogue func(i int, rec *shielded.Ceremony) *ceremony.Post) {
	t.Helper()
	for i, con := range cc.cons {
		if con == nil {
			continue // silent
		}
		rec := cc.record(t)
		p, err := con.Step(context.Background(), &rec)
		if err != nil {
			t.Fatalf("gatekeeper %d: %v", i, err)
		}
		if rogue != nil && p != nil && p.Topic == shielded.TopicContribution {
			if r := rogue(i, &rec); r != nil {
				p = r
			}
		}
		if p == nil {
			continue
		}
		if res := cc.c.PostMQ(cc.ops[i], cc.ids[i], p.Topic, p.Payload); res.Code != 0 {
			t.Fatalf("gatekeeper %d's %s refused: %s", i, p.Topic, res.Log)
		}
	}
}

// run steps every gatekeeper until the ceremony is over.
func (cc *chainCeremony) run(t *testing.T, rogue func(i int, rec *shielded.Ceremony) *ceremony.Post) shielded.Ceremony {
	t.Helper()
	for range 30 {
		if rec := cc.record(t); !rec.Running() {
			return rec
		}
		cc.round(t, rogue)
	}
	t.Fatalf("ceremony still running: %+v", cc.record(t))
	return shielded.Ceremony{}
}

// TestCeremonyOnChain runs the shield circuit's ceremony among three
// gatekeepers on a real chain: each contribution is recorded with the
// hash of the state it extends, verified by every gatekeeper and counted
// once a majority accepted it; phase 1 is sealed with a block hash; the
// key all three derive becomes the pool's; a proof made with the proving
// key anyone derives from the record verifies against it, and the pool
// takes a shield with it.
func TestCeremonyOnChain(t *testing.T) {
	if proofHeavy != "" {
		t.Skip(proofHeavy)
	}
	cc := newChainCeremony(t)
	rec := cc.run(t, nil)
	if !rec.Done || rec.Failed != "" {
		t.Fatalf("ceremony ended %+v", rec)
	}
	if len(rec.Contributions) != 6 {
		t.Fatalf("%d contributions, want 3 per phase", len(rec.Contributions))
	}
	for i, x := range rec.Contributions {
		if x.Status != shielded.StatusAccepted || len(x.Accepts) < 2 || hex.EncodeToString(x.Contributor) != hex.EncodeToString(cc.ids[i%3].Public().(ed25519.PublicKey)) {
			t.Fatalf("contribution %d: %+v", i, x)
		}
		want := make([]byte, 32)
		if i%3 != 0 {
			want = rec.Contributions[i-1].Hash
		}
		if hex.EncodeToString(x.Prev) != hex.EncodeToString(want) {
			t.Fatalf("contribution %d extends %x, not the one before it", i, []byte(x.Prev))
		}
	}
	if len(rec.Beacon) != 32 {
		t.Fatalf("phase 1 beacon %x", []byte(rec.Beacon))
	}
	var onChain shielded.Hex
	if res := cc.c.Query(shielded.VKPath("shield"), &onChain); res.Code != 0 {
		t.Fatalf("no shield key on chain: %s", res.Log)
	}
	vk, keys, err := ceremony.NewTranscript(cc.blobs).VerifyingKey(context.Background(), &rec, "shield")
	if err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(vk) != sha256.Sum256(onChain) {
		t.Fatal("the key derived from the record is not the chain's")
	}
	circuittest.ProveShield(t, keys.CS, keys.PK, keys.VK)
}

// TestCeremonyRefusesRestartedContribution: in phase 1, gatekeeper 1
// ignores gatekeeper 0's state and contributes to the empty one (so it
// alone would know the randomness), announcing it as extending gatekeeper
// 0's; gatekeeper 2 announces a hash its state does not have. The other
// enclaves' verification refuses both, the record says which check
// failed, and phase 1 is sealed with gatekeeper 0's contribution alone.
func TestCeremonyRefusesRestartedContribution(t *testing.T) {
	if proofHeavy != "" {
		t.Skip(proofHeavy)
	}
	cc := newChainCeremony(t)
	rogue := func(i int, rec *shielded.Ceremony) *ceremony.Post {
		slot, _ := rec.Turn()
		if i == 0 {
			return nil
		}
		m := shielded.ContributionMsg{Phase: 1, Slot: slot, Prev: shielded.Hash(rec.LastAccepted(0))}
		switch i {
		case 1:
			start, _ := ceremony.Phase1Start(rec.Domain)
			next, err := ceremony.ContributePhase1(start)
			if err != nil {
				t.Fatal(err)
			}
			m.Hash = sha256.Sum256(next)
			_ = cc.blobs.Put(m.Hash, next)
		case 2:
			m.Hash = sha256.Sum256([]byte("a state nobody has"))
			_ = cc.blobs.Put(m.Hash, []byte("not that state"))
		}
		return &ceremony.Post{Topic: shielded.TopicContribution, Payload: m.Encode()}
	}
	for range 10 {
		if rec := cc.record(t); rec.Stage > 0 || !rec.Running() {
			break
		}
		cc.round(t, rogue)
	}
	rec := cc.record(t)
	if rec.Stage != 1 || !rec.Running() {
		t.Fatalf("phase 1 did not close: %+v", rec)
	}
	restarted, forged := rec.Contributions[1], rec.Contributions[2]
	if restarted.Status != shielded.StatusRefused || len(restarted.Refusals) < 2 || !strings.Contains(restarted.Refusals[0].Reason, "phase 1") {
		t.Fatalf("restarted contribution: %+v", restarted)
	}
	if forged.Status != shielded.StatusRefused || !strings.Contains(forged.Refusals[0].Reason, "hashes to") {
		t.Fatalf("contribution with a wrong hash: %+v", forged)
	}
	if hex.EncodeToString(forged.Prev) != hex.EncodeToString(rec.Contributions[0].Hash) {
		t.Fatal("gatekeeper 2 did not extend the last accepted state")
	}
	if got := rec.Accepted(0); len(got) != 1 {
		t.Fatalf("%d accepted phase 1 contributions, want gatekeeper 0's", len(got))
	}
}

// TestCeremonyGoesOnWithoutSilentGatekeeper: gatekeeper 1 never
// contributes, votes or derives a key. With a turn of three blocks the
// chain skips its slot in both stages and decides the others'
// contributions on gatekeeper 0's or 2's vote alone; the two of three
// that derive the same key make it the pool's, and re-verifying the
// record, skipped slots and all, agrees with the chain.
func TestCeremonyGoesOnWithoutSilentGatekeeper(t *testing.T) {
	if proofHeavy != "" {
		t.Skip(proofHeavy)
	}
	cc := newChainCeremonyTurn(t, 3)
	cc.cons[1] = nil
	var rec shielded.Ceremony
	for range 40 {
		if rec = cc.record(t); !rec.Running() {
			break
		}
		cc.round(t, nil)
		cc.c.Block()
	}
	if !rec.Done || rec.Failed != "" {
		t.Fatalf("ceremony with a silent gatekeeper did not finish: %+v", rec)
	}
	for i, x := range rec.Contributions {
		want := shielded.StatusAccepted
		if x.Slot == 1 {
			want = shielded.StatusSkipped
		}
		if x.Status != want || (want == shielded.StatusAccepted && len(x.Accepts) != 1) {
			t.Fatalf("contribution %d: %+v, want %s", i, x, want)
		}
	}
	if len(rec.Contributions) != 6 {
		t.Fatalf("%d contributions, want 3 slots in each stage", len(rec.Contributions))
	}
	audit, keys, err := ceremony.Recheck(context.Background(), &rec, cc.blobs, func(name string) ([]byte, error) {
		var vk shielded.Hex
		if res := cc.c.Query(shielded.VKPath(name), &vk); res.Code != 0 {
			return nil, fmt.Errorf("no %s key on chain: %s", name, res.Log)
		}
		return vk, nil
	})
	if err != nil || !audit.OK {
		t.Fatalf("re-verifying a record with skipped slots: %+v %v", audit, err)
	}
	circuittest.ProveShield(t, keys["shield"].CS, keys["shield"].PK, keys["shield"].VK)
}
