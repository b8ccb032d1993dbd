package e2e

import (
	"context"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/crypto/envelope"
	"github.com/phalanetwork/phala/crypto/keyderive"
	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/devnet/devnettest"
	"github.com/phalanetwork/phala/modules/dao"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/pruntime"
	"github.com/phalanetwork/phala/pruntime/chainsync"
	"github.com/phalanetwork/phala/pruntime/gatekeeper"
	"github.com/phalanetwork/phala/pruntime/sealed"
	"github.com/phalanetwork/phala/worker"
)

// The rotation red team. Each test runs an in-process devnet of real
// sim-TEE gatekeeper enclaves (a child devnet runs every worker in one
// process, so one enclave cannot be stopped on its own there) and turns
// one gatekeeper's operator hostile: with root on a sim host, the operator
// stops the real enclave, unseals its store with the devnet's sim key and
// speaks for it on the chain, doing every step as the real enclave would
// except the one the attack changes.

// rtNet is a red-team devnet with three gatekeepers.
type rtNet struct {
	t      *testing.T
	d      *devnet.Devnet
	c      *client.Client
	simKey ed25519.PrivateKey
}

// startRedTeam runs workers sim workers, the first three of them
// gatekeepers, and waits until all three hold generation 0 and committed
// ahead to the first round.
func startRedTeam(t *testing.T, workers int) *rtNet {
	if testing.Short() {
		t.Skip("runs a devnet with three gatekeepers")
	}
	d, c := devnettest.Start(t, devnet.Options{Workers: workers, Gatekeepers: 3, BlockTime: 200 * time.Millisecond})
	n := &rtNet{t: t, d: d, c: c, simKey: homeSimKey(t, d.Home)}
	n.wait("generation 0 held by three gatekeepers that committed ahead", func(st keys.State) bool {
		return st.Generation != nil && len(st.Gatekeepers) == 3 && holders(st) == 3 && len(st.CommittedAhead) == 3
	})
	return n
}

func holders(st keys.State) int {
	n := 0
	for _, g := range st.Gatekeepers {
		if g.Holds {
			n++
		}
	}
	return n
}

func (n *rtNet) keys() keys.State {
	var st keys.State
	n.c.Query(context.Background(), keys.StatePath(), &st)
	return st
}

// wait polls the key state until cond holds, for up to a minute.
func (n *rtNet) wait(what string, cond func(keys.State) bool) keys.State {
	n.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		st := n.keys()
		if cond(st) {
			return st
		}
		if time.Now().After(deadline) {
			b, _ := json.Marshal(st)
			n.t.Fatalf("timed out waiting for %s; key state %s", what, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// rotate has the devnet's key authority start a rotation; it returns the
// height of the block that started it.
func (n *rtNet) rotate() int64 {
	n.t.Helper()
	auth, _ := n.d.Keyring.PrivKey(devnet.AuthorityAccount)
	res, err := n.c.Send(context.Background(), auth, pha.Amount{}, "", &keys.MsgRotate{})
	if err != nil {
		n.t.Fatal(err)
	}
	return res.Height
}

// aborted returns the attributes of every aborted-round event between two
// heights, from transactions and from EndBlock.
func (n *rtNet) aborted(from, to int64) []map[string]string {
	n.t.Helper()
	var out []map[string]string
	for h := from; h <= to; h++ {
		evs, err := n.c.BlockEvents(context.Background(), h, keys.EventRotation)
		if err != nil {
			n.t.Fatal(err)
		}
		for _, attrs := range evs {
			if attrs["phase"] == "aborted" {
				out = append(out, attrs)
			}
		}
	}
	return out
}

// indexOf is the devnet worker index of a gatekeeper id.
func (n *rtNet) indexOf(id []byte) int {
	for i, w := range n.d.Workers {
		wid := w.ID()
		if string(wid[:]) == string(id) {
			return i
		}
	}
	n.t.Fatalf("no devnet worker %x", id)
	return -1
}

// operator is the hostile operator of one worker: its enclave stopped, its
// sealed store open to it.
type operator struct {
	n        *rtNet
	idx      int
	id       [32]byte
	identity ed25519.PrivateKey
	ecdhKey  *ecdh.PrivateKey
	store    *sealed.Store
	label    keyderive.Labeler
}

// takeOver stops worker idx's enclave and unseals its store, as root on a
// sim host can.
func (n *rtNet) takeOver(idx int) *operator {
	n.t.Helper()
	w := n.d.Workers[idx]
	if err := w.Stop(); err != nil {
		n.t.Fatal(err)
	}
	home := n.workerHome(idx)
	p := simProvider(n.t, n.d.Home, home)
	st, err := pruntime.OpenSealedStore(p, filepath.Join(home, "sealed"), pruntime.GenesisHash(n.genesis()))
	if err != nil {
		n.t.Fatal(err)
	}
	raw, err := st.Get(pruntime.EntryIdentity)
	if err != nil {
		n.t.Fatal(err)
	}
	var rec pruntime.IdentityRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		n.t.Fatal(err)
	}
	ek, err := ecdh.X25519().NewPrivateKey(rec.ECDHKey)
	if err != nil {
		n.t.Fatal(err)
	}
	return &operator{n: n, idx: idx, id: [32]byte(w.ID()), identity: ed25519.NewKeyFromSeed(rec.IdentitySeed), ecdhKey: ek, store: st, label: p.DeriveLabel}
}

// genesis is the devnet's genesis document.
func (n *rtNet) genesis() *cmttypes.GenesisDoc {
	n.t.Helper()
	return homeGenesis(n.t, n.d.Home)
}

func (n *rtNet) workerHome(idx int) string {
	return filepath.Join(n.d.Home, "workers", "worker"+strconv.Itoa(idx))
}

// restart starts worker idx's real enclave again from its sealed store.
func (n *rtNet) restart(idx int) *worker.Worker {
	n.t.Helper()
	home := n.workerHome(idx)
	p := simProvider(n.t, n.d.Home, home)
	op, _ := n.d.Keyring.PrivKey("worker" + strconv.Itoa(idx))
	w, err := worker.Start(context.Background(), worker.Options{Home: home, Genesis: n.genesis(), NodeURL: n.d.RPCURL, Operator: op, Provider: p,
		Poll: 50 * time.Millisecond, BenchmarkTime: 50 * time.Millisecond})
	if err != nil {
		n.t.Fatal(err)
	}
	n.t.Cleanup(func() { w.Stop() })
	return w
}

// mqPost is one message the operator signs for its enclave.
type mqPost struct {
	topic   string
	payload []byte
}

// post signs the messages under the enclave's identity, with its next
// sequence numbers, and relays them in one transaction.
func (o *operator) post(posts ...mqPost) error {
	ctx := context.Background()
	origin := mq.Origin{Kind: mq.OriginWorker, ID: o.id}
	var seq mq.SequenceResponse
	if _, err := o.n.c.Query(ctx, mq.SequencePath(origin), &seq); err != nil {
		return err
	}
	relay, _ := o.n.d.Keyring.PrivKey("alice")
	var msgs []tx.Msg
	for i, p := range posts {
		m := mq.SignedMessage{Origin: origin, Topic: p.topic, Payload: p.payload, Sequence: seq.Next + uint64(i)}
		m.Sign(devnet.ChainID, o.identity)
		msgs = append(msgs, &mq.MsgPush{Message: m})
	}
	res, err := o.n.c.Send(ctx, relay, pha.Amount{}, "", msgs...)
	if err != nil {
		return err
	}
	// A message in its slot that its module refused uses the slot; the
	// refusal is in the mq_refused event.
	if why, refused := res.Attr(mq.EventRefused, mq.AttrError); refused {
		return fmt.Errorf("mq: message refused: %s", why)
	}
	return nil
}

// inbox reads every message the chain queued for the enclave.
func (o *operator) inbox() []mq.Egress {
	o.n.t.Helper()
	ctx := context.Background()
	origin := mq.Origin{Kind: mq.OriginWorker, ID: o.id}
	var seq mq.SequenceResponse
	if _, err := o.n.c.Query(ctx, mq.SequencePath(origin), &seq); err != nil {
		o.n.t.Fatal(err)
	}
	var out []mq.Egress
	for s := uint64(0); s < seq.Egress; s++ {
		res, err := o.n.c.RPC.ABCIQuery(ctx, chainsync.PathStore, mq.EgressMessageKey(origin, s))
		if err != nil {
			o.n.t.Fatal(err)
		}
		e, err := mq.DecodeEgress(res.Response.Value)
		if err != nil {
			o.n.t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// open opens an envelope sent to the enclave.
func (o *operator) open(purpose string, raw []byte) ([]byte, error) {
	env, err := envelope.Decode(raw)
	if err != nil {
		return nil, err
	}
	return envelope.Open(o.ecdhKey, purpose, env)
}

// sealTo encrypts to a registered worker's ECDH key, as the enclave does.
func (o *operator) sealTo(to [32]byte, purpose string, plain []byte) []byte {
	o.n.t.Helper()
	w, err := o.n.c.Worker(context.Background(), registry.WorkerID(to))
	if err != nil {
		o.n.t.Fatal(err)
	}
	pub, err := ecdh.X25519().NewPublicKey(w.ECDHKey)
	if err != nil {
		o.n.t.Fatal(err)
	}
	env, err := envelope.Seal(pub, purpose, o.identity.Public().(ed25519.PublicKey), plain)
	if err != nil {
		o.n.t.Fatal(err)
	}
	return env.Encode()
}

// sealedHistory is the enclave's sealed master-key history.
type sealedHistory struct {
	Generations []struct {
		Number uint64 `json:"number"`
		Secret []byte `json:"secret"`
	} `json:"generations"`
}

func (o *operator) history() sealedHistory {
	o.n.t.Helper()
	var h sealedHistory
	raw, err := o.store.Get(pruntime.EntryMasterKeys)
	if err != nil {
		o.n.t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		o.n.t.Fatal(err)
	}
	return h
}

// contribution is the enclave's sealed contribution to a round.
func (o *operator) contribution(round uint64) []byte {
	c, err := o.store.Get(fmt.Sprintf("rotation-contribution/%d", round))
	if err != nil {
		return nil
	}
	return c
}

// revealPayload is the enclave's honest reveal: its sealed contribution,
// encrypted to each other member.
func (o *operator) revealPayload(rot *keys.Rotation) []byte {
	o.n.t.Helper()
	mine := o.contribution(rot.Round)
	if mine == nil {
		o.n.t.Fatalf("worker %d has no sealed contribution to round %d", o.idx, rot.Round)
	}
	w := wire.NewWriter(512)
	w.Uvarint(rot.Round)
	for _, m := range rot.Members {
		if [32]byte(m) == o.id {
			continue
		}
		w.Raw(m)
		w.VarBytes(o.sealTo([32]byte(m), gatekeeper.PurposeRotationReveal, mine))
	}
	return w.Bytes()
}

// reveals opens the reveals of round that reached the enclave, by sender.
func (o *operator) reveals(round uint64) map[[32]byte][]byte {
	out := map[[32]byte][]byte{}
	for _, e := range o.inbox() {
		if e.Topic != keys.TopicRotationReveal {
			continue
		}
		r := wire.NewReader(e.Payload)
		rd := r.Uvarint()
		from := [32]byte(r.Raw(32))
		raw := r.VarBytes(mq.MaxPayloadLen)
		if r.Done() != nil || rd != round {
			continue
		}
		if c, err := o.open(gatekeeper.PurposeRotationReveal, raw); err == nil {
			out[from] = c
		}
	}
	return out
}

// roundKey derives a round's master key from the enclave's contribution
// and the reveals in its inbox, as a member does.
func (o *operator) roundKey(rot *keys.Rotation) keyderive.KeyPair {
	o.n.t.Helper()
	got := o.reveals(rot.Round)
	var contribs [][]byte
	for _, m := range rot.Members {
		c := got[[32]byte(m)]
		if [32]byte(m) == o.id {
			c = o.contribution(rot.Round)
		}
		if c == nil {
			o.n.t.Fatalf("worker %d lacks member %x's contribution to round %d", o.idx, m, rot.Round)
		}
		contribs = append(contribs, c)
	}
	kp, err := keyderive.Pairs(keyderive.CombineContributions(contribs, rot.Round, rot.Generation, o.label), o.label)
	if err != nil {
		o.n.t.Fatal(err)
	}
	return kp
}

// confirmPayload confirms rot's generation with the given new keys and a
// proof of the sealed history (signatures by every earlier generation).
func (o *operator) confirmPayload(rot *keys.Rotation, sign ed25519.PrivateKey, ecdhPub []byte) []byte {
	w := wire.NewWriter(512)
	w.Uvarint(rot.Round)
	w.Uvarint(rot.Generation)
	w.Raw(sign.Public().(ed25519.PublicKey))
	w.Raw(ecdhPub)
	o.proveHistory(w, rot.Generation, sign)
	return w.Bytes()
}

// proveHistory writes a history proof for upTo: a signature by cur, then
// one by each earlier generation the sealed history holds.
func (o *operator) proveHistory(w *wire.Writer, upTo uint64, cur ed25519.PrivateKey, older ...ed25519.PrivateKey) {
	msg := keys.ConfirmSignBytes(devnet.ChainID, o.id, upTo)
	w.Raw(ed25519.Sign(cur, msg))
	if older == nil {
		for _, g := range o.history().Generations {
			if g.Number < upTo {
				older = append(older, o.masterSign(g.Secret))
			}
		}
	}
	w.Uvarint(uint64(len(older)))
	for _, k := range older {
		w.Raw(ed25519.Sign(k, msg))
	}
}

func (o *operator) masterSign(secret []byte) ed25519.PrivateKey {
	o.n.t.Helper()
	s, err := keyderive.NewSecret(secret)
	if err != nil {
		o.n.t.Fatal(err)
	}
	kp, err := keyderive.Pairs(s, o.label)
	if err != nil {
		o.n.t.Fatal(err)
	}
	return kp.Sign
}

// derivable is every master signing key the operator can compute from what
// it holds: its sealed history, every share in its inbox, and for every
// round whose reveals reached it, the key of every order of the
// contributions it holds, for every generation up to maxGen.
func (o *operator) derivable(maxGen uint64) map[string]bool {
	o.n.t.Helper()
	out := map[string]bool{}
	addSecret := func(secret []byte) {
		out[string(o.masterSign(secret).Public().(ed25519.PublicKey))] = true
	}
	for _, g := range o.history().Generations {
		addSecret(g.Secret)
	}
	rounds := map[uint64]bool{}
	for _, e := range o.inbox() {
		switch e.Topic {
		case keys.TopicShare:
			if plain, err := o.open(gatekeeper.PurposeMasterShare, e.Payload); err == nil {
				var h sealedHistory
				if json.Unmarshal(plain, &h) == nil {
					for _, g := range h.Generations {
						addSecret(g.Secret)
					}
				}
			}
		case keys.TopicRotationReveal:
			rounds[wire.NewReader(e.Payload).Uvarint()] = true
		}
	}
	for round := range rounds {
		var contribs [][]byte
		for _, c := range o.reveals(round) {
			contribs = append(contribs, c)
		}
		if mine := o.contribution(round); mine != nil {
			contribs = append(contribs, mine)
		}
		for _, order := range permutations(contribs) {
			for gen := uint64(1); gen <= maxGen; gen++ {
				if kp, err := keyderive.Pairs(keyderive.CombineContributions(order, round, gen, o.label), o.label); err == nil {
					out[string(kp.Public().Sign)] = true
				}
			}
		}
	}
	return out
}

func permutations(xs [][]byte) [][][]byte {
	if len(xs) <= 1 {
		return [][][]byte{xs}
	}
	var out [][][]byte
	for i := range xs {
		rest := append(slices.Clone(xs[:i]), xs[i+1:]...)
		for _, p := range permutations(rest) {
			out = append(out, append([][]byte{xs[i]}, p...))
		}
	}
	return out
}

func hexID(id [32]byte) string { return hex.EncodeToString(id[:]) }

// TestRedTeamRogueConfirmation: during a rotation the operator of one
// gatekeeper reveals its real contribution and, in the same transaction,
// confirms first with a master key of its own choosing. The two honest
// members' key must win: the round is aborted naming the rogue
// confirmation, the rogue is excluded, the honest pair makes generation 1,
// and nothing the rogue holds derives it.
func TestRedTeamRogueConfirmation(t *testing.T) {
	n := startRedTeam(t, 3)
	rogue := n.takeOver(2)
	started := n.rotate()
	rot := n.wait("the honest members to reveal", func(st keys.State) bool {
		if st.Running == nil || st.Running.Phase != keys.PhaseReveal {
			return false
		}
		for i, m := range st.Running.Members {
			if [32]byte(m) != rogue.id && !st.Running.Revealed[i] {
				return false
			}
		}
		return true
	}).Running
	_, rogueSign, _ := ed25519.GenerateKey(rand.Reader)
	rogueECDH, _ := ecdh.X25519().GenerateKey(rand.Reader)
	if err := rogue.post(mqPost{keys.TopicRotationReveal, rogue.revealPayload(rot)},
		mqPost{keys.TopicRotationConfirm, rogue.confirmPayload(rot, rogueSign, rogueECDH.PublicKey().Bytes())}); err != nil {
		t.Fatalf("the rogue's reveal and first confirmation: %v", err)
	}
	st := n.wait("generation 1", func(st keys.State) bool { return st.Generation != nil && st.Generation.Number == 1 })
	gen := st.Generation
	if string(gen.SignKey) == string(rogueSign.Public().(ed25519.PublicKey)) {
		t.Fatal("the rogue's key became generation 1")
	}
	if len(gen.Excluded) != 1 || [32]byte(gen.Excluded[0]) != rogue.id {
		t.Fatalf("generation 1 excludes %x, want only the rogue %x", gen.Excluded, rogue.id)
	}
	for _, g := range st.Gatekeepers {
		if g.Holds == ([32]byte(g.Worker) == rogue.id) {
			t.Fatalf("the honest pair should hold generation 1 and the rogue not: %+v", st.Gatekeepers)
		}
	}
	ab := n.aborted(started, gen.Height)
	if len(ab) != 1 || !strings.Contains(ab[0]["reason"], "rogue confirmation") || ab[0]["excluded"] != hexID(rogue.id) {
		t.Fatalf("aborted rounds %v, want one naming the rogue confirmation and excluding only %x", ab, rogue.id)
	}
	if rogue.derivable(gen.Number)[string(gen.SignKey)] {
		t.Fatal("the rogue can derive generation 1's master key")
	}
	t.Logf("with a rogue member the honest pair's key became generation 1 at height %d, %d blocks after the rotation started at %d", gen.Height, gen.Height-started, started)
}

// TestRedTeamRemovalDuringRotation: the DAO removes a gatekeeper while a
// rotation runs, after that gatekeeper (its operator hostile) already
// confirmed the round's key, which it derived from the reveals it got. The
// round must restart without it, naming the membership change, and
// generation 1 must be a key nothing it holds derives.
func TestRedTeamRemovalDuringRotation(t *testing.T) {
	n := startRedTeam(t, 3)
	ctx := context.Background()
	removed := n.takeOver(2)
	// The third member is honest but slow: its enclave is down during the
	// round, and its operator does its reveal for it from its sealed store.
	slow := n.takeOver(1)
	alice, _ := n.d.Keyring.PrivKey("alice")
	bob, _ := n.d.Keyring.PrivKey("bob")
	for _, k := range []ed25519.PrivateKey{alice, bob} {
		if _, err := n.c.Send(ctx, k, pha.Amount{}, "", &dao.MsgLock{Amount: pha.Whole(1_000_000)}); err != nil {
			t.Fatal(err)
		}
	}
	res, err := n.c.Send(ctx, alice, pha.Amount{}, "", &dao.MsgPropose{Title: "remove a gatekeeper", Deposit: pha.Whole(10),
		Action: dao.Action{Kind: dao.KindRemoveGatekeeper, Worker: removed.id[:]}})
	if err != nil {
		t.Fatal(err)
	}
	v, _ := res.Attr(dao.EventPropose, dao.AttrProposal)
	pid, _ := strconv.ParseUint(v, 10, 64)
	for _, k := range []ed25519.PrivateKey{alice, bob} {
		if _, err := n.c.Send(ctx, k, pha.Amount{}, "", &dao.MsgVote{Proposal: pid, Option: dao.VoteYes}); err != nil {
			t.Fatal(err)
		}
	}
	started := n.rotate()
	rot := n.wait("the live member to reveal", func(st keys.State) bool {
		return st.Running != nil && st.Running.Phase == keys.PhaseReveal && slices.Contains(st.Running.Revealed, true)
	}).Running
	for _, o := range []*operator{removed, slow} {
		if err := o.post(mqPost{keys.TopicRotationReveal, o.revealPayload(rot)}); err != nil {
			t.Fatalf("worker %d's reveal: %v", o.idx, err)
		}
	}
	n.wait("the live member to confirm", func(st keys.State) bool {
		if st.Running == nil || st.Running.Phase != keys.PhaseConfirm {
			return false
		}
		for i, m := range st.Running.Members {
			if [32]byte(m) != removed.id && [32]byte(m) != slow.id && len(st.Running.SignKeys[i]) != 0 {
				return true
			}
		}
		return false
	})
	roundKey := removed.roundKey(rot)
	if err := removed.post(mqPost{keys.TopicRotationConfirm, removed.confirmPayload(rot, roundKey.Sign, roundKey.Public().ECDH)}); err != nil {
		t.Fatalf("the soon-removed member's confirmation: %v", err)
	}
	var p dao.Proposal
	for deadline := time.Now().Add(60 * time.Second); p.Status != dao.StatusEnacted; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("removal proposal not enacted: %+v", p)
		}
		n.c.Query(ctx, "/dao/proposal/"+v, &p)
	}
	// The slow member comes back: its operator confirms the round's key
	// at once (refused if the round is gone), then its enclave restarts.
	slowKey := slow.roundKey(rot)
	slowErr := slow.post(mqPost{keys.TopicRotationConfirm, slow.confirmPayload(rot, slowKey.Sign, slowKey.Public().ECDH)})
	t.Logf("the slow member's confirmation of round %d after the removal: %v", rot.Round, slowErr)
	n.restart(slow.idx)
	st := n.wait("generation 1", func(st keys.State) bool { return st.Generation != nil && st.Generation.Number == 1 })
	gen := st.Generation
	for _, g := range st.Gatekeepers {
		if [32]byte(g.Worker) == removed.id {
			t.Fatal("the removed gatekeeper is still in the set")
		}
	}
	if string(gen.SignKey) == string(roundKey.Public().Sign) || removed.derivable(gen.Number)[string(gen.SignKey)] {
		t.Fatal("the removed gatekeeper derived generation 1's master key")
	}
	ab := n.aborted(started, gen.Height)
	if len(ab) == 0 || !strings.Contains(ab[0]["reason"], "changed during the rotation") || !strings.Contains(ab[0]["excluded"], hexID(removed.id)) {
		t.Fatalf("aborted rounds %v, want the first to name the membership change and exclude %x", ab, removed.id)
	}
}

// TestRedTeamIncompleteHistory: the operator of the gatekeeper that shares
// the master key turns hostile and shares with a new gatekeeper only the
// current generation; the new gatekeeper's own operator then confirms with
// it. The new gatekeeper must not count as holding the key (the chain
// refuses the confirmation as an incomplete history) and must not be
// elected, and the hostile sharer, left out of the next generation, cannot
// derive it.
func TestRedTeamIncompleteHistory(t *testing.T) {
	n := startRedTeam(t, 4)
	n.rotate()
	st := n.wait("generation 1 held by all three", func(st keys.State) bool {
		return st.Generation != nil && st.Generation.Number == 1 && holders(st) == 3
	})
	sharer := n.takeOver(n.indexOf(st.Gatekeepers[0].Worker))
	newcomerID := n.d.Workers[3].ID()
	auth, _ := n.d.Keyring.PrivKey(devnet.AuthorityAccount)
	if _, err := n.c.Send(context.Background(), auth, pha.Amount{}, "", &keys.MsgAddGatekeeper{Worker: newcomerID}); err != nil {
		t.Fatal(err)
	}
	// A share of generation 1 alone, sealed to the newcomer as a real one.
	var truncated sealedHistory
	for _, g := range sharer.history().Generations {
		if g.Number == 1 {
			truncated.Generations = append(truncated.Generations, g)
		}
	}
	plain, _ := json.Marshal(truncated)
	w := wire.NewWriter(1024)
	w.Raw(newcomerID[:])
	w.VarBytes(sharer.sealTo([32]byte(newcomerID), gatekeeper.PurposeMasterShare, plain))
	if err := sharer.post(mqPost{keys.TopicShare, w.Bytes()}); err != nil {
		t.Fatalf("the truncated share: %v", err)
	}
	// Give the newcomer's enclave ten blocks to take the share.
	h := mustHeight(t, n.c)
	waitHeight(t, n.c, h+10, 30*time.Second)
	isNewcomer := func(x keys.Hex) bool { return [32]byte(x) == [32]byte(newcomerID) }
	for _, g := range n.keys().Gatekeepers {
		if isNewcomer(g.Worker) && g.Holds {
			t.Fatal("the gatekeeper given an incomplete history holds the master key")
		}
	}
	// Its operator confirms with the generation-1 key from the share.
	newcomer := n.takeOver(3)
	cur := masterOf(t, newcomer, truncated)
	cw := wire.NewWriter(256)
	cw.Uvarint(1)
	newcomer.proveHistory(cw, 1, cur, []ed25519.PrivateKey{}...)
	err := newcomer.post(mqPost{keys.TopicConfirm, cw.Bytes()})
	if err == nil || !strings.Contains(err.Error(), "incomplete master-key history") {
		t.Fatalf("a confirmation without generation 0 got %v, want the incomplete-history refusal", err)
	}
	started := n.rotate()
	if run := n.keys().Running; run == nil || slices.ContainsFunc(run.Members, isNewcomer) {
		t.Fatalf("the gatekeeper with an incomplete history was elected: %+v", run)
	}
	st = n.wait("generation 2", func(st keys.State) bool { return st.Generation != nil && st.Generation.Number == 2 })
	if !slices.ContainsFunc(st.Generation.Excluded, isNewcomer) {
		t.Fatalf("generation 2 does not exclude the gatekeeper with an incomplete history (excluded %x)", st.Generation.Excluded)
	}
	if sharer.derivable(2)[string(st.Generation.SignKey)] {
		t.Fatal("the hostile sharer derived generation 2's master key")
	}
	t.Logf("aborted rounds of the second rotation: %v", n.aborted(started, st.Generation.Height))
}

// masterOf is the signing key of the generation-1 secret in a history.
func masterOf(t *testing.T, o *operator, h sealedHistory) ed25519.PrivateKey {
	t.Helper()
	if len(h.Generations) != 1 {
		t.Fatalf("history %+v", h)
	}
	return o.masterSign(h.Generations[0].Secret)
}

// TestRedTeamEquivocatingReveal: the operator of one gatekeeper reveals its
// committed contribution to one honest member and another value to the
// other. The member fed the wrong value must not be the one excluded: its
// enclave proves the bad reveal to the chain (disclosing that envelope's
// key), the round restarts without the equivocating member, and the honest
// pair makes generation 1, which nothing the rogue holds derives.
func TestRedTeamEquivocatingReveal(t *testing.T) {
	n := startRedTeam(t, 3)
	rogue := n.takeOver(2)
	started := n.rotate()
	rot := n.wait("the honest members to reveal", func(st keys.State) bool {
		return st.Running != nil && st.Running.Phase == keys.PhaseReveal && slices.Contains(st.Running.Revealed, true)
	}).Running
	var victim [32]byte
	w := wire.NewWriter(512)
	w.Uvarint(rot.Round)
	for _, m := range rot.Members {
		if [32]byte(m) == rogue.id {
			continue
		}
		c := rogue.contribution(rot.Round)
		if victim == ([32]byte{}) {
			victim, c = [32]byte(m), slices.Repeat([]byte{0xee}, 32)
		}
		w.Raw(m)
		w.VarBytes(rogue.sealTo([32]byte(m), gatekeeper.PurposeRotationReveal, c))
	}
	if err := rogue.post(mqPost{keys.TopicRotationReveal, w.Bytes()}); err != nil {
		t.Fatalf("the rogue's reveal: %v", err)
	}
	st := n.wait("generation 1", func(st keys.State) bool { return st.Generation != nil && st.Generation.Number == 1 })
	gen := st.Generation
	if len(gen.Excluded) != 1 || [32]byte(gen.Excluded[0]) != rogue.id {
		t.Fatalf("generation 1 excludes %x, want only the rogue %x (the victim is %x)", gen.Excluded, rogue.id, victim)
	}
	ab := n.aborted(started, gen.Height)
	if len(ab) != 1 || !strings.Contains(ab[0]["reason"], "equivocation") || ab[0]["excluded"] != hexID(rogue.id) {
		t.Fatalf("aborted rounds %v, want one naming the equivocation and excluding only %x", ab, rogue.id)
	}
	if rogue.derivable(gen.Number)[string(gen.SignKey)] {
		t.Fatal("the rogue can derive generation 1's master key")
	}
}
