package contracts_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/phalanetwork/phala/chain/apptest"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/crypto/envelope"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/modules/mq"
)

// pruneParams are testParams with short windows, so a test sees several
// of them pass.
func pruneParams() contracts.Params {
	p := testParams
	p.CommandWindowBlocks, p.RetainResultBlocks = 10, 40
	return p
}

// countKeys counts the state keys under prefix.
func countKeys(f *fx, prefix []byte) int {
	n := 0
	f.c.App.Store().Iterate(prefix, func(_, _ []byte) bool { n++; return true })
	return n
}

// TestExpiredEnvelopeRefusedAfterPruning is the replay attack on a pruned
// seen record: the chain keeps a command's seen record only until the
// envelope's expiry height, and a sender (or anyone holding the
// transaction's key) who submits the same envelope after that is refused
// as expired, not run twice. An envelope without an expiry, or with one
// past the command window (which would keep its seen record for ever), is
// refused too.
func TestExpiredEnvelopeRefusedAfterPruning(t *testing.T) {
	p := pruneParams()
	f := setupParams(t, p)
	k := newContractKeys()
	apptest.ExpectCode(t, f.c.PostMQ(op, f.members[0], contracts.TopicPubKeys, f.pubKeyMsg(0, k, f.clusterKey)), "", 0)
	pub := k.ecdh.PublicKey()
	exec := func(sender []byte) *contracts.MsgExec {
		return &contracts.MsgExec{Contract: f.contract, Envelope: command(t, pub, envelope.PurposeContractCommand, sender)}
	}
	h := f.c.Height
	cases := []struct {
		name string
		msg  *contracts.MsgExec
		want uint32
	}{
		{"no expiry", exec(alice.Addr[:]), contracts.ErrBadExpiry.Code},
		{"expiry past the window", exec(contracts.CommandSender(alice.Addr, h+10*p.CommandWindowBlocks)), contracts.ErrBadExpiry.Code},
		{"already expired", exec(contracts.CommandSender(alice.Addr, h)), contracts.ErrCommandExpired.Code},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if res := f.c.Deliver(alice, tc.msg); res.Code != tc.want {
				t.Fatalf("code %d (%s), want %d", res.Code, res.Log, tc.want)
			}
		})
	}
	expires := f.c.Height + 5
	good := exec(contracts.CommandSender(alice.Addr, expires))
	apptest.ExpectCode(t, f.c.Deliver(alice, good), "", 0)
	apptest.ExpectCode(t, f.c.Deliver(alice, good), contracts.Codespace, contracts.ErrReplayedCommand.Code)
	seen := []byte("contracts/seen/")
	if countKeys(f, seen) != 1 {
		t.Fatalf("%d seen records, want 1", countKeys(f, seen))
	}
	for f.c.Height <= expires {
		f.c.Block()
	}
	if n := countKeys(f, seen); n != 0 {
		t.Fatalf("%d seen records after the envelope expired, want 0: seen records grow for ever", n)
	}
	res := f.c.Deliver(alice, good)
	apptest.ExpectCode(t, res, contracts.Codespace, contracts.ErrCommandExpired.Code)
	if !bytes.Contains([]byte(res.Log), []byte(fmt.Sprintf("expiry height %d", expires))) {
		t.Fatalf("refusal %q does not name the expiry height", res.Log)
	}
	if c := f.contractRecord(t); c.Inputs != 2 {
		t.Fatalf("contract has %d inputs, want 2: the replayed command was queued", c.Inputs)
	}
}

// TestStateBoundedUnderInputStream runs a long stream of commands, each
// answered and agreed on by a majority of the replicas, and checks that
// the contract's per-input state (results, root tallies, seen records,
// input messages and the queues that prune them) stops growing once the
// windows pass, while the latest majority root stays for late joiners.
func TestStateBoundedUnderInputStream(t *testing.T) {
	p := pruneParams()
	f := setupParams(t, p)
	k := newContractKeys()
	apptest.ExpectCode(t, f.c.PostMQ(op, f.members[0], contracts.TopicPubKeys, f.pubKeyMsg(0, k, f.clusterKey)), "", 0)
	origin := contracts.ContractOrigin(f.contract)
	inputsPrefix := mq.EgressMessageKey(origin, 0)
	inputsPrefix = inputsPrefix[:len(inputsPrefix)-8]
	// The cluster's activity queue gets one notice per input.
	activityPrefix := mq.EgressMessageKey(mq.Origin{Kind: mq.OriginCluster, ID: f.cluster}, 0)
	activityPrefix = activityPrefix[:len(activityPrefix)-8]
	prefixes := [][]byte{[]byte("contracts/r/"), []byte("contracts/roots/"), []byte("contracts/seen"), []byte("contracts/prune/"), []byte("contracts/actprune/"), inputsPrefix, activityPrefix}
	perInput := func() int {
		n := 0
		for _, pre := range prefixes {
			n += countKeys(f, pre)
		}
		return n
	}
	root := func(in uint64) []byte {
		w := wire.NewWriter(80)
		w.Raw(f.contract[:])
		w.Uvarint(in)
		w.Raw(bytes.Repeat([]byte{byte(in)}, 32))
		return w.Bytes()
	}
	const inputs = 240
	var mid int
	for in := uint64(0); in <= inputs; in++ {
		if in > 0 {
			env := command(t, k.ecdh.PublicKey(), envelope.PurposeContractCommand, contracts.CommandSender(alice.Addr, f.c.Height+1+p.CommandWindowBlocks))
			apptest.ExpectCode(t, f.c.Deliver(alice, &contracts.MsgExec{Contract: f.contract, Envelope: env}), "", 0)
		}
		apptest.ExpectCode(t, f.c.PostMQFrom(op, origin, k.sign, in, contracts.TopicResult, f.result(in, true)), "", 0)
		for _, m := range f.members[:2] {
			apptest.ExpectCode(t, f.c.PostMQ(op, m, contracts.TopicRoot, root(in)), "", 0)
		}
		if in == inputs/2 {
			mid = perInput()
		}
	}
	end := perInput()
	t.Logf("per-input state keys: %d at input %d, %d at input %d", mid, inputs/2, end, inputs)
	if end > mid {
		t.Fatalf("per-input state grew from %d keys at input %d to %d at input %d: it is not bounded", mid, inputs/2, end, inputs)
	}
	// 4 blocks per input: about retain/4 inputs keep their records.
	if limit := 5 * int(p.RetainResultBlocks); end > limit {
		t.Fatalf("%d per-input keys, want at most %d for a %d-block window", end, limit, p.RetainResultBlocks)
	}
	id := hex.EncodeToString(f.contract[:])
	var r contracts.Result
	if res := f.c.Query("/contracts/result/"+id+"/1", &r); res.Code == 0 {
		t.Fatalf("result of input 1 is still on chain %d blocks later", f.c.Height)
	}
	if res := f.c.Query(fmt.Sprintf("/contracts/result/%s/%d", id, inputs), &r); res.Code != 0 || !r.OK {
		t.Fatalf("latest result: %+v %s", r, res.Log)
	}
	var rep contracts.RootReport
	if res := f.c.Query(fmt.Sprintf("/contracts/roots/%s/%d", id, inputs), &rep); res.Code != 0 || len(rep.Majority) == 0 {
		t.Fatalf("latest majority root: %+v %s", rep, res.Log)
	}
	// Once the last input's window passes too, its result goes but its
	// tally stays: it is the latest majority, the one a late joiner's
	// snapshot is checked against.
	for range p.RetainResultBlocks {
		f.c.Block()
	}
	if res := f.c.Query(fmt.Sprintf("/contracts/result/%s/%d", id, inputs), &r); res.Code == 0 {
		t.Fatalf("result of input %d is still on chain after its window", inputs)
	}
	if res := f.c.Query(fmt.Sprintf("/contracts/roots/%s/%d", id, inputs), &rep); res.Code != 0 || len(rep.Majority) == 0 {
		t.Fatalf("the latest majority root was pruned: %+v %s", rep, res.Log)
	}
	if n := countKeys(f, []byte("contracts/roots/")); n != 1 {
		t.Fatalf("%d root tallies left, want only the latest majority's", n)
	}
	// A late vote on a pruned input changes nothing and stores nothing.
	before := perInput()
	apptest.ExpectCode(t, f.c.PostMQ(op, f.members[2], contracts.TopicRoot, root(1)), "", 0)
	if perInput() != before {
		t.Fatal("a late root vote on a pruned input stored a tally again")
	}
}
