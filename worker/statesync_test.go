package worker_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/phalanetwork/phala/devnet"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/pha"
)

// TestLateJoinerGetsContractState: a worker added to a cluster after two
// master-key rotations and 50 contract inputs cannot replay the inputs
// sealed under the epochs before it (it never held those keys); it gets
// the contract's state from a member as a snapshot sealed under the
// cluster key, checks it against the root on chain, and then serves the
// same state as the others and goes on from there without diverging.
func TestLateJoinerGetsContractState(t *testing.T) {
	e := &contractEnv{logs: &lockedBuffer{}}
	e.d, e.c = startDevnet(t, devnet.Options{Workers: 4, Gatekeepers: 1}, e.logs)
	e.home = e.d.Home
	e.alice, _ = e.d.Keyring.PrivKey("alice")
	e.bob, _ = e.d.Keyring.PrivKey("bob")
	ctx := context.Background()
	for _, w := range e.d.Workers {
		<-w.Registered()
	}
	if _, err := e.c.Send(ctx, e.alice, pha.Amount{}, "", &clusters.MsgCreate{}); err != nil {
		t.Fatal(err)
	}
	var list []clusters.Cluster
	if _, err := e.c.Query(ctx, "/clusters/list", &list); err != nil || len(list) != 1 {
		t.Fatalf("clusters: %v %+v", err, list)
	}
	e.cluster = [32]byte(list[0].ID)
	w1, w2, late := e.d.Workers[1], e.d.Workers[2], e.d.Workers[3]
	if _, err := e.c.Send(ctx, e.alice, pha.Amount{}, "",
		&clusters.MsgMember{Cluster: e.cluster, Worker: w1.ID()},
		&clusters.MsgMember{Cluster: e.cluster, Worker: w2.ID()}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "both members to hold the cluster key", func() (bool, error) {
		return len(clusterRecord(e.c, e.cluster).Holders) == 2, nil
	})
	token := e.deploy(t, "../examples/contracts/token/token.ts", `{"supply":1000}`)
	bob := addr(e.bob)
	authority, _ := e.d.Keyring.PrivKey(devnet.AuthorityAccount)
	transfers := func(n int) {
		for range n {
			if r := e.exec(t, e.alice, token, `{"transfer":{"to":"`+bob+`","amount":1}}`); !r.OK {
				t.Fatalf("transfer: %+v", r)
			}
		}
	}
	for epoch := uint64(1); epoch <= 2; epoch++ {
		transfers(25)
		if _, err := e.c.Send(ctx, authority, pha.Amount{}, "", &keys.MsgRotate{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "cluster epoch "+strconv.FormatUint(epoch, 10)+" held by both members", func() (bool, error) {
			cl := clusterRecord(e.c, e.cluster)
			return cl.Epoch == epoch && len(cl.Holders) == 2, nil
		})
	}
	if _, err := e.c.Send(ctx, e.alice, pha.Amount{}, "", &clusters.MsgMember{Cluster: e.cluster, Worker: late.ID()}); err != nil {
		t.Fatal(err)
	}
	queryOn := func(w [32]byte) (string, error) {
		qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		r, err := e.c.QueryContract(qctx, e.alice, token, []byte(`{}`), w)
		if err != nil {
			return "", err
		}
		return string(r.Value), nil
	}
	eventually(t, "the late joiner to serve alice's balance after 50 transfers", func() (bool, error) {
		v, err := queryOn([32]byte(late.ID()))
		return v == "950", err
	})
	// It goes on from the snapshot's input with the others: one more
	// transfer, the same balance on every member, and no divergence.
	transfers(1)
	for _, w := range []([32]byte){[32]byte(w1.ID()), [32]byte(w2.ID()), [32]byte(late.ID())} {
		eventually(t, "every member at 949", func() (bool, error) {
			v, err := queryOn(w)
			return v == "949", err
		})
	}
	eventually(t, "the late joiner's root to join the majority", func() (bool, error) {
		rec, err := e.c.Contract(ctx, token)
		if err != nil {
			return false, err
		}
		rep, err := e.c.ContractRoots(ctx, token, rec.Inputs-1)
		return err == nil && len(rep.Votes) == 3 && len(rep.Diverged) == 0, err
	})
	if d, err := e.c.ContractDivergences(ctx, token); err != nil || len(d) != 0 {
		t.Fatalf("divergences %+v %v", d, err)
	}
}
