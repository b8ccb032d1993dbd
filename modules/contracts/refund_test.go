package contracts_test

import (
	"encoding/json"
	"testing"

	"github.com/phalanetwork/phala/chain/apptest"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/crypto/envelope"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/pha"
)

// TestHeldFeeRefunded: a command whose input never reaches a root
// majority (the replicas are down, or disagree) does not keep its sender's
// fee forever: fee_refund_blocks after the command the fee goes back to
// the sender, and a majority that forms later pays nobody twice.
func TestHeldFeeRefunded(t *testing.T) {
	f := setup(t)
	k := newContractKeys()
	apptest.ExpectCode(t, f.c.PostMQ(op, f.members[0], contracts.TopicPubKeys, f.pubKeyMsg(0, k, f.clusterKey)), "", 0)
	var params map[string]json.RawMessage
	f.c.Query("/contracts/params", &params)
	wait := int64(50) // what main would need to show a refund, if it had one
	if raw, ok := params["fee_refund_blocks"]; ok {
		if err := json.Unmarshal(raw, &wait); err != nil {
			t.Fatal(err)
		}
	}
	balance := func(a address.Address) pha.Amount {
		var r balances.AccountResponse
		f.c.Query("/balances/account/"+a.String(), &r)
		return r.Balance
	}
	before, held := balance(alice.Addr), balance(contracts.FeeAccount)
	apptest.ExpectCode(t, f.c.Deliver(alice, &contracts.MsgExec{Contract: f.contract, Envelope: command(t, k.ecdh.PublicKey(), envelope.PurposeContractCommand, cmdSender(alice.Addr))}), "", 0)
	sent := f.c.Height
	fee := apptest.Sub(t, before, balance(alice.Addr)) // the tx fee and the command fee
	if got := balance(contracts.FeeAccount); got != apptest.Add(t, held, testParams.CommandFee) {
		t.Fatalf("fee account %s after the command, want %s held", got.PHA(), testParams.CommandFee.PHA())
	}
	for f.c.Height < sent+wait-1 {
		f.c.Block()
	}
	if got := balance(contracts.FeeAccount); got != apptest.Add(t, held, testParams.CommandFee) {
		t.Fatalf("fee refunded early, at %d of %d blocks", f.c.Height-sent, wait)
	}
	f.c.Block()
	if got := balance(contracts.FeeAccount); got != held {
		t.Fatalf("%d blocks after a command no majority answered, the fee account still holds %s: the fee is held forever", f.c.Height-sent, got.PHA())
	}
	if got, want := balance(alice.Addr), apptest.Add(t, apptest.Sub(t, before, fee), testParams.CommandFee); got != want {
		t.Fatalf("alice has %s, want %s: the held fee back", got.PHA(), want.PHA())
	}
	// A majority that forms after the refund pays nothing more.
	w := wire.NewWriter(80)
	w.Raw(f.contract[:])
	w.Uvarint(1)
	w.Raw(make([]byte, 32))
	for _, m := range f.members[:2] {
		apptest.ExpectCode(t, f.c.PostMQ(op, m, contracts.TopicRoot, w.Bytes()), "", 0)
	}
	if got := balance(contracts.FeeAccount); got != held {
		t.Fatalf("fee account %s after a late majority, want %s", got.PHA(), held.PHA())
	}
}
