package clusters_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/phalanetwork/phala/chain/apptest"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/registry"
)

var owner, stranger, op = apptest.NewAccount(1), apptest.NewAccount(2), apptest.NewAccount(3)

func id32(k ed25519.PrivateKey) [32]byte { return [32]byte(k.Public().(ed25519.PublicKey)) }

type fx struct {
	c      *apptest.Chain
	gk, w1 ed25519.PrivateKey
	master ed25519.PrivateKey
}

func setup(t *testing.T) *fx {
	c := apptest.New(t, []apptest.Account{owner, stranger, op}, map[string]any{
		registry.Name: apptest.SimRegistry(), keys.Name: keys.Genesis{Authority: owner.Addr},
	})
	f := &fx{c: c}
	f.gk, f.w1 = c.RegisterSimWorker(t, op), c.RegisterSimWorker(t, op)
	if res := c.Deliver(owner, &keys.MsgAddGatekeeper{Worker: id32(f.gk)}); res.Code != 0 {
		t.Fatal(res.Log)
	}
	var pub ed25519.PublicKey
	pub, f.master, _ = ed25519.GenerateKey(rand.Reader)
	w := wire.NewWriter(80)
	w.Uvarint(0)
	w.Raw(pub)
	w.Raw(make([]byte, 32))
	if res := c.PostMQ(op, f.gk, keys.TopicMasterPubKey, w.Bytes()); res.Code != 0 {
		t.Fatal(res.Log)
	}
	return f
}

func (f *fx) cluster(t *testing.T, id [32]byte) clusters.Cluster {
	var c clusters.Cluster
	if res := f.c.Query("/clusters/cluster/"+hex.EncodeToString(id[:]), &c); res.Code != 0 {
		t.Fatal(res.Log)
	}
	return c
}

func TestMembershipAndKeys(t *testing.T) {
	f := setup(t)
	if res := f.c.Deliver(owner, &clusters.MsgCreate{}); res.Code != 0 {
		t.Fatal(res.Log)
	}
	var list []clusters.Cluster
	f.c.Query("/clusters/list", &list)
	id := [32]byte(list[0].ID)
	w1 := id32(f.w1)

	apptest.ExpectCode(t, f.c.Deliver(stranger, &clusters.MsgMember{Cluster: id, Worker: w1}), clusters.Codespace, clusters.ErrNotOwner.Code)
	apptest.ExpectCode(t, f.c.Deliver(owner, &clusters.MsgMember{Cluster: id, Worker: [32]byte{7}}), clusters.Codespace, clusters.ErrUnknownWorker.Code)
	apptest.ExpectCode(t, f.c.Deliver(owner, &clusters.MsgMember{Cluster: [32]byte{7}, Worker: w1}), clusters.Codespace, clusters.ErrUnknownCluster.Code)
	if res := f.c.Deliver(owner, &clusters.MsgMember{Cluster: id, Worker: w1}); res.Code != 0 {
		t.Fatal(res.Log)
	}
	apptest.ExpectCode(t, f.c.Deliver(owner, &clusters.MsgMember{Cluster: id, Worker: w1}), clusters.Codespace, clusters.ErrAlreadyMember.Code)

	clusterPub, clusterKey, _ := ed25519.GenerateKey(rand.Reader)
	pubMsg := func(epoch uint64) []byte {
		w := wire.NewWriter(128)
		w.Raw(id[:])
		w.Uvarint(epoch)
		w.Uvarint(0)
		w.Raw(clusterPub)
		w.Raw(make([]byte, 32))
		return w.Bytes()
	}
	apptest.ExpectCode(t, f.c.PostMQ(op, f.w1, clusters.TopicPubKey, pubMsg(0)), clusters.Codespace, clusters.ErrNotHolder.Code)
	apptest.ExpectCode(t, f.c.PostMQ(op, f.gk, clusters.TopicPubKey, pubMsg(3)), clusters.Codespace, clusters.ErrWrongEpoch.Code)
	apptest.ExpectCode(t, f.c.PostMQ(op, f.gk, clusters.TopicPubKey, pubMsg(0)), "", 0)
	apptest.ExpectCode(t, f.c.PostMQ(op, f.gk, clusters.TopicPubKey, pubMsg(0)), clusters.Codespace, clusters.ErrKeysPublished.Code)

	dispatch := func(to [32]byte) []byte {
		w := wire.NewWriter(128)
		w.Raw(id[:])
		w.Uvarint(0)
		w.Raw(to[:])
		w.VarBytes([]byte("ciphertext"))
		return w.Bytes()
	}
	// The chain never relays a cluster key to a non-member.
	apptest.ExpectCode(t, f.c.PostMQ(op, f.gk, clusters.TopicDispatch, dispatch(id32(f.gk))), clusters.Codespace, clusters.ErrNotMember.Code)
	apptest.ExpectCode(t, f.c.PostMQ(op, f.gk, clusters.TopicDispatch, dispatch(w1)), "", 0)

	confirm := func(signer ed25519.PrivateKey, epoch uint64) []byte {
		w := wire.NewWriter(128)
		w.Raw(id[:])
		w.Uvarint(epoch)
		w.Raw(ed25519.Sign(signer, clusters.ConfirmSignBytes(apptest.ChainID, id, w1, epoch)))
		return w.Bytes()
	}
	apptest.ExpectCode(t, f.c.PostMQ(op, f.w1, clusters.TopicConfirm, confirm(f.w1, 0)), clusters.Codespace, clusters.ErrBadConfirm.Code)
	apptest.ExpectCode(t, f.c.PostMQ(op, f.w1, clusters.TopicConfirm, confirm(clusterKey, 0)), "", 0)
	if c := f.cluster(t, id); len(c.Holders) != 1 || c.Epoch != 0 {
		t.Fatalf("cluster %+v", c)
	}

	// Removal starts a new epoch with no keys and no holders; a late
	// confirmation of the old epoch is refused.
	if res := f.c.Deliver(owner, &clusters.MsgMember{Remove: true, Cluster: id, Worker: w1}); res.Code != 0 {
		t.Fatal(res.Log)
	}
	c := f.cluster(t, id)
	if c.Epoch != 1 || len(c.SignKey) != 0 || len(c.Holders) != 0 || len(c.Members) != 0 {
		t.Fatalf("after removal %+v", c)
	}
	apptest.ExpectCode(t, f.c.PostMQ(op, f.gk, clusters.TopicDispatch, dispatch(w1)), clusters.Codespace, clusters.ErrWrongEpoch.Code)
	apptest.ExpectCode(t, f.c.Deliver(owner, &clusters.MsgMember{Remove: true, Cluster: id, Worker: w1}), clusters.Codespace, clusters.ErrNotMember.Code)
}
