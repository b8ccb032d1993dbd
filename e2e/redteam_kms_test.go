package e2e

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/phalanetwork/phala/chain/app"
	"github.com/phalanetwork/phala/client"
	"github.com/phalanetwork/phala/keyring"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/pruntime"
	"github.com/phalanetwork/phala/tee"
	"github.com/phalanetwork/phala/tee/teefake"
)

// TestRedTeamKMS attacks the gatekeepers' key-management service for TDX
// sealing keys the way an operator with root on a worker host would: with
// the same fake TDX hardware the chain trusts, their own accounts, and the
// real chain. Each request is refused at submission naming its check, no
// request reaches the gatekeepers, and no sealing key answer is written
// for the attacker's ephemeral keys; the honest TDX worker still gets its
// key.
func TestRedTeamKMS(t *testing.T) {
	h := newHarness(t)
	n := h.startFakeTEENet()
	home, tdxID, sevID := n.home, n.tdxID, n.sevID
	c := newClient(t, n.url)
	honest, err := registry.ParseWorkerID(tdxID)
	if err != nil {
		t.Fatal(err)
	}
	sevWorker, _ := registry.ParseWorkerID(sevID)

	gen := homeGenesis(t, home)
	genesisHash := pruntime.GenesisHash(gen)
	kr, err := keyring.Open(home, keyring.BackendTest, nil)
	if err != nil {
		t.Fatal(err)
	}
	carol, err := kr.PrivKey("carol") // the honest TDX worker's operator: root on its host
	if err != nil {
		t.Fatal(err)
	}
	bob, _ := kr.PrivKey("bob")

	// request attests with the fake TDX hardware running code, binding
	// (genesis, bindWorker, bindEph), and names worker with ephemeral eph.
	request := func(code string, worker, bindWorker registry.WorkerID, eph, bindEph [32]byte) *registry.MsgRequestSealingKey {
		p, err := teefake.Provider(tee.KindTDX, teefake.Options{Code: code, Config: genesisHash}, nil)
		if err != nil {
			t.Fatal(err)
		}
		att, err := tee.Attest(p, registry.KMSReportData(genesisHash, bindWorker, bindEph[:]))
		if err != nil {
			t.Fatal(err)
		}
		return &registry.MsgRequestSealingKey{Worker: worker, Ephemeral: eph, Attestation: att}
	}
	newEph := func() [32]byte {
		k, err := ecdh.X25519().GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return [32]byte(k.PublicKey().Bytes())
	}
	var stranger registry.WorkerID
	rand.Read(stranger[:])
	code := pruntime.SimCode
	e1, e2, e3, e4, e5, e6 := newEph(), newEph(), newEph(), newEph(), newEph(), newEph()
	garbage := request(code, honest, honest, e3, e3)
	garbage.Attestation.Evidence = append([]byte(nil), garbage.Attestation.Evidence...)
	garbage.Attestation.Evidence[len(garbage.Attestation.Evidence)-1] ^= 0xff
	cases := []struct {
		name   string
		sender string
		msg    *registry.MsgRequestSealingKey
		want   string
	}{
		{"unregistered worker", "carol", request(code, stranger, stranger, e1, e1), "registered worker: " + stranger.String() + " is not registered"},
		{"wrong measurement", "carol", request("evil-pruntime", honest, honest, e2, e2), "measurement: attested tdx"},
		{"unattested", "carol", garbage, "attestation:"},
		{"another operator's worker", "bob", request(code, honest, honest, e4, e4), "operator: worker " + honest.String() + " belongs to"},
		{"quote binds another ephemeral key", "carol", request(code, honest, honest, e5, e1), "report data: the quote does not bind this chain, worker and ephemeral key"},
		{"not a TDX worker", "bob", request(code, sevWorker, sevWorker, e6, e6), "tee kind: worker " + sevWorker.String() + " is sev-snp"},
	}
	attacker := map[[32]byte]bool{}
	for _, tc := range cases {
		attacker[tc.msg.Ephemeral] = true
		key := carol
		if tc.sender == "bob" {
			key = bob
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		_, err := c.Send(ctx, key, pha.Amount{}, "", tc.msg)
		cancel()
		if err == nil || !strings.Contains(err.Error(), "sealing key request refused") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want a refusal naming %q", tc.name, err, tc.want)
		}
	}

	// No attacker request is pending for the gatekeepers, and no answer
	// sealed to an attacker's ephemeral key is on chain.
	var reqs []registry.KMSRequest
	if raw := rawState(t, c, registry.KMSRequestsKey()); raw != nil {
		json.Unmarshal(raw, &reqs)
	}
	for _, r := range reqs {
		if attacker[[32]byte(r.Ephemeral)] {
			t.Errorf("an attacker's request is pending: %+v", r)
		}
	}
	for _, id := range []registry.WorkerID{honest, stranger, sevWorker} {
		raw := rawState(t, c, registry.KMSReplyKey(id))
		if raw == nil {
			continue
		}
		var rep registry.KMSReply
		if json.Unmarshal(raw, &rep) == nil && attacker[[32]byte(rep.Ephemeral)] {
			t.Errorf("a sealing key was answered to an attacker's ephemeral key for %s", id)
		}
	}
}

// rawState reads a raw state value through the node's /store query.
func rawState(t *testing.T, c *client.Client, key []byte) []byte {
	t.Helper()
	res, err := c.RPC.ABCIQuery(context.Background(), app.PathStore, key)
	if err != nil || res.Response.Code != 0 {
		t.Fatalf("state %q: %v %+v", key, err, res)
	}
	return res.Response.Value
}
