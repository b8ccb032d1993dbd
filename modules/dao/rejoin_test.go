package dao_test

import (
	"crypto/ed25519"
	"strings"
	"testing"

	"github.com/phalanetwork/phala/chain/apptest"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/dao"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/tee"
	"github.com/phalanetwork/phala/tee/sim"
)

// TestRemovedOrRetiredGatekeeperCannotRejoin: a gatekeeper the DAO
// removed, and one retired with its build, lack the generation the removal
// started, and are out of the set: neither may ask for the master-key
// history (keys/rejoin), and the holder cannot share it to either. Each
// refusal names why.
func TestRemovedOrRetiredGatekeeperCannotRejoin(t *testing.T) {
	g := apptest.SimRegistry()
	old := sim.Measure("old build")
	g.Params.Measurements = append(g.Params.Measurements, registry.Measurement{TEE: tee.KindSim, Value: old[:]})
	c := newChain(t, g, keys.Genesis{GatekeeperOperators: []address.Address{carol.Addr, alice.Addr, bob.Addr}})
	holder := c.RegisterSimWorker(t, carol)
	removed := c.RegisterSimWorker(t, alice)
	retired := c.RegisterSimWorkerRunning(t, bob, "old build")
	pay := wire.NewWriter(80)
	pay.Uvarint(0)
	pay.Raw(make([]byte, 32))
	pay.Raw(make([]byte, 32))
	mustOK(t, c.PostMQ(carol, holder, keys.TopicMasterPubKey, pay.Bytes()))
	if p := run(t, c, dao.Action{Kind: dao.KindRemoveGatekeeper, Worker: registry.HexBytes(removed.Public().(ed25519.PublicKey))}, dao.VoteYes, 0); p.Status != dao.StatusEnacted {
		t.Fatalf("remove gatekeeper: %+v", p)
	}
	if p := run(t, c, dao.Action{Kind: dao.KindRemoveMeasurement, Measurement: &registry.Measurement{TEE: tee.KindSim, Value: old[:]}}, dao.VoteYes, 0); p.Status != dao.StatusEnacted {
		t.Fatalf("remove measurement: %+v", p)
	}
	if st := keysState(t, c); len(st.Gatekeepers) != 1 {
		t.Fatalf("gatekeepers %+v", st.Gatekeepers)
	}
	share := func(to ed25519.PrivateKey) []byte {
		w := wire.NewWriter(64)
		w.Raw(to.Public().(ed25519.PublicKey))
		w.VarBytes([]byte("sealed history"))
		return w.Bytes()
	}
	for _, tc := range []struct {
		name      string
		from      ed25519.PrivateKey
		topic     string
		payload   []byte
		codespace string
		code      uint32
		why       string
	}{
		{"the removed gatekeeper's request", removed, keys.TopicRejoin, nil, keys.Codespace, keys.ErrNotGatekeeper.Code, "not a gatekeeper"},
		{"a share to the removed gatekeeper", holder, keys.TopicShare, share(removed), keys.Codespace, keys.ErrNotGatekeeper.Code, "recipient"},
		{"the retired gatekeeper's request", retired, keys.TopicRejoin, nil, mq.Codespace, mq.ErrRetiredOrigin.Code, "retired at height"},
		{"a share to the retired gatekeeper", holder, keys.TopicShare, share(retired), keys.Codespace, keys.ErrNotGatekeeper.Code, "recipient"},
	} {
		res := c.PostMQ(carol, tc.from, tc.topic, tc.payload)
		apptest.ExpectCode(t, res, tc.codespace, tc.code)
		if !strings.Contains(res.Log, tc.why) {
			t.Errorf("%s refused with %q, want it to name %q", tc.name, res.Log, tc.why)
		}
	}
}
