package gatekeeper

import (
	"context"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"testing"

	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/crypto/envelope"
	"github.com/phalanetwork/phala/crypto/keyderive"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/sealed"
)

// rejoinCore is the chain as a gatekeeper a rotation left out reads it:
// the records in state, the messages in its inbox, and its own ECDH key
// to open what was sealed to it.
type rejoinCore struct {
	Core
	id    [32]byte
	ecdh  *ecdh.PrivateKey
	state map[string][]byte
	inbox []mq.Egress
}

func (c *rejoinCore) ID() registry.WorkerID       { return registry.WorkerID(c.id) }
func (c *rejoinCore) ChainID() string             { return "rejoin-test" }
func (c *rejoinCore) SyncedHeight() int64         { return 10 }
func (c *rejoinCore) DeriveLabel(l string) string { return l + "-insecure" }

func (c *rejoinCore) State(_ context.Context, _ chainsync.Source, key []byte) ([]byte, int64, error) {
	return c.state[string(key)], 10, nil
}

func (c *rejoinCore) StateAt(_ context.Context, _ chainsync.Source, key []byte, _ int64) ([]byte, error) {
	return c.state[string(key)], nil
}

func (c *rejoinCore) Inbox(context.Context, chainsync.Source, uint64) ([]mq.Egress, uint64, error) {
	return c.inbox, uint64(len(c.inbox)), nil
}

func (c *rejoinCore) OpenSealed(purpose string, raw []byte) ([]byte, error) {
	env, err := envelope.Decode(raw)
	if err != nil {
		return nil, err
	}
	return envelope.Open(c.ecdh, purpose, env)
}

// postLog is an outbox that keeps what is posted; nothing stays pending.
type postLog struct{ posts []mq.Egress }

func (p *postLog) Post(_ context.Context, _ chainsync.Source, topic string, payload []byte) (mq.SignedMessage, error) {
	p.posts = append(p.posts, mq.Egress{Topic: topic, Payload: payload})
	return mq.SignedMessage{Topic: topic, Payload: payload}, nil
}

func (p *postLog) HasPending(string, []byte) bool { return false }

// share seals a history of the given generations to the gatekeeper, as a
// holder's share arrives in its inbox.
func (c *rejoinCore) share(t *testing.T, to *ecdh.PublicKey, gens ...masterGeneration) {
	t.Helper()
	plain, _ := json.Marshal(masterHistory{Generations: gens})
	env, err := envelope.Seal(to, PurposeMasterShare, make([]byte, 32), plain)
	if err != nil {
		t.Fatal(err)
	}
	c.inbox = append(c.inbox, mq.Egress{Topic: keys.TopicShare, Payload: env.Encode()})
}

func (c *rejoinCore) setRecord(t *testing.T, key []byte, v any) {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	c.state[string(key)] = raw
}

// TestRejoinTakesOnlyTheChainsHistory: a gatekeeper holding generation 0
// that the rotation making generation 1 left out asks to rejoin once.
// Shares whose generations do not derive the chain's public keys (a
// forged generation 1, a history without generation 0, another
// generation-1 secret under the right number) are refused: nothing is
// sealed and nothing confirmed. The true history is sealed and confirmed
// with a proof the chain's keys verify.
func TestRejoinTakesOnlyTheChainsHistory(t *testing.T) {
	secret := func() []byte { s, _ := keyderive.RandomSecret(); return s.Bytes() }
	me, _ := ecdh.X25519().GenerateKey(rand.Reader)
	c := &rejoinCore{id: [32]byte{7}, ecdh: me, state: map[string][]byte{}}
	gen0, gen1 := masterGeneration{Number: 0, Secret: secret()}, masterGeneration{Number: 1, Secret: secret()}
	store, err := sealed.Open(t.TempDir(), random32(t), "test")
	if err != nil {
		t.Fatal(err)
	}
	out := &postLog{}
	g := New(c, out, store)
	if err := g.saveMasters(masterHistory{Generations: []masterGeneration{gen0}}); err != nil {
		t.Fatal(err)
	}
	holder := [32]byte{1}
	var pub [2]keys.Generation
	for i, gen := range []masterGeneration{gen0, gen1} {
		p, err := g.masterPairs(gen.Secret)
		if err != nil {
			t.Fatal(err)
		}
		pub[i] = keys.Generation{Number: gen.Number, SignKey: keys.Hex(p.Public().Sign), ECDHKey: keys.Hex(p.Public().ECDH)}
		c.setRecord(t, keys.GenerationKey(gen.Number), pub[i])
	}
	pub[1].Excluded = []keys.Hex{c.id[:]}
	c.setRecord(t, keys.CurrentGenerationKey(), pub[1])
	c.state[string(keys.OrderKey())] = append(holder[:], c.id[:]...)
	self := keys.Gatekeeper{Worker: c.id[:]}
	c.setRecord(t, keys.GatekeeperKey(c.id), self)
	step := func() []mq.Egress {
		t.Helper()
		out.posts = nil
		if err := g.Step(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		return out.posts
	}
	if posts := step(); len(posts) != 1 || posts[0].Topic != keys.TopicRejoin {
		t.Fatalf("a gatekeeper left out posted %+v, want one rejoin request", posts)
	}
	self.RejoinHeight = 9
	c.setRecord(t, keys.GatekeeperKey(c.id), self)
	if posts := step(); len(posts) != 0 {
		t.Fatalf("after asking once it posted %+v", posts)
	}
	c.share(t, me.PublicKey(), gen0, masterGeneration{Number: 1, Secret: secret()})
	c.share(t, me.PublicKey(), gen1)
	c.share(t, me.PublicKey(), masterGeneration{Number: 0, Secret: secret()}, gen1)
	if posts := step(); len(posts) != 0 {
		t.Fatalf("a forged or partial history was confirmed: %+v", posts)
	}
	if h, err := g.loadMasters(); err != nil || len(h.Generations) != 1 || string(h.Generations[0].Secret) != string(gen0.Secret) {
		t.Fatalf("a forged or partial history was sealed: %v %d generations", err, len(h.Generations))
	}
	c.share(t, me.PublicKey(), gen0, gen1)
	posts := step()
	if len(posts) != 1 || posts[0].Topic != keys.TopicConfirm {
		t.Fatalf("the true history: posted %+v, want a confirmation", posts)
	}
	r := wire.NewReader(posts[0].Payload)
	if gen := r.Uvarint(); gen != 1 {
		t.Fatalf("confirms generation %d", gen)
	}
	msg := keys.ConfirmSignBytes(c.ChainID(), c.id, 1)
	sig, n := r.Raw(ed25519.SignatureSize), r.Uvarint()
	old := r.Raw(ed25519.SignatureSize)
	if r.Done() != nil || n != 1 || !ed25519.Verify(ed25519.PublicKey(pub[1].SignKey), msg, sig) || !ed25519.Verify(ed25519.PublicKey(pub[0].SignKey), msg, old) {
		t.Fatal("the confirmation is not a history proof by generations 1 and 0")
	}
	if h, err := g.loadMasters(); err != nil || h.find(1) == nil || string(h.find(1).Secret) != string(gen1.Secret) {
		t.Fatalf("the true history was not sealed: %v", err)
	}
}

// TestMayShareTo is the holder's side of the chain's share rule.
func TestMayShareTo(t *testing.T) {
	id := keys.Hex{7}
	cur := &keys.Generation{Number: 1, Excluded: []keys.Hex{id}}
	for _, tc := range []struct {
		name string
		rec  keys.Gatekeeper
		cur  *keys.Generation
		want bool
	}{
		{"added after the generation", keys.Gatekeeper{Worker: id}, &keys.Generation{Number: 1}, true},
		{"left out, not asked", keys.Gatekeeper{Worker: id}, cur, false},
		{"left out, asked", keys.Gatekeeper{Worker: id, RejoinHeight: 5}, cur, true},
		{"holds it", keys.Gatekeeper{Worker: id, Holds: true}, cur, false},
		{"excluded for cause", keys.Gatekeeper{Worker: id, RejoinHeight: 5, ExcludedForCause: "equivocation in round 2"}, cur, false},
	} {
		if got := mayShareTo(tc.rec, tc.cur); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
