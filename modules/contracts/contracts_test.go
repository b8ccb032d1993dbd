package contracts_test

import (
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/phalanetwork/phala/chain/apptest"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/crypto/envelope"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/clusters"
	"github.com/phalanetwork/phala/modules/contracts"
	"github.com/phalanetwork/phala/modules/contracts/contractstest"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/mq"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/pha"
)

var owner, alice, op = apptest.NewAccount(1), apptest.NewAccount(2), apptest.NewAccount(3)

// testParams keep code small so an oversize upload still fits a transaction.
var testParams = contracts.Params{MaxCodeSize: 4096, MaxInputSize: 16 << 10, CommandGas: 1_000_000, CommandFee: pha.Whole(1), FeeTreasuryBps: 2000, FeeRefundBlocks: 50}

func id32(k ed25519.PrivateKey) [32]byte { return contractstest.WorkerID(k) }

// fx is a chain with a gatekeeper, a cluster of three members whose epoch
// key is published, and a contract instantiated in it.
type fx struct {
	c          *apptest.Chain
	cl         *contractstest.Cluster
	gk         ed25519.PrivateKey
	members    []ed25519.PrivateKey
	cluster    [32]byte
	clusterKey ed25519.PrivateKey
	code       [32]byte
	contract   [32]byte
}

func setup(t *testing.T) *fx { return setupParams(t, testParams) }

// setupParams is setup with other module params.
func setupParams(t *testing.T, p contracts.Params) *fx {
	c := apptest.New(t, []apptest.Account{owner, alice, op}, map[string]any{
		registry.Name: apptest.SimRegistry(), keys.Name: keys.Genesis{Authority: owner.Addr},
		contracts.Name: contracts.Genesis{Params: &p},
	})
	cl := contractstest.NewCluster(t, c, owner, op, 3)
	f := &fx{c: c, cl: cl, gk: cl.Gatekeeper, members: cl.Members, cluster: cl.ID, clusterKey: cl.Key}
	ok := func(what string, code uint32, log string) {
		t.Helper()
		if code != 0 {
			t.Fatalf("%s: %s", what, log)
		}
	}
	code := []byte("export function handle(ctx, cmd) { return cmd }")
	f.code = sha256.Sum256(code)
	res := c.Deliver(owner, &contracts.MsgUpload{Code: code})
	ok("upload", res.Code, res.Log)
	res = c.Deliver(owner, &contracts.MsgInstantiate{Code: f.code, Cluster: f.cluster, Args: []byte(`{"supply":100}`), Upgradable: true})
	ok("instantiate", res.Code, res.Log)
	var cs []contracts.Contract
	c.Query("/contracts/list", &cs)
	f.contract = [32]byte(cs[0].ID)
	return f
}

func (f *fx) publishClusterKey(t *testing.T, epoch uint64) {
	t.Helper()
	f.clusterKey = f.cl.PublishKey(t, epoch)
}

func (f *fx) contractRecord(t *testing.T) contracts.Contract {
	t.Helper()
	return apptest.MustQuery[contracts.Contract](t, f.c, "/contracts/contract/"+hex.EncodeToString(f.contract[:]))
}

// contractKeys is a contract's key pair as a member would derive it.
type contractKeys struct {
	sign ed25519.PrivateKey
	ecdh *ecdh.PrivateKey
}

func newContractKeys() contractKeys {
	_, s, _ := ed25519.GenerateKey(rand.Reader)
	e, _ := ecdh.X25519().GenerateKey(rand.Reader)
	return contractKeys{sign: s, ecdh: e}
}

func (f *fx) pubKeyMsg(epoch uint64, k contractKeys, signer ed25519.PrivateKey) []byte {
	p := contracts.PubKeysPayload{Cluster: f.cluster, Epoch: epoch, Entries: []contracts.PubKeyEntry{{
		Contract: f.contract, Sign: [32]byte(k.sign.Public().(ed25519.PublicKey)), ECDH: [32]byte(k.ecdh.PublicKey().Bytes()),
	}}}
	p.Signature = ed25519.Sign(signer, p.SignBytes(apptest.ChainID))
	return p.Encode()
}

// cmdSender is the envelope sender of a test command: the address, with an
// expiry height within the command window of these short test chains.
func cmdSender(a address.Address) []byte { return contracts.CommandSender(a, 500) }

func command(t *testing.T, to *ecdh.PublicKey, purpose string, sender []byte) []byte {
	t.Helper()
	env, err := envelope.Seal(to, purpose, sender, []byte(`{"op":"mint"}`))
	if err != nil {
		t.Fatal(err)
	}
	return env.Encode()
}

func (f *fx) result(in uint64, ok bool) []byte {
	p := contracts.ResultPayload{Input: in, OK: ok, Output: []byte("sealed output"), Gas: 42}
	if !ok {
		p.Error = "script error"
	}
	return p.Encode()
}

func TestCodeAndInstantiate(t *testing.T) {
	f := setup(t)
	c := f.contractRecord(t)
	if c.Inputs != 1 || c.Results != 0 || c.Owner != owner.Addr || len(c.Versions) != 1 || c.KeyEpoch != 0 {
		t.Fatalf("contract %+v", c)
	}
	var code contracts.CodeView
	if res := f.c.Query("/contracts/code/"+hex.EncodeToString(f.code[:])+"/source", &code); res.Code != 0 || code.Source == "" || code.Size != len(code.Source) {
		t.Fatalf("code %+v %s", code, res.Log)
	}
	big := make([]byte, testParams.MaxCodeSize+1)
	cases := []struct {
		name string
		res  func() uint32
		want uint32
	}{
		{"code too large", func() uint32 { return f.c.Deliver(owner, &contracts.MsgUpload{Code: big}).Code }, contracts.ErrCodeTooLarge.Code},
		{"unknown code", func() uint32 {
			return f.c.Deliver(owner, &contracts.MsgInstantiate{Code: [32]byte{1}, Cluster: f.cluster}).Code
		}, contracts.ErrUnknownCode.Code},
		{"unknown cluster", func() uint32 {
			return f.c.Deliver(owner, &contracts.MsgInstantiate{Code: f.code, Cluster: [32]byte{1}}).Code
		}, contracts.ErrUnknownCluster.Code},
		{"args not json", func() uint32 {
			return f.c.Deliver(owner, &contracts.MsgInstantiate{Code: f.code, Cluster: f.cluster, Args: []byte("{nope")}).Code
		}, contracts.ErrInvalidArgs.Code},
		{"gas above limit", func() uint32 {
			return f.c.Deliver(owner, &contracts.MsgInstantiate{Code: f.code, Cluster: f.cluster, Gas: testParams.CommandGas + 1}).Code
		}, contracts.ErrGasLimit.Code},
		{"exec before keys", func() uint32 {
			return f.c.Deliver(alice, &contracts.MsgExec{Contract: f.contract, Envelope: []byte{1}}).Code
		}, contracts.ErrNoKeys.Code},
		{"exec unknown contract", func() uint32 {
			return f.c.Deliver(alice, &contracts.MsgExec{Contract: [32]byte{9}, Envelope: []byte{1}}).Code
		}, contracts.ErrUnknownContract.Code},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.res(); got != tc.want {
				t.Fatalf("code %d, want %d", got, tc.want)
			}
		})
	}
	if f.contractRecord(t).Inputs != 1 {
		t.Fatal("a refused message changed the contract")
	}
}

func TestKeysCommandsResultsAndRoots(t *testing.T) {
	f := setup(t)
	k := newContractKeys()
	m0 := f.members[0]
	stranger := f.c.RegisterSimWorker(t, op)

	apptest.ExpectCode(t, f.c.PostMQ(op, stranger, contracts.TopicPubKeys, f.pubKeyMsg(0, k, f.clusterKey)), contracts.Codespace, contracts.ErrNotMember.Code)
	apptest.ExpectCode(t, f.c.PostMQ(op, m0, contracts.TopicPubKeys, f.pubKeyMsg(0, k, m0)), contracts.Codespace, contracts.ErrBadKeyProof.Code)
	apptest.ExpectCode(t, f.c.PostMQ(op, m0, contracts.TopicPubKeys, f.pubKeyMsg(1, k, f.clusterKey)), contracts.Codespace, contracts.ErrEpochBehind.Code)
	apptest.ExpectCode(t, f.c.PostMQ(op, m0, contracts.TopicPubKeys, f.pubKeyMsg(0, k, f.clusterKey)), "", 0)
	// A second publisher changes nothing: the first keys of an epoch stay.
	apptest.ExpectCode(t, f.c.PostMQ(op, f.members[1], contracts.TopicPubKeys, f.pubKeyMsg(0, newContractKeys(), f.clusterKey)), "", 0)
	if c := f.contractRecord(t); string(c.ECDHKey) != string(k.ecdh.PublicKey().Bytes()) {
		t.Fatal("a second publisher replaced the contract's keys")
	}
	// Every input and key change is announced to the cluster's replicas.
	var seq mq.SequenceResponse
	if res := f.c.Query("/mq/sequence/cluster/"+hex.EncodeToString(f.cluster[:]), &seq); res.Code != 0 || seq.Egress != 2 {
		t.Fatalf("activity notices: %+v %s", seq, res.Log)
	}

	pub := k.ecdh.PublicKey()
	other, _ := ecdh.X25519().GenerateKey(rand.Reader)
	good := command(t, pub, envelope.PurposeContractCommand, cmdSender(alice.Addr))
	cases := []struct {
		name string
		msg  *contracts.MsgExec
		want uint32
	}{
		{"not an envelope", &contracts.MsgExec{Contract: f.contract, Envelope: []byte("garbage")}, contracts.ErrBadEnvelope.Code},
		{"wrong purpose", &contracts.MsgExec{Contract: f.contract, Envelope: command(t, pub, envelope.PurposeQuery, alice.Addr[:])}, contracts.ErrBadEnvelope.Code},
		{"wrong recipient", &contracts.MsgExec{Contract: f.contract, Envelope: command(t, other.PublicKey(), envelope.PurposeContractCommand, cmdSender(alice.Addr))}, contracts.ErrWrongRecipient.Code},
		{"someone else's command", &contracts.MsgExec{Contract: f.contract, Envelope: command(t, pub, envelope.PurposeContractCommand, cmdSender(owner.Addr))}, contracts.ErrWrongSender.Code},
		{"gas above limit", &contracts.MsgExec{Contract: f.contract, Envelope: good, Gas: 1 << 62}, contracts.ErrGasLimit.Code},
		{"ok", &contracts.MsgExec{Contract: f.contract, Envelope: good}, 0},
		{"replayed", &contracts.MsgExec{Contract: f.contract, Envelope: good}, contracts.ErrReplayedCommand.Code},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := f.c.Deliver(alice, tc.msg)
			if res.Code != tc.want {
				t.Fatalf("code %d (%s), want %d", res.Code, res.Log, tc.want)
			}
		})
	}
	if c := f.contractRecord(t); c.Inputs != 2 {
		t.Fatalf("inputs %d, want 2", c.Inputs)
	}

	// Results: from the contract origin, signed by the contract key, one
	// per input in order; the second replica to post loses the race.
	origin := contracts.ContractOrigin(f.contract)
	apptest.ExpectCode(t, f.c.PostMQFrom(op, origin, m0, 0, contracts.TopicResult, f.result(0, true)), mq.Codespace, mq.ErrBadSignature.Code)
	apptest.ExpectCode(t, f.c.PostMQFrom(op, origin, k.sign, 0, contracts.TopicResult, f.result(1, true)), contracts.Codespace, contracts.ErrBadResult.Code)
	apptest.ExpectCode(t, f.c.PostMQFrom(op, origin, k.sign, 0, contracts.TopicResult, f.result(0, true)), "", 0)
	apptest.ExpectCode(t, f.c.PostMQFrom(op, origin, k.sign, 0, contracts.TopicResult, f.result(0, true)), mq.Codespace, mq.ErrStaleSequence.Code)
	apptest.ExpectCode(t, f.c.PostMQFrom(op, origin, k.sign, 1, contracts.TopicResult, f.result(1, false)), "", 0)
	apptest.ExpectCode(t, f.c.PostMQFrom(op, origin, k.sign, 2, contracts.TopicResult, f.result(2, true)), contracts.Codespace, contracts.ErrBadResult.Code)
	var r contracts.Result
	if res := f.c.Query("/contracts/result/"+hex.EncodeToString(f.contract[:])+"/1", &r); res.Code != 0 || r.OK || r.Error != "script error" || r.Gas != 42 {
		t.Fatalf("result %+v %s", r, res.Log)
	}

	// State roots: two of three agree, the third is flagged, also when it
	// reports after the majority formed.
	root := func(in uint64, b byte) []byte {
		w := wire.NewWriter(80)
		w.Raw(f.contract[:])
		w.Uvarint(in)
		w.Raw(sha256.New().Sum([]byte{b})[:32])
		return w.Bytes()
	}
	apptest.ExpectCode(t, f.c.PostMQ(op, stranger, contracts.TopicRoot, root(1, 'a')), contracts.Codespace, contracts.ErrNotMember.Code)
	apptest.ExpectCode(t, f.c.PostMQ(op, m0, contracts.TopicRoot, root(5, 'a')), contracts.Codespace, contracts.ErrBadResult.Code)
	apptest.ExpectCode(t, f.c.PostMQ(op, f.members[2], contracts.TopicRoot, root(1, 'b')), "", 0)
	apptest.ExpectCode(t, f.c.PostMQ(op, m0, contracts.TopicRoot, root(1, 'a')), "", 0)
	var div []contracts.Divergence
	f.c.Query("/contracts/diverged/"+hex.EncodeToString(f.contract[:]), &div)
	if len(div) != 0 {
		t.Fatalf("flagged before a majority: %+v", div)
	}
	held := func() pha.Amount {
		var r balances.AccountResponse
		f.c.Query("/balances/account/"+contracts.FeeAccount.String(), &r)
		return r.Balance
	}
	if got := held(); got != pha.Whole(1) {
		t.Fatalf("fee held before the replicas agree: %s, want 1PHA", got.PHA())
	}
	apptest.ExpectCode(t, f.c.PostMQ(op, f.members[1], contracts.TopicRoot, root(1, 'a')), "", 0)
	// The majority agreed on input 1: its command's fee is paid out, to the
	// two replicas that agree (their operator) and the treasury.
	if got := held(); !got.IsZero() {
		t.Fatalf("fee still held after the majority agreed: %s", got.PHA())
	}
	f.c.Query("/contracts/diverged/"+hex.EncodeToString(f.contract[:]), &div)
	if len(div) != 1 || [32]byte(div[0].Worker) != id32(f.members[2]) || div[0].Input != 1 {
		t.Fatalf("divergences %+v", div)
	}

	// Removing a member moves the cluster to a new epoch: commands wait
	// for the new contract keys, which only the new cluster key can sign.
	if res := f.c.Deliver(owner, &clusters.MsgMember{Remove: true, Cluster: f.cluster, Worker: id32(f.members[2])}); res.Code != 0 {
		t.Fatal(res.Log)
	}
	apptest.ExpectCode(t, f.c.Deliver(alice, &contracts.MsgExec{Contract: f.contract, Envelope: command(t, pub, envelope.PurposeContractCommand, cmdSender(alice.Addr))}), contracts.Codespace, contracts.ErrNoKeys.Code)
	old := f.clusterKey
	f.publishClusterKey(t, 1)
	k1 := newContractKeys()
	apptest.ExpectCode(t, f.c.PostMQ(op, m0, contracts.TopicPubKeys, f.pubKeyMsg(1, k1, old)), contracts.Codespace, contracts.ErrBadKeyProof.Code)
	apptest.ExpectCode(t, f.c.PostMQ(op, m0, contracts.TopicPubKeys, f.pubKeyMsg(1, k1, f.clusterKey)), "", 0)
	apptest.ExpectCode(t, f.c.Deliver(alice, &contracts.MsgExec{Contract: f.contract, Envelope: command(t, pub, envelope.PurposeContractCommand, cmdSender(alice.Addr))}), contracts.Codespace, contracts.ErrWrongRecipient.Code)
	apptest.ExpectCode(t, f.c.Deliver(alice, &contracts.MsgExec{Contract: f.contract, Envelope: command(t, k1.ecdh.PublicKey(), envelope.PurposeContractCommand, cmdSender(alice.Addr))}), "", 0)
	if c := f.contractRecord(t); c.KeyEpoch != 1 || c.Inputs != 3 {
		t.Fatalf("after rekey %+v", c)
	}
}

func TestUpgrade(t *testing.T) {
	f := setup(t)
	code2 := []byte("export function handle(ctx, cmd) { return 2 }")
	h2 := sha256.Sum256(code2)
	apptest.ExpectCode(t, f.c.Deliver(owner, &contracts.MsgUpgrade{Contract: f.contract, Code: h2}), contracts.Codespace, contracts.ErrUnknownCode.Code)
	if res := f.c.Deliver(alice, &contracts.MsgUpload{Code: code2}); res.Code != 0 {
		t.Fatal(res.Log)
	}
	apptest.ExpectCode(t, f.c.Deliver(alice, &contracts.MsgUpgrade{Contract: f.contract, Code: h2}), contracts.Codespace, contracts.ErrNotOwner.Code)
	apptest.ExpectCode(t, f.c.Deliver(owner, &contracts.MsgUpgrade{Contract: f.contract, Code: h2}), "", 0)
	c := f.contractRecord(t)
	if [32]byte(c.Code) != h2 || len(c.Versions) != 2 || c.Versions[1].FromInput != 1 || c.Inputs != 2 {
		t.Fatalf("after upgrade %+v", c)
	}
	// A contract instantiated without upgrades refuses them.
	if res := f.c.Deliver(owner, &contracts.MsgInstantiate{Code: f.code, Cluster: f.cluster}); res.Code != 0 {
		t.Fatal(res.Log)
	}
	var cs []contracts.Contract
	f.c.Query("/contracts/list", &cs)
	apptest.ExpectCode(t, f.c.Deliver(owner, &contracts.MsgUpgrade{Contract: [32]byte(cs[1].ID), Code: h2}), contracts.Codespace, contracts.ErrNotUpgradable.Code)
}

func TestPubKeysBatchChecks(t *testing.T) {
	f := setup(t)
	m0 := f.members[0]
	k := newContractKeys()
	sign := func(p contracts.PubKeysPayload, key ed25519.PrivateKey) []byte {
		p.Signature = ed25519.Sign(key, p.SignBytes(apptest.ChainID))
		return p.Encode()
	}
	entry := contracts.PubKeyEntry{Contract: f.contract, Sign: [32]byte(k.sign.Public().(ed25519.PublicKey)), ECDH: [32]byte(k.ecdh.PublicKey().Bytes())}
	cases := []struct {
		name    string
		payload []byte
		space   string
		code    uint32
	}{
		{"no entries", sign(contracts.PubKeysPayload{Cluster: f.cluster}, f.clusterKey), mq.Codespace, mq.ErrInvalidMessage.Code},
		{"unknown cluster", sign(contracts.PubKeysPayload{Cluster: [32]byte{5}, Entries: []contracts.PubKeyEntry{entry}}, f.clusterKey), contracts.Codespace, contracts.ErrUnknownCluster.Code},
		{"contract of no such cluster", sign(contracts.PubKeysPayload{Cluster: f.cluster, Entries: []contracts.PubKeyEntry{entry, {Contract: [32]byte{6}}}}, f.clusterKey), contracts.Codespace, contracts.ErrUnknownContract.Code},
		{"ok", sign(contracts.PubKeysPayload{Cluster: f.cluster, Entries: []contracts.PubKeyEntry{entry}}, f.clusterKey), "", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			apptest.ExpectCode(t, f.c.PostMQ(op, m0, contracts.TopicPubKeys, tc.payload), tc.space, tc.code)
		})
	}
	if c := f.contractRecord(t); string(c.ECDHKey) != string(k.ecdh.PublicKey().Bytes()) {
		t.Fatal("keys not published")
	}
}
