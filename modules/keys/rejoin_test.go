package keys_test

import (
	"crypto/ed25519"
	"slices"
	"strings"
	"testing"

	"github.com/phalanetwork/phala/chain/apptest"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/modules/keys"
)

// leaveOut runs a rotation whose first round the last n members do not
// commit to (their workers are down): past the deadline the round restarts
// without them and the rest make generation 1, whose key it returns with
// the members left out.
func (f *rotFixture) leaveOut(t *testing.T, n int) (left []ed25519.PrivateKey, gen1 ed25519.PrivateKey) {
	t.Helper()
	apptest.ExpectCode(t, f.c.Deliver(authority, &keys.MsgRotate{}), "", 0)
	rot := state(t, f.c).Running
	live := len(rot.Members) - n
	for i, m := range rot.Members {
		if i >= live {
			left = append(left, f.key(t, m))
			continue
		}
		f.commitZero(t, m, rot.Round)
	}
	for f.c.Height <= rot.Deadline {
		f.c.Block()
	}
	rot = f.commitAndReveal(t)
	gen1 = newKey()
	for _, m := range rot.Members {
		apptest.ExpectCode(t, f.confirm(f.key(t, m), rot, gen1, f.master), "", 0)
	}
	if s := state(t, f.c); s.Generation.Number != 1 || len(s.Generation.Excluded) != n {
		t.Fatalf("generation 1 should leave %d out: %+v", n, s.Generation)
	}
	return left, gen1
}

// sharePayload is a keys/share to worker to with an opaque envelope.
func sharePayload(to ed25519.PrivateKey) []byte {
	w := wire.NewWriter(64)
	w.Raw(to.Public().(ed25519.PublicKey))
	w.VarBytes([]byte("sealed history"))
	return w.Bytes()
}

// gatekeeperOf is the state record of gatekeeper k.
func gatekeeperOf(t *testing.T, f *rotFixture, k ed25519.PrivateKey) keys.Gatekeeper {
	t.Helper()
	for _, g := range state(t, f.c).Gatekeepers {
		if [32]byte(g.Worker) == id(k) {
			return g
		}
	}
	t.Fatalf("no gatekeeper %x", id(k))
	return keys.Gatekeeper{}
}

// TestRejoinAfterLeftOut: two gatekeepers down during a rotation are left
// out of generation 1. Neither gets a share before it asks; once back, each
// asks (keys/rejoin); a gatekeeper that does not hold the key cannot share
// to it, a holder can; with the whole history proven the first holds the
// key again and the next rotation elects it, while the one that asked and
// proved nothing stays out.
func TestRejoinAfterLeftOut(t *testing.T) {
	f := newRotFixture(t, 4)
	left, gen1 := f.leaveOut(t, 2)
	back, other := left[0], left[1]
	var holder ed25519.PrivateKey
	for _, g := range state(t, f.c).Gatekeepers {
		if g.Holds {
			holder = f.key(t, g.Worker)
			break
		}
	}
	// Not asked for: the gatekeeper may still be down.
	res := f.c.PostMQ(op, holder, keys.TopicShare, sharePayload(back))
	apptest.ExpectCode(t, res, keys.Codespace, keys.ErrBadShare.Code)
	if !strings.Contains(res.Log, "has not asked to rejoin") {
		t.Fatalf("share before the request refused with %q", res.Log)
	}
	for _, k := range left {
		apptest.ExpectCode(t, f.c.PostMQ(op, k, keys.TopicRejoin, nil), "", 0)
		if g := gatekeeperOf(t, f, k); g.RejoinHeight != f.c.Height || g.Holds {
			t.Fatalf("request not recorded: %+v", g)
		}
	}
	apptest.ExpectCode(t, f.c.PostMQ(op, back, keys.TopicRejoin, nil), keys.Codespace, keys.ErrBadShare.Code) // asked already
	// A gatekeeper without the key cannot share, even to one that asked.
	res = f.c.PostMQ(op, other, keys.TopicShare, sharePayload(back))
	apptest.ExpectCode(t, res, keys.Codespace, keys.ErrBadShare.Code)
	if !strings.Contains(res.Log, "does not hold the master key") {
		t.Fatalf("share by a non-holder refused with %q", res.Log)
	}
	apptest.ExpectCode(t, f.c.PostMQ(op, holder, keys.TopicShare, sharePayload(back)), "", 0)
	// Its enclave proves the whole history: it holds the key again.
	apptest.ExpectCode(t, f.c.PostMQ(op, back, keys.TopicConfirm, confirmPayload(id(back), 1, gen1, f.master)), "", 0)
	if g := gatekeeperOf(t, f, back); !g.Holds || g.RejoinHeight != 0 {
		t.Fatalf("the gatekeeper back with the whole history: %+v", g)
	}
	apptest.ExpectCode(t, f.c.PostMQ(op, back, keys.TopicRejoin, nil), keys.Codespace, keys.ErrBadShare.Code) // holds it
	apptest.ExpectCode(t, f.c.Deliver(authority, &keys.MsgRotate{}), "", 0)
	rot := state(t, f.c).Running
	elected := func(k ed25519.PrivateKey) bool {
		return slices.ContainsFunc(rot.Members, func(m keys.Hex) bool { return [32]byte(m) == id(k) })
	}
	if !elected(back) || elected(other) || len(rot.Members) != 3 {
		t.Fatalf("round %d elected %x; want the gatekeeper back and not the one that proved nothing", rot.Round, rot.Members)
	}
}
