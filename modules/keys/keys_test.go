package keys_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"slices"
	"strings"
	"testing"

	"github.com/phalanetwork/phala/chain/apptest"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
)

var authority, op = apptest.NewAccount(1), apptest.NewAccount(2)

type gkFixture struct {
	c   *apptest.Chain
	ids []ed25519.PrivateKey
}

func newGK(t *testing.T, workers int) *gkFixture {
	c := apptest.New(t, []apptest.Account{authority, op}, map[string]any{
		registry.Name: apptest.SimRegistry(),
		keys.Name:     keys.Genesis{Authority: authority.Addr},
	})
	f := &gkFixture{c: c}
	for i := 0; i < workers; i++ {
		f.ids = append(f.ids, c.RegisterSimWorker(t, op))
	}
	return f
}

func id(k ed25519.PrivateKey) [32]byte { return [32]byte(k.Public().(ed25519.PublicKey)) }

func masterPayload(gen uint64, sign ed25519.PublicKey) []byte {
	w := wire.NewWriter(80)
	w.Uvarint(gen)
	w.Raw(sign)
	w.Raw(make([]byte, 32))
	return w.Bytes()
}

// proof is a history proof for generation upTo by worker: a signature by
// cur, then one by each of older (generations 0..upTo-1).
func proof(w *wire.Writer, worker [32]byte, upTo uint64, cur ed25519.PrivateKey, older ...ed25519.PrivateKey) {
	msg := keys.ConfirmSignBytes(apptest.ChainID, worker, upTo)
	w.Raw(ed25519.Sign(cur, msg))
	w.Uvarint(uint64(len(older)))
	for _, k := range older {
		w.Raw(ed25519.Sign(k, msg))
	}
}

// confirmPayload is a keys/confirm of generation gen by worker.
func confirmPayload(worker [32]byte, gen uint64, cur ed25519.PrivateKey, older ...ed25519.PrivateKey) []byte {
	w := wire.NewWriter(160)
	w.Uvarint(gen)
	proof(w, worker, gen, cur, older...)
	return w.Bytes()
}

// holdAll has every worker but the first (the creator) confirm generation
// 0, whose key is master, so that they all hold it and can be elected.
func holdAll(t *testing.T, c *apptest.Chain, master ed25519.PrivateKey, workers ...ed25519.PrivateKey) {
	t.Helper()
	for _, k := range workers[1:] {
		apptest.ExpectCode(t, c.PostMQ(op, k, keys.TopicConfirm, confirmPayload(id(k), 0, master)), "", 0)
	}
}

func state(t *testing.T, c *apptest.Chain) keys.State {
	var s keys.State
	if res := c.Query("/keys/state", &s); res.Code != 0 {
		t.Fatal(res.Log)
	}
	return s
}

func TestGatekeepersAndMasterKey(t *testing.T) {
	f := newGK(t, 3)
	// Only the authority adds gatekeepers, and only registered workers.
	apptest.ExpectCode(t, f.c.Deliver(op, &keys.MsgAddGatekeeper{Worker: id(f.ids[0])}), keys.Codespace, keys.ErrUnauthorized.Code)
	apptest.ExpectCode(t, f.c.Deliver(authority, &keys.MsgAddGatekeeper{Worker: [32]byte{9}}), keys.Codespace, keys.ErrUnknownWorker.Code)
	for _, k := range f.ids[:2] {
		if res := f.c.Deliver(authority, &keys.MsgAddGatekeeper{Worker: id(k)}); res.Code != 0 {
			t.Fatal(res.Log)
		}
	}
	apptest.ExpectCode(t, f.c.Deliver(authority, &keys.MsgAddGatekeeper{Worker: id(f.ids[0])}), keys.Codespace, keys.ErrAlreadyGK.Code)

	masterPub, masterKey, _ := ed25519.GenerateKey(rand.Reader)
	// A plain worker, and the second gatekeeper, cannot create the key.
	apptest.ExpectCode(t, f.c.PostMQ(op, f.ids[2], keys.TopicMasterPubKey, masterPayload(0, masterPub)), keys.Codespace, keys.ErrNotGatekeeper.Code)
	apptest.ExpectCode(t, f.c.PostMQ(op, f.ids[1], keys.TopicMasterPubKey, masterPayload(0, masterPub)), keys.Codespace, keys.ErrNotFirst.Code)
	apptest.ExpectCode(t, f.c.PostMQ(op, f.ids[0], keys.TopicMasterPubKey, masterPayload(0, masterPub)), "", 0)
	apptest.ExpectCode(t, f.c.PostMQ(op, f.ids[0], keys.TopicMasterPubKey, masterPayload(0, masterPub)), keys.Codespace, keys.ErrGenerationTaken.Code)

	s := state(t, f.c)
	if s.Generation == nil || s.Generation.Number != 0 || string(s.Generation.SignKey) != string(masterPub) || !s.Gatekeepers[0].Holds || s.Gatekeepers[1].Holds {
		t.Fatalf("state %+v", s)
	}

	// The holder shares with the second gatekeeper; the chain relays only
	// ciphertext into the recipient's inbox.
	share := wire.NewWriter(64)
	share.Raw(f.ids[1].Public().(ed25519.PublicKey))
	share.VarBytes([]byte("opaque envelope bytes"))
	apptest.ExpectCode(t, f.c.PostMQ(op, f.ids[1], keys.TopicShare, share.Bytes()), keys.Codespace, keys.ErrBadShare.Code) // not a holder
	apptest.ExpectCode(t, f.c.PostMQ(op, f.ids[0], keys.TopicShare, share.Bytes()), "", 0)
	var seq mq.SequenceResponse
	f.c.Query("/mq/sequence/worker/"+registry.WorkerID(id(f.ids[1])).String(), &seq)
	if seq.Egress != 3 { // "registered", "assigned", then the share
		t.Fatalf("recipient inbox has %d messages, want 3", seq.Egress)
	}

	// Confirmation must be signed by the master key.
	conf := func(signer ed25519.PrivateKey) []byte { return confirmPayload(id(f.ids[1]), 0, signer) }
	apptest.ExpectCode(t, f.c.PostMQ(op, f.ids[1], keys.TopicConfirm, conf(f.ids[1])), keys.Codespace, keys.ErrBadShare.Code)
	apptest.ExpectCode(t, f.c.PostMQ(op, f.ids[1], keys.TopicConfirm, conf(masterKey)), "", 0)
	if s := state(t, f.c); !s.Gatekeepers[1].Holds {
		t.Fatalf("confirmation not recorded: %+v", s.Gatekeepers)
	}
}

func TestCommitAheadOpensInReveal(t *testing.T) {
	f := newGK(t, 2)
	for _, k := range f.ids {
		if res := f.c.Deliver(authority, &keys.MsgAddGatekeeper{Worker: id(k)}); res.Code != 0 {
			t.Fatal(res.Log)
		}
	}
	masterPub, masterKey, _ := ed25519.GenerateKey(rand.Reader)
	if res := f.c.PostMQ(op, f.ids[0], keys.TopicMasterPubKey, masterPayload(0, masterPub)); res.Code != 0 {
		t.Fatal(res.Log)
	}
	holdAll(t, f.c, masterKey, f.ids...)
	pre := func(round uint64) []byte {
		w := wire.NewWriter(48)
		w.Uvarint(round)
		w.Raw(make([]byte, 32))
		return w.Bytes()
	}
	apptest.ExpectCode(t, f.c.PostMQ(op, f.ids[0], keys.TopicRotationPrecommit, pre(7)), keys.Codespace, keys.ErrRotation.Code)
	apptest.ExpectCode(t, f.c.Deliver(op, &keys.MsgRotate{}), keys.Codespace, keys.ErrUnauthorized.Code)
	// Only one member committed ahead: the round opens in the commit phase.
	if res := f.c.PostMQ(op, f.ids[0], keys.TopicRotationPrecommit, pre(0)); res.Code != 0 {
		t.Fatal(res.Log)
	}
	if res := f.c.Deliver(authority, &keys.MsgRotate{}); res.Code != 0 {
		t.Fatal(res.Log)
	}
	s := state(t, f.c)
	// Nobody bonded, so the members are in id order.
	first := 0
	if s.Running != nil && len(s.Running.Members) == 2 && string(s.Running.Members[1]) == string(f.ids[0].Public().(ed25519.PublicKey)) {
		first = 1
	}
	if s.Running == nil || s.Running.Phase != keys.PhaseCommit || len(s.Running.Commitments[first]) != 32 || len(s.Running.Commitments[1-first]) != 0 {
		t.Fatalf("rotation %+v", s.Running)
	}
	apptest.ExpectCode(t, f.c.PostMQ(op, f.ids[1], keys.TopicRotationPrecommit, pre(1)), keys.Codespace, keys.ErrRotation.Code)
	apptest.ExpectCode(t, f.c.Deliver(authority, &keys.MsgRotate{}), keys.Codespace, keys.ErrRotation.Code)
	// The second member's commitment moves it to the reveal phase.
	w := wire.NewWriter(48)
	w.Uvarint(0)
	w.Raw(make([]byte, 32))
	if res := f.c.PostMQ(op, f.ids[1], keys.TopicRotationCommit, w.Bytes()); res.Code != 0 {
		t.Fatal(res.Log)
	}
	if s := state(t, f.c); s.Running.Phase != keys.PhaseReveal {
		t.Fatalf("phase %s", s.Running.Phase)
	}
}

func TestGenesisGatekeeperOperators(t *testing.T) {
	c := apptest.New(t, []apptest.Account{authority, op}, map[string]any{
		registry.Name: apptest.SimRegistry(),
		keys.Name:     keys.Genesis{Authority: authority.Addr, GatekeeperOperators: []address.Address{op.Addr}},
	})
	first := c.RegisterSimWorker(t, op)
	c.RegisterSimWorker(t, op)
	s := state(t, c)
	if len(s.Gatekeepers) != 1 || string(s.Gatekeepers[0].Worker) != string(first.Public().(ed25519.PublicKey)) {
		t.Fatalf("gatekeepers %+v, want only the operator's first worker", s.Gatekeepers)
	}
}

// TestMalformedRevealFromOutsider: a gatekeeper outside the running round
// that sends an undecodable reveal during the reveal phase is refused as a
// non-member, and the round does not move (it used to index the reveal
// slot -1 and panic inside the block).
func TestMalformedRevealFromOutsider(t *testing.T) {
	f := newGK(t, 3)
	member, outsider := f.ids[:2], f.ids[2]
	for _, k := range member {
		if res := f.c.Deliver(authority, &keys.MsgAddGatekeeper{Worker: id(k)}); res.Code != 0 {
			t.Fatal(res.Log)
		}
	}
	masterPub, masterKey, _ := ed25519.GenerateKey(rand.Reader)
	apptest.ExpectCode(t, f.c.PostMQ(op, member[0], keys.TopicMasterPubKey, masterPayload(0, masterPub)), "", 0)
	holdAll(t, f.c, masterKey, member...)
	apptest.ExpectCode(t, f.c.Deliver(authority, &keys.MsgRotate{}), "", 0)
	commit := wire.NewWriter(48)
	commit.Uvarint(0)
	commit.Raw(make([]byte, 32))
	for _, k := range member {
		apptest.ExpectCode(t, f.c.PostMQ(op, k, keys.TopicRotationCommit, commit.Bytes()), "", 0)
	}
	// Added after the election, so not a member of this round.
	apptest.ExpectCode(t, f.c.Deliver(authority, &keys.MsgAddGatekeeper{Worker: id(outsider)}), "", 0)
	for _, payload := range [][]byte{nil, {0x80}} {
		res := f.c.PostMQ(op, outsider, keys.TopicRotationReveal, payload)
		apptest.ExpectCode(t, res, keys.Codespace, keys.ErrUnelected.Code)
		if !strings.Contains(res.Log, "is not in round 0") {
			t.Errorf("payload %x: log %q does not name the membership check", payload, res.Log)
		}
	}
	if s := state(t, f.c); s.Running == nil || s.Running.Phase != keys.PhaseReveal || slices.Contains(s.Running.Revealed, true) {
		t.Fatalf("rotation moved: %+v", s.Running)
	}
}
