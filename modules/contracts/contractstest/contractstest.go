// Package contractstest sets up what contract and agent tests run on: a
// cluster of registered sim workers whose epoch key is published.
package contractstest

import (
	"crypto/ed25519"
	"crypto/rand"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanetwork/phala/chain/apptest"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/keys"
)

// Cluster is a cluster on a test chain, with the gatekeeper that publishes
// its keys and its members (sim workers run by one operator).
type Cluster struct {
	ID         [32]byte
	Gatekeeper ed25519.PrivateKey
	Members    []ed25519.PrivateKey
	// Key is the cluster key of the epoch published last.
	Key   ed25519.PrivateKey
	chain *apptest.Chain
	op    apptest.Account
}

// WorkerID is a sim worker's id: its identity public key.
func WorkerID(k ed25519.PrivateKey) [32]byte { return [32]byte(k.Public().(ed25519.PublicKey)) }

// NewCluster registers a gatekeeper and n members run by op; authority (the
// keys module's) adds the gatekeeper, which publishes a master key; then
// authority creates a cluster of the members and its epoch-0 key is
// published.
func NewCluster(t testing.TB, c *apptest.Chain, authority, op apptest.Account, n int) *Cluster {
	t.Helper()
	cl := &Cluster{chain: c, op: op, Gatekeeper: c.RegisterSimWorker(t, op)}
	for range n {
		cl.Members = append(cl.Members, c.RegisterSimWorker(t, op))
	}
	mustOK(t, "add gatekeeper", c.Deliver(authority, &keys.MsgAddGatekeeper{Worker: WorkerID(cl.Gatekeeper)}))
	masterPub, _, _ := ed25519.GenerateKey(rand.Reader)
	w := wire.NewWriter(80)
	w.Uvarint(0)
	w.Raw(masterPub)
	w.Raw(make([]byte, 32))
	mustOK(t, "master key", c.PostMQ(op, cl.Gatekeeper, keys.TopicMasterPubKey, w.Bytes()))
	mustOK(t, "create cluster", c.Deliver(authority, &clusters.MsgCreate{}))
	var list []clusters.Cluster
	c.Query("/clusters/list", &list)
	cl.ID = [32]byte(list[0].ID)
	for _, m := range cl.Members {
		mustOK(t, "add member", c.Deliver(authority, &clusters.MsgMember{Cluster: cl.ID, Worker: WorkerID(m)}))
	}
	cl.PublishKey(t, 0)
	return cl
}

// PublishKey has the gatekeeper publish a new cluster key for epoch and
// returns it (also in Key).
func (cl *Cluster) PublishKey(t testing.TB, epoch uint64) ed25519.PrivateKey {
	t.Helper()
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	w := wire.NewWriter(128)
	w.Raw(cl.ID[:])
	w.Uvarint(epoch)
	w.Uvarint(0)
	w.Raw(pub)
	w.Raw(make([]byte, 32))
	mustOK(t, "cluster key", cl.chain.PostMQ(cl.op, cl.Gatekeeper, clusters.TopicPubKey, w.Bytes()))
	cl.Key = key
	return key
}

func mustOK(t testing.TB, what string, res *abci.ExecTxResult) {
	t.Helper()
	if res.Code != 0 {
		t.Fatalf("%s: %s", what, res.Log)
	}
}
