package keys_test

import (
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanetwork/phala/chain/apptest"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/crypto/envelope"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/registry"
)

// rotFixture is a chain with gatekeepers that all hold generation 0, whose
// key is master, driven message by message as their enclaves would.
type rotFixture struct {
	*gkFixture
	master ed25519.PrivateKey
}

func newRotFixture(t *testing.T, n int) *rotFixture {
	f := &rotFixture{gkFixture: newGK(t, n)}
	for _, k := range f.ids {
		apptest.ExpectCode(t, f.c.Deliver(authority, &keys.MsgAddGatekeeper{Worker: id(k)}), "", 0)
	}
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	f.master = priv
	apptest.ExpectCode(t, f.c.PostMQ(op, f.ids[0], keys.TopicMasterPubKey, masterPayload(0, pub)), "", 0)
	holdAll(t, f.c, priv, f.ids...)
	return f
}

// key returns the worker key of a member id.
func (f *rotFixture) key(t *testing.T, member []byte) ed25519.PrivateKey {
	for _, k := range f.ids {
		if string(k.Public().(ed25519.PublicKey)) == string(member) {
			return k
		}
	}
	t.Fatalf("no worker %x", member)
	return nil
}

// toConfirm starts a rotation and has every member commit and reveal, so
// the round waits for confirmations.
func (f *rotFixture) toConfirm(t *testing.T) *keys.Rotation {
	t.Helper()
	apptest.ExpectCode(t, f.c.Deliver(authority, &keys.MsgRotate{}), "", 0)
	return f.commitAndReveal(t)
}

func (f *rotFixture) commitAndReveal(t *testing.T) *keys.Rotation {
	t.Helper()
	rot := state(t, f.c).Running
	for _, m := range rot.Members {
		f.commitZero(t, m, rot.Round)
	}
	for _, m := range rot.Members {
		w := wire.NewWriter(256)
		w.Uvarint(rot.Round)
		for _, other := range rot.Members {
			if string(other) != string(m) {
				w.Raw(other)
				w.VarBytes([]byte("sealed contribution"))
			}
		}
		apptest.ExpectCode(t, f.c.PostMQ(op, f.key(t, m), keys.TopicRotationReveal, w.Bytes()), "", 0)
	}
	rot = state(t, f.c).Running
	if rot == nil || rot.Phase != keys.PhaseConfirm {
		t.Fatalf("round not in the confirm phase: %+v", rot)
	}
	return rot
}

// commitZero posts member's commitment (all zero) to round.
func (f *rotFixture) commitZero(t *testing.T, member keys.Hex, round uint64) {
	t.Helper()
	w := wire.NewWriter(48)
	w.Uvarint(round)
	w.Raw(make([]byte, 32))
	apptest.ExpectCode(t, f.c.PostMQ(op, f.key(t, member), keys.TopicRotationCommit, w.Bytes()), "", 0)
}

// confirm posts member's confirmation of newKey for rot, with a proof of
// generations 0..rot.Generation-1 signed by older.
func (f *rotFixture) confirm(member ed25519.PrivateKey, rot *keys.Rotation, newKey ed25519.PrivateKey, older ...ed25519.PrivateKey) *abci.ExecTxResult {
	w := wire.NewWriter(512)
	w.Uvarint(rot.Round)
	w.Uvarint(rot.Generation)
	w.Raw(newKey.Public().(ed25519.PublicKey))
	w.Raw(make([]byte, 32))
	proof(w, id(member), rot.Generation, newKey, older...)
	return f.c.PostMQ(op, member, keys.TopicRotationConfirm, w.Bytes())
}

func newKey() ed25519.PrivateKey {
	_, k, _ := ed25519.GenerateKey(rand.Reader)
	return k
}

// abortedReason is the reason of the last aborted-round event in res.
func abortedReason(res *abci.ExecTxResult) (reason, excluded string) {
	for _, ev := range res.Events {
		attrs := map[string]string{}
		for _, a := range ev.Attributes {
			attrs[a.Key] = a.Value
		}
		if ev.Type == keys.EventRotation && attrs["phase"] == "aborted" {
			reason, excluded = attrs["reason"], attrs["excluded"]
		}
	}
	return reason, excluded
}

// TestRogueConfirmationLoses: the member that confirms first with a key of
// its own choosing does not win. The honest pair's confirmations are
// accepted; once they reach the threshold the rogue is the minority: the
// chain keeps the evidence, aborts the round (the rogue saw every
// contribution) and restarts it without the rogue, whose key never becomes
// a generation. Excluded for cause, the rogue cannot rejoin.
func TestRogueConfirmationLoses(t *testing.T) {
	f := newRotFixture(t, 3)
	rot := f.toConfirm(t)
	rogue, honest := f.key(t, rot.Members[0]), []ed25519.PrivateKey{f.key(t, rot.Members[1]), f.key(t, rot.Members[2])}
	good := newKey()
	apptest.ExpectCode(t, f.confirm(rogue, rot, newKey(), f.master), "", 0)
	apptest.ExpectCode(t, f.confirm(honest[0], rot, good, f.master), "", 0)
	if s := state(t, f.c); s.Running == nil || s.Running.Round != rot.Round || s.Generation.Number != 0 {
		t.Fatalf("one confirmation each decided the round: %+v", s.Running)
	}
	res := f.confirm(honest[1], rot, good, f.master)
	apptest.ExpectCode(t, res, "", 0)
	reason, excluded := abortedReason(res)
	if !strings.Contains(reason, "rogue confirmation") || excluded != hexOf(rogue) {
		t.Fatalf("aborted with reason %q excluding %q, want the rogue confirmation of %s", reason, excluded, hexOf(rogue))
	}
	s := state(t, f.c)
	if s.Generation.Number != 0 || s.Running == nil || s.Running.Round != rot.Round+1 || len(s.Running.Members) != 2 ||
		slices.ContainsFunc(s.Running.Members, func(m keys.Hex) bool { return [32]byte(m) == id(rogue) }) {
		t.Fatalf("after the rogue confirmation: generation %d, round %+v", s.Generation.Number, s.Running)
	}
	if len(s.Evidence) != 1 || s.Evidence[0].Check != keys.ErrRogueConfirmation.Error() || [32]byte(s.Evidence[0].Member) != id(rogue) {
		t.Fatalf("evidence %+v", s.Evidence)
	}
	// The honest pair finishes the new round: their key is generation 1.
	rot = f.commitAndReveal(t)
	fresh := newKey()
	for _, k := range honest {
		apptest.ExpectCode(t, f.confirm(k, rot, fresh, f.master), "", 0)
	}
	s = state(t, f.c)
	if s.Generation.Number != 1 || string(s.Generation.SignKey) != string(fresh.Public().(ed25519.PublicKey)) ||
		len(s.Generation.Excluded) != 1 || [32]byte(s.Generation.Excluded[0]) != id(rogue) {
		t.Fatalf("generation %+v", s.Generation)
	}
	// Left out for cause, it cannot ask for the history, nor be sent it.
	if g := gatekeeperOf(t, f, rogue); g.Holds || !strings.Contains(g.ExcludedForCause, "rogue confirmation") {
		t.Fatalf("the rogue's record: %+v", g)
	}
	for what, res := range map[string]func() *abci.ExecTxResult{
		"its request to rejoin": func() *abci.ExecTxResult { return f.c.PostMQ(op, rogue, keys.TopicRejoin, nil) },
		"a share to it":         func() *abci.ExecTxResult { return f.c.PostMQ(op, honest[0], keys.TopicShare, sharePayload(rogue)) },
	} {
		r := res()
		apptest.ExpectCode(t, r, keys.Codespace, keys.ErrExcludedForCause.Code)
		if !strings.Contains(r.Log, "rogue confirmation") {
			t.Errorf("%s refused with %q, which does not name the cause", what, r.Log)
		}
	}
	// The rogue, left out, is refused as unelected in the next round.
	apptest.ExpectCode(t, f.c.Deliver(authority, &keys.MsgRotate{}), "", 0)
	apptest.ExpectCode(t, f.confirm(rogue, state(t, f.c).Running, newKey(), f.master, fresh), keys.Codespace, keys.ErrUnelected.Code)
}

func hexOf(k ed25519.PrivateKey) string { return hex.EncodeToString(k.Public().(ed25519.PublicKey)) }

// TestConfirmationThreshold: the threshold is a strict majority of the
// elected members; with no keys reaching it the round restarts with the
// same members and nobody is excluded.
func TestConfirmationThreshold(t *testing.T) {
	for n, want := range map[int]int{1: 1, 2: 2, 3: 2, 4: 3, 5: 3} {
		if got := keys.Threshold(n); got != want {
			t.Errorf("Threshold(%d) = %d, want %d", n, got, want)
		}
	}
	f := newRotFixture(t, 3)
	rot := f.toConfirm(t)
	var res *abci.ExecTxResult
	for _, m := range rot.Members {
		res = f.confirm(f.key(t, m), rot, newKey(), f.master)
		apptest.ExpectCode(t, res, "", 0)
	}
	if reason, excluded := abortedReason(res); !strings.Contains(reason, "no key reached the confirmation threshold") || excluded != "" {
		t.Fatalf("aborted with reason %q excluding %q", reason, excluded)
	}
	if s := state(t, f.c); s.Running == nil || len(s.Running.Members) != 3 || s.Generation.Number != 0 || len(s.Evidence) != 0 {
		t.Fatalf("after a split: %+v, evidence %+v", s.Running, s.Evidence)
	}
}

// TestEquivocation: a member that confirms two different keys, or commits
// to two different contributions for one round (ahead or in the round), is
// caught: the chain keeps both values and the member is left out.
func TestEquivocation(t *testing.T) {
	commit := func(round uint64, b byte) []byte {
		w := wire.NewWriter(48)
		w.Uvarint(round)
		w.Raw(slices.Repeat([]byte{b}, 32))
		return w.Bytes()
	}
	t.Run("two confirmations", func(t *testing.T) {
		f := newRotFixture(t, 3)
		rot := f.toConfirm(t)
		two := f.key(t, rot.Members[1])
		k := newKey()
		apptest.ExpectCode(t, f.confirm(two, rot, k, f.master), "", 0)
		apptest.ExpectCode(t, f.confirm(two, rot, k, f.master), keys.Codespace, keys.ErrRotation.Code) // the same again: a duplicate
		res := f.confirm(two, rot, newKey(), f.master)
		apptest.ExpectCode(t, res, "", 0)
		checkEquivocation(t, f, res, two, rot.Round)
	})
	t.Run("two commitments in a round", func(t *testing.T) {
		f := newRotFixture(t, 3)
		apptest.ExpectCode(t, f.c.Deliver(authority, &keys.MsgRotate{}), "", 0)
		rot := state(t, f.c).Running
		k := f.key(t, rot.Members[2])
		apptest.ExpectCode(t, f.c.PostMQ(op, k, keys.TopicRotationCommit, commit(rot.Round, 1)), "", 0)
		res := f.c.PostMQ(op, k, keys.TopicRotationCommit, commit(rot.Round, 2))
		apptest.ExpectCode(t, res, "", 0)
		checkEquivocation(t, f, res, k, rot.Round)
	})
	t.Run("two commitments ahead", func(t *testing.T) {
		f := newRotFixture(t, 3)
		k := f.ids[1]
		apptest.ExpectCode(t, f.c.PostMQ(op, k, keys.TopicRotationPrecommit, commit(0, 1)), "", 0)
		apptest.ExpectCode(t, f.c.PostMQ(op, k, keys.TopicRotationPrecommit, commit(0, 1)), keys.Codespace, keys.ErrRotation.Code)
		apptest.ExpectCode(t, f.c.PostMQ(op, k, keys.TopicRotationPrecommit, commit(0, 2)), "", 0)
		apptest.ExpectCode(t, f.c.Deliver(authority, &keys.MsgRotate{}), "", 0)
		s := state(t, f.c)
		if len(s.Running.Members) != 2 || slices.ContainsFunc(s.Running.Members, func(m keys.Hex) bool { return [32]byte(m) == id(k) }) ||
			len(s.Running.Excluded) != 1 || [32]byte(s.Running.Excluded[0]) != id(k) {
			t.Fatalf("the equivocating member was elected: %+v", s.Running)
		}
		if len(s.Evidence) != 1 || s.Evidence[0].Check != keys.ErrEquivocation.Error() || s.Evidence[0].First[0] != 1 || s.Evidence[0].Second[0] != 2 {
			t.Fatalf("evidence %+v", s.Evidence)
		}
	})
}

func checkEquivocation(t *testing.T, f *rotFixture, res *abci.ExecTxResult, k ed25519.PrivateKey, round uint64) {
	t.Helper()
	if reason, excluded := abortedReason(res); !strings.Contains(reason, "equivocation") || excluded != hexOf(k) {
		t.Fatalf("aborted with reason %q excluding %q", reason, excluded)
	}
	s := state(t, f.c)
	if len(s.Evidence) != 1 || s.Evidence[0].Check != keys.ErrEquivocation.Error() || s.Evidence[0].Round != round || [32]byte(s.Evidence[0].Member) != id(k) {
		t.Fatalf("evidence %+v", s.Evidence)
	}
	if s.Running == nil || s.Running.Round != round+1 || len(s.Running.Members) != 2 || s.Generation.Number != 0 {
		t.Fatalf("round after the equivocation: %+v", s.Running)
	}
}

// TestIncompleteHistory: after generation 1, a new gatekeeper that proves
// only the current generation is refused as holding an incomplete history
// and is not elected; with every generation proven it holds the key and is.
func TestIncompleteHistory(t *testing.T) {
	f := newRotFixture(t, 3)
	late := f.c.RegisterSimWorker(t, op)
	rot := f.toConfirm(t)
	gen1 := newKey()
	for _, m := range rot.Members {
		apptest.ExpectCode(t, f.confirm(f.key(t, m), rot, gen1, f.master), "", 0)
	}
	apptest.ExpectCode(t, f.c.Deliver(authority, &keys.MsgAddGatekeeper{Worker: id(late)}), "", 0)
	for name, payload := range map[string][]byte{
		"current only":           confirmPayload(id(late), 1, gen1),
		"wrong older generation": confirmPayload(id(late), 1, gen1, gen1),
	} {
		res := f.c.PostMQ(op, late, keys.TopicConfirm, payload)
		apptest.ExpectCode(t, res, keys.Codespace, keys.ErrIncompleteHistory.Code)
		if !strings.Contains(res.Log, "incomplete master-key history") {
			t.Errorf("%s: log %q does not name the check", name, res.Log)
		}
	}
	// A rotation proof that leaves out generation 0 is refused the same way.
	apptest.ExpectCode(t, f.c.Deliver(authority, &keys.MsgRotate{}), "", 0)
	rot = f.commitAndReveal(t)
	if slices.ContainsFunc(rot.Members, func(m keys.Hex) bool { return [32]byte(m) == id(late) }) {
		t.Fatalf("a gatekeeper that never proved its history was elected: %+v", rot.Members)
	}
	apptest.ExpectCode(t, f.confirm(f.key(t, rot.Members[0]), rot, newKey(), gen1), keys.Codespace, keys.ErrIncompleteHistory.Code)
	apptest.ExpectCode(t, f.c.PostMQ(op, late, keys.TopicConfirm, confirmPayload(id(late), 1, gen1, f.master)), "", 0)
	for _, g := range state(t, f.c).Gatekeepers {
		if [32]byte(g.Worker) == id(late) && !g.Holds {
			t.Fatal("a complete proof did not make the gatekeeper a holder")
		}
	}
}

// TestRevealComplaint: a member whose reveal to another does not hold the
// contribution it committed to is caught by that member's complaint, which
// discloses the envelope's key so the chain can open that reveal. A
// complaint about a message that is no reveal, or with a key that does not
// open the reveal, is refused; a proven one keeps evidence and restarts the
// round without the sender.
func TestRevealComplaint(t *testing.T) {
	f := newRotFixture(t, 3)
	apptest.ExpectCode(t, f.c.Deliver(authority, &keys.MsgRotate{}), "", 0)
	rot := state(t, f.c).Running
	contrib := func(i int) []byte { return slices.Repeat([]byte{byte(i + 1)}, 32) }
	for i, m := range rot.Members {
		c := keys.CommitmentOf(apptest.ChainID, rot.Round, [32]byte(m), contrib(i))
		w := wire.NewWriter(48)
		w.Uvarint(rot.Round)
		w.Raw(c[:])
		apptest.ExpectCode(t, f.c.PostMQ(op, f.key(t, m), keys.TopicRotationCommit, w.Bytes()), "", 0)
	}
	// Member 1 reveals its committed contribution in real envelopes; the
	// others send bytes that are no envelope.
	for i, m := range rot.Members {
		w := wire.NewWriter(512)
		w.Uvarint(rot.Round)
		for _, other := range rot.Members {
			if string(other) == string(m) {
				continue
			}
			w.Raw(other)
			if i != 1 {
				w.VarBytes([]byte("not an envelope"))
				continue
			}
			var rec registry.Worker
			f.c.Query(registry.WorkerPath(registry.WorkerID(other)), &rec)
			pub, err := ecdh.X25519().NewPublicKey(rec.ECDHKey)
			if err != nil {
				t.Fatal(err)
			}
			env, err := envelope.Seal(pub, keys.PurposeRotationReveal, m, contrib(i))
			if err != nil {
				t.Fatal(err)
			}
			w.VarBytes(env.Encode())
		}
		apptest.ExpectCode(t, f.c.PostMQ(op, f.key(t, m), keys.TopicRotationReveal, w.Bytes()), "", 0)
	}
	// Member 0's inbox: registered, assigned, then member 1's and member
	// 2's reveals.
	complaint := func(seq uint64, key []byte) []byte {
		w := wire.NewWriter(64)
		w.Uvarint(rot.Round)
		w.Uvarint(seq)
		w.Raw(key)
		return w.Bytes()
	}
	complainer := f.key(t, rot.Members[0])
	for _, c := range []struct {
		seq  uint64
		want string
	}{{1, "is not a reveal"}, {2, "does not open"}} {
		res := f.c.PostMQ(op, complainer, keys.TopicRotationComplaint, complaint(c.seq, slices.Repeat([]byte{7}, 32)))
		apptest.ExpectCode(t, res, keys.Codespace, keys.ErrRotation.Code)
		if !strings.Contains(res.Log, c.want) {
			t.Errorf("complaint about message %d: %q, want %q", c.seq, res.Log, c.want)
		}
	}
	res := f.c.PostMQ(op, complainer, keys.TopicRotationComplaint, complaint(3, make([]byte, 32)))
	apptest.ExpectCode(t, res, "", 0)
	checkEquivocation(t, f, res, f.key(t, rot.Members[2]), rot.Round)
}
