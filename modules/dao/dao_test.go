package dao_test

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"slices"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanetwork/phala/chain/app"
	"github.com/phalanetwork/phala/chain/apptest"
	"github.com/phalanetwork/phala/chain/wire"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/balances"
	"github.com/phalanetwork/phala/modules/dao"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/modules/stakepool"
	"github.com/phalanetwork/phala/pha"
	"github.com/phalanetwork/phala/tee"
	"github.com/phalanetwork/phala/tee/sim"
)

var (
	alice, bob, carol = apptest.NewAccount(1), apptest.NewAccount(2), apptest.NewAccount(3)
	testParams        = dao.Params{MinDeposit: pha.Whole(10), VotingPeriod: 5, QuorumBps: 1_000, ThresholdBps: 5_000, EnactmentDelay: 2, UnlockDelay: 3}
)

// newChain: a chain whose keys genesis names no authority (only the DAO
// can act), with the given registry genesis.
func newChain(t *testing.T, reg registry.Genesis, gk keys.Genesis) *apptest.Chain {
	t.Helper()
	p := testParams
	c := apptest.New(t, []apptest.Account{alice, bob, carol}, map[string]any{
		registry.Name: reg,
		keys.Name:     gk,
		dao.Name:      dao.Genesis{Params: &p},
	})
	c.Block()
	return c
}

func mustOK(t *testing.T, res *abci.ExecTxResult) {
	t.Helper()
	apptest.ExpectCode(t, res, "", 0)
}

func balance(t *testing.T, c *apptest.Chain, a address.Address) pha.Amount {
	t.Helper()
	return apptest.MustQuery[balances.AccountResponse](t, c, "/balances/account/"+a.String()).Balance
}

func proposal(t *testing.T, c *apptest.Chain, id uint64) dao.Proposal {
	t.Helper()
	return apptest.MustQuery[dao.Proposal](t, c, "/dao/proposal/"+itoa(id))
}

func itoa(n uint64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// lastProposal is the id of the newest proposal.
func lastProposal(t *testing.T, c *apptest.Chain) uint64 {
	t.Helper()
	var ps []dao.Proposal
	c.Query("/dao/proposals", &ps)
	if len(ps) == 0 {
		t.Fatal("no proposals")
	}
	return ps[len(ps)-1].ID
}

// run proposes action from alice (who locks weight first if she has
// none), votes it with the given options of alice and bob, and runs blocks
// until it is settled (enacted, failed or rejected).
func run(t *testing.T, c *apptest.Chain, action dao.Action, aliceVote, bobVote byte) dao.Proposal {
	t.Helper()
	var w dao.Weight
	c.Query("/dao/weight/"+alice.Addr.String(), &w)
	if w.Locked.IsZero() {
		mustOK(t, c.Deliver(alice, &dao.MsgLock{Amount: pha.Whole(1_000)}))
	}
	mustOK(t, c.Deliver(alice, &dao.MsgPropose{Title: "t", Deposit: pha.Whole(10), Action: action}))
	id := lastProposal(t, c)
	if aliceVote != 0 {
		mustOK(t, c.Deliver(alice, &dao.MsgVote{Proposal: id, Option: aliceVote}))
	}
	if bobVote != 0 {
		mustOK(t, c.Deliver(bob, &dao.MsgVote{Proposal: id, Option: bobVote}))
	}
	for range 20 {
		p := proposal(t, c, id)
		if p.Status != dao.StatusVoting && p.Status != dao.StatusPassed {
			return p
		}
		c.Block()
	}
	t.Fatalf("proposal %d not settled", id)
	return dao.Proposal{}
}

func noSimMeasurements() registry.Genesis {
	g := apptest.SimRegistry()
	g.Params.Measurements = nil
	return g
}

func simMeasurement() *registry.Measurement {
	m := sim.Measure(apptest.SimCode)
	return &registry.Measurement{TEE: tee.KindSim, Value: m[:]}
}

func TestAllowAndRemoveMeasurement(t *testing.T) {
	c := newChain(t, noSimMeasurements(), keys.Genesis{})
	p := run(t, c, dao.Action{Kind: dao.KindAllowMeasurement, Measurement: simMeasurement()}, dao.VoteYes, 0)
	if p.Status != dao.StatusEnacted || !p.Tally.Passed || !p.DepositReturned {
		t.Fatalf("proposal %+v", p)
	}
	c.RegisterSimWorker(t, carol) // fails unless the measurement is allowed
	p = run(t, c, dao.Action{Kind: dao.KindRemoveMeasurement, Measurement: simMeasurement()}, dao.VoteYes, 0)
	if p.Status != dao.StatusEnacted {
		t.Fatalf("remove: %+v", p)
	}
	var params registry.Params
	if res := c.Query("/registry/params", &params); res.Code != 0 || len(params.Measurements) != 0 {
		t.Fatalf("measurements left: %+v", params.Measurements)
	}
	// Removing it again would not apply: refused when proposed.
	apptest.ExpectCode(t, c.Deliver(alice, &dao.MsgPropose{Title: "again", Deposit: pha.Whole(10),
		Action: dao.Action{Kind: dao.KindRemoveMeasurement, Measurement: simMeasurement()}}), dao.Codespace, 6)
}

func keysState(t *testing.T, c *apptest.Chain) keys.State {
	t.Helper()
	return apptest.MustQuery[keys.State](t, c, "/keys/state")
}

func TestGatekeeperAndRotation(t *testing.T) {
	c := newChain(t, apptest.SimRegistry(), keys.Genesis{})
	w := c.RegisterSimWorker(t, carol)
	wid := [32]byte(w.Public().(ed25519.PublicKey))
	// No authority in genesis: nobody but the DAO may add a gatekeeper.
	apptest.ExpectCode(t, c.Deliver(alice, &keys.MsgAddGatekeeper{Worker: wid}), keys.Codespace, 3)
	if s := keysState(t, c); s.Governor != dao.Account || !s.Authority.IsZero() {
		t.Fatalf("authority %s governor %s", s.Authority, s.Governor)
	}
	p := run(t, c, dao.Action{Kind: dao.KindAddGatekeeper, Worker: wid[:]}, dao.VoteYes, 0)
	if p.Status != dao.StatusEnacted {
		t.Fatalf("add gatekeeper: %+v", p)
	}
	if s := keysState(t, c); len(s.Gatekeepers) != 1 || string(s.Gatekeepers[0].Worker) != string(wid[:]) {
		t.Fatalf("gatekeepers %+v", s.Gatekeepers)
	}
	// The gatekeeper creates the master key; then the DAO rotates it.
	pay := wire.NewWriter(80)
	pay.Uvarint(0)
	pay.Raw(make([]byte, 32))
	pay.Raw(make([]byte, 32))
	mustOK(t, c.PostMQ(carol, w, keys.TopicMasterPubKey, pay.Bytes()))
	p = run(t, c, dao.Action{Kind: dao.KindRotateKeys}, dao.VoteYes, 0)
	if p.Status != dao.StatusEnacted {
		t.Fatalf("rotate: %+v", p)
	}
	if s := keysState(t, c); s.Rotation == "idle" || s.Running == nil || s.Running.Generation != 1 {
		t.Fatalf("no rotation running: %s", s.Rotation)
	}
	// Removing the only gatekeeper is refused when proposed: nobody would
	// hold the master key.
	apptest.ExpectCode(t, c.Deliver(alice, &dao.MsgPropose{Title: "rm", Deposit: pha.Whole(10),
		Action: dao.Action{Kind: dao.KindRemoveGatekeeper, Worker: wid[:]}}), dao.Codespace, 6)
	// With a second gatekeeper, the first can go: it leaves the set and the
	// order.
	w2 := c.RegisterSimWorker(t, carol)
	wid2 := [32]byte(w2.Public().(ed25519.PublicKey))
	if p := run(t, c, dao.Action{Kind: dao.KindAddGatekeeper, Worker: wid2[:]}, dao.VoteYes, 0); p.Status != dao.StatusEnacted {
		t.Fatalf("add a second gatekeeper: %+v", p)
	}
	if p := run(t, c, dao.Action{Kind: dao.KindRemoveGatekeeper, Worker: wid[:]}, dao.VoteYes, 0); p.Status != dao.StatusEnacted {
		t.Fatalf("remove gatekeeper: %+v", p)
	}
	if s := keysState(t, c); len(s.Gatekeepers) != 1 || string(s.Gatekeepers[0].Worker) != string(wid2[:]) {
		t.Fatalf("gatekeepers after removal %+v", s.Gatekeepers)
	}
}

func TestGenesisAuthorityStillWorks(t *testing.T) {
	c := newChain(t, apptest.SimRegistry(), keys.Genesis{Authority: bob.Addr})
	w := c.RegisterSimWorker(t, carol)
	mustOK(t, c.Deliver(bob, &keys.MsgAddGatekeeper{Worker: [32]byte(w.Public().(ed25519.PublicKey))}))
}

func TestSetParamAndTreasurySpend(t *testing.T) {
	c := newChain(t, apptest.SimRegistry(), keys.Genesis{})
	p := run(t, c, dao.Action{Kind: dao.KindSetParam, Module: keys.Name, Param: "rotation_period", Value: json.RawMessage(`50`)}, dao.VoteYes, 0)
	if p.Status != dao.StatusEnacted || keysState(t, c).Params.RotationPeriod != 50 {
		t.Fatalf("set keys param: %+v, rotation_period %d", p, keysState(t, c).Params.RotationPeriod)
	}
	p = run(t, c, dao.Action{Kind: dao.KindSetParam, Module: dao.Name, Param: "voting_period", Value: json.RawMessage(`7`)}, dao.VoteYes, 0)
	var dp dao.Params
	c.Query("/dao/params", &dp)
	if p.Status != dao.StatusEnacted || dp.VotingPeriod != 7 {
		t.Fatalf("set dao param: %+v %+v", p, dp)
	}
	// Unknown fields and invalid values are refused when proposed.
	for _, a := range []dao.Action{
		{Kind: dao.KindSetParam, Module: dao.Name, Param: "no_such", Value: json.RawMessage(`1`)},
		{Kind: dao.KindSetParam, Module: dao.Name, Param: "voting_period", Value: json.RawMessage(`0`)},
		{Kind: dao.KindSetParam, Module: keys.Name, Param: "max_gatekeepers", Value: json.RawMessage(`"x"`)},
		{Kind: dao.KindSetParam, Module: stakepool.Name, Param: "max_workers", Value: json.RawMessage(`0`)},
	} {
		res := c.Deliver(alice, &dao.MsgPropose{Title: "bad", Deposit: pha.Whole(10), Action: a})
		if res.Codespace != dao.Codespace || (res.Code != 6 && res.Code != 11) {
			t.Fatalf("%+v: got %s/%d %s", a, res.Codespace, res.Code, res.Log)
		}
	}
	before, tr := balance(t, c, carol.Addr), balance(t, c, balances.Treasury)
	p = run(t, c, dao.Action{Kind: dao.KindTreasurySpend, To: carol.Addr, Amount: pha.Whole(500)}, dao.VoteYes, 0)
	if p.Status != dao.StatusEnacted {
		t.Fatalf("spend: %+v", p)
	}
	if got := balance(t, c, carol.Addr); got != add(before, pha.Whole(500)) {
		t.Fatalf("carol has %s, want %s + 500", got.PHA(), before.PHA())
	}
	if got := balance(t, c, balances.Treasury); !got.LT(tr) {
		t.Fatalf("treasury %s, was %s", got.PHA(), tr.PHA())
	}
	p = run(t, c, dao.Action{Kind: dao.KindText}, dao.VoteYes, 0)
	if p.Status != dao.StatusEnacted {
		t.Fatalf("text: %+v", p)
	}
}

func add(a, b pha.Amount) pha.Amount {
	s, err := a.Add(b)
	if err != nil {
		panic(err)
	}
	return s
}

func sub(a, b pha.Amount) pha.Amount {
	s, err := a.Sub(b)
	if err != nil {
		panic(err)
	}
	return s
}

func TestQuorumThresholdAndDeposit(t *testing.T) {
	c := newChain(t, apptest.SimRegistry(), keys.Genesis{})
	// Weight: alice 1,000 locked, bob 9,000 staked in a pool (bob has 90 %).
	mustOK(t, c.Deliver(alice, &dao.MsgLock{Amount: pha.Whole(1_000)}))
	mustOK(t, c.Deliver(carol, &stakepool.MsgCreate{CommissionBps: 0}))
	mustOK(t, c.Deliver(bob, &stakepool.MsgContribute{Pool: 1, Amount: pha.Whole(9_000)}))
	var w dao.Weight
	c.Query("/dao/weight/"+bob.Addr.String(), &w)
	if w.Staked != pha.Whole(9_000) || w.Total != pha.Whole(10_000) {
		t.Fatalf("bob's weight %+v", w)
	}
	// Bob votes no: quorum, no pass; the deposit returns.
	start := balance(t, c, dao.DepositAccount)
	p := run(t, c, dao.Action{Kind: dao.KindText}, dao.VoteYes, dao.VoteNo)
	if p.Status != dao.StatusRejected || !p.Tally.Quorum || p.Tally.Passed || !p.DepositReturned {
		t.Fatalf("threshold: %+v %+v", p, p.Tally)
	}
	if p.Tally.Yes != pha.Whole(1_000) || p.Tally.No != pha.Whole(9_000) {
		t.Fatalf("tally %+v", p.Tally)
	}
	// Nobody votes: no quorum, the deposit goes to the treasury.
	tr := balance(t, c, balances.Treasury)
	p = run(t, c, dao.Action{Kind: dao.KindText}, 0, 0)
	if p.Status != dao.StatusRejected || p.Tally.Quorum || p.DepositReturned {
		t.Fatalf("no quorum: %+v %+v", p, p.Tally)
	}
	if got := balance(t, c, balances.Treasury); !tr.LT(got) {
		t.Fatalf("treasury %s did not receive the deposit (was %s)", got.PHA(), tr.PHA())
	}
	if got := balance(t, c, dao.DepositAccount); !got.IsZero() {
		t.Fatalf("deposit account holds %s", got.PHA())
	}
	if !start.IsZero() {
		t.Fatalf("deposit account held %s before", start.PHA())
	}
	// Abstain counts toward quorum but not the threshold: alice yes,
	// bob abstains → passes.
	p = run(t, c, dao.Action{Kind: dao.KindText}, dao.VoteYes, dao.VoteAbstain)
	if p.Status != dao.StatusEnacted || p.Tally.Abstain != pha.Whole(9_000) {
		t.Fatalf("abstain: %+v %+v", p, p.Tally)
	}
}

func TestChangeVoteAndErrors(t *testing.T) {
	c := newChain(t, apptest.SimRegistry(), keys.Genesis{})
	mustOK(t, c.Deliver(alice, &dao.MsgLock{Amount: pha.Whole(1_000)}))
	mustOK(t, c.Deliver(bob, &dao.MsgLock{Amount: pha.Whole(2_000)}))
	apptest.ExpectCode(t, c.Deliver(alice, &dao.MsgPropose{Title: "t", Deposit: pha.Whole(1), Action: dao.Action{Kind: dao.KindText}}), dao.Codespace, 5)
	mustOK(t, c.Deliver(alice, &dao.MsgPropose{Title: "t", Deposit: pha.Whole(10), Action: dao.Action{Kind: dao.KindText}}))
	id := lastProposal(t, c)
	mustOK(t, c.Deliver(bob, &dao.MsgVote{Proposal: id, Option: dao.VoteNo}))
	if p := proposal(t, c, id); p.Tally.No != pha.Whole(2_000) || p.Tally.Voters != 1 {
		t.Fatalf("live tally %+v", p.Tally)
	}
	mustOK(t, c.Deliver(bob, &dao.MsgVote{Proposal: id, Option: dao.VoteYes}))
	if p := proposal(t, c, id); p.Tally.No.IsZero() == false || p.Tally.Yes != pha.Whole(2_000) || p.Tally.Voters != 1 {
		t.Fatalf("changed vote %+v", p.Tally)
	}
	apptest.ExpectCode(t, c.Deliver(carol, &dao.MsgVote{Proposal: id, Option: dao.VoteYes}), dao.Codespace, 9)
	apptest.ExpectCode(t, c.Deliver(bob, &dao.MsgVote{Proposal: 99, Option: dao.VoteYes}), dao.Codespace, 7)
	for c.Height <= proposal(t, c, id).VotingEnd {
		c.Block()
	}
	apptest.ExpectCode(t, c.Deliver(bob, &dao.MsgVote{Proposal: id, Option: dao.VoteNo}), dao.Codespace, 8)
	// Unlock: more than locked is refused; weight drops at once, the PHA
	// comes back unlock_delay blocks later.
	apptest.ExpectCode(t, c.Deliver(bob, &dao.MsgUnlock{Amount: pha.Whole(2_001)}), dao.Codespace, 4)
	before := balance(t, c, bob.Addr)
	mustOK(t, c.Deliver(bob, &dao.MsgUnlock{Amount: pha.Whole(500)}))
	var w dao.Weight
	c.Query("/dao/weight/"+bob.Addr.String(), &w)
	if w.Locked != pha.Whole(1_500) || len(w.Unlocking) != 1 {
		t.Fatalf("after unlock %+v", w)
	}
	for range testParams.UnlockDelay {
		c.Block()
	}
	fee := app.DefaultParams().MinFee
	if got := balance(t, c, bob.Addr); got != sub(add(before, pha.Whole(500)), fee) {
		t.Fatalf("bob has %s, want %s + 500 - fee", got.PHA(), before.PHA())
	}
	if got := balance(t, c, dao.LockAccount); got != pha.Whole(2_500) {
		t.Fatalf("lock account %s", got.PHA())
	}
	// Malformed: a bad option, and an action not in canonical form.
	apptest.ExpectCode(t, c.Deliver(bob, &dao.MsgVote{Proposal: id, Option: 7}), dao.Codespace, 10)
	apptest.ExpectCode(t, c.Deliver(alice, &dao.MsgPropose{Title: "t", Deposit: pha.Whole(10), Action: dao.Action{Kind: "nope"}}), dao.Codespace, 6)
	apptest.ExpectCode(t, c.Deliver(alice, &dao.MsgLock{}), dao.Codespace, 3)
}

func TestProposeEncoding(t *testing.T) {
	reg := app.NewRegistry()
	m := &dao.MsgPropose{Title: "spend", Deposit: pha.Whole(10), Action: dao.Action{Kind: dao.KindTreasurySpend, To: bob.Addr, Amount: pha.Whole(3)}}
	w := wire.NewWriter(64)
	m.Encode(w)
	got, err := reg.DecodeMsg(dao.TypePropose, w.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if g := got.(*dao.MsgPropose); g.Title != m.Title || g.Action.To != bob.Addr || g.Action.Amount != pha.Whole(3) {
		t.Fatalf("round trip %+v", g)
	}
	// The same action with its JSON keys reordered is refused.
	w = wire.NewWriter(64)
	w.String("spend")
	w.Amount(pha.Whole(10))
	w.VarBytes([]byte(`{"amount":"3000000000000","kind":"treasury_spend"}`))
	if _, err := reg.DecodeMsg(dao.TypePropose, w.Bytes()); err == nil {
		t.Fatal("non-canonical action accepted")
	}
}

// TestDeterminism runs one script on two apps: their AppHashes agree at
// every block.
func TestDeterminism(t *testing.T) {
	script := func() []string {
		c := newChain(t, noSimMeasurements(), keys.Genesis{})
		var hashes []string
		snap := func() { hashes = append(hashes, hex.EncodeToString(c.App.Store().Hash())) }
		// The weights are locked a block before the proposals: votes count
		// the state as a proposal started.
		for _, r := range c.Block(c.Tx(alice, &dao.MsgLock{Amount: pha.Whole(700)}), c.Tx(bob, &dao.MsgLock{Amount: pha.Whole(300)})) {
			mustOK(t, r)
		}
		snap()
		res := c.Block(
			c.Tx(bob, &dao.MsgPropose{Title: "a", Deposit: pha.Whole(10), Action: dao.Action{Kind: dao.KindText}}),
			c.Tx(carol, &dao.MsgPropose{Title: "b", Deposit: pha.Whole(20), Action: dao.Action{Kind: dao.KindTreasurySpend, To: carol.Addr, Amount: pha.Whole(1)}}),
			c.Tx(alice, &dao.MsgPropose{Title: "c", Deposit: pha.Whole(10), Action: dao.Action{Kind: dao.KindAllowMeasurement, Measurement: simMeasurement()}}),
		)
		for _, r := range res {
			mustOK(t, r)
		}
		snap()
		res = c.Block(
			c.Tx(alice, &dao.MsgVote{Proposal: 1, Option: dao.VoteYes}, &dao.MsgVote{Proposal: 2, Option: dao.VoteYes}, &dao.MsgVote{Proposal: 3, Option: dao.VoteYes}),
			c.Tx(bob, &dao.MsgVote{Proposal: 2, Option: dao.VoteNo}, &dao.MsgUnlock{Amount: pha.Whole(100)}),
		)
		for _, r := range res {
			mustOK(t, r)
		}
		for range 10 {
			c.Block()
			snap()
		}
		for id := uint64(1); id <= 3; id++ {
			if p := proposal(t, c, id); p.Status != dao.StatusEnacted {
				t.Fatalf("proposal %d: %s", id, p.Status)
			}
		}
		return hashes
	}
	a, b := script(), script()
	if !slices.Equal(a, b) {
		t.Fatalf("AppHashes differ:\n%v\n%v", a, b)
	}
}

// TestEnactmentFailureRollsBack: two proposals remove the same measurement;
// both pass, the first takes effect and the second, no longer applying, is
// marked failed without changing anything.
func TestEnactmentFailureRollsBack(t *testing.T) {
	c := newChain(t, apptest.SimRegistry(), keys.Genesis{})
	mustOK(t, c.Deliver(alice, &dao.MsgLock{Amount: pha.Whole(1_000)}))
	rm := dao.Action{Kind: dao.KindRemoveMeasurement, Measurement: simMeasurement()}
	for _, r := range c.Block(
		c.Tx(alice, &dao.MsgPropose{Title: "one", Deposit: pha.Whole(10), Action: rm}),
		c.Tx(bob, &dao.MsgPropose{Title: "two", Deposit: pha.Whole(10), Action: rm}),
	) {
		mustOK(t, r)
	}
	mustOK(t, c.Deliver(alice, &dao.MsgVote{Proposal: 1, Option: dao.VoteYes}, &dao.MsgVote{Proposal: 2, Option: dao.VoteYes}))
	for range 10 {
		c.Block()
	}
	if p := proposal(t, c, 1); p.Status != dao.StatusEnacted {
		t.Fatalf("first: %+v", p)
	}
	p := proposal(t, c, 2)
	if p.Status != dao.StatusFailed || p.Error == "" || !p.DepositReturned {
		t.Fatalf("second: %+v", p)
	}
	if got := balance(t, c, dao.DepositAccount); !got.IsZero() {
		t.Fatalf("deposit account holds %s", got.PHA())
	}
}
