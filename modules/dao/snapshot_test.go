package dao_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/phalanetwork/phala/chain/apptest"
	"github.com/phalanetwork/phala/fixedpoint"
	"github.com/phalanetwork/phala/modules/computation"
	"github.com/phalanetwork/phala/modules/dao"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/pha"
)

// TestVoteWeightSnapshot: a proposal's votes are weighed with the state as
// its voting started. An attacker who sees a proposal he dislikes cannot
// lock PHA afterwards to outvote the holders who had weight when it was
// proposed: PHA locked after the start carries no weight, and a voter
// with none at the start is refused.
func TestVoteWeightSnapshot(t *testing.T) {
	c := newChain(t, noSimMeasurements(), keys.Genesis{})
	mustOK(t, c.Deliver(alice, &dao.MsgLock{Amount: pha.Whole(1_000)}))
	mustOK(t, c.Deliver(carol, &dao.MsgLock{Amount: pha.Whole(100)}))
	mustOK(t, c.Deliver(alice, &dao.MsgPropose{Title: "t", Deposit: pha.Whole(10), Action: dao.Action{Kind: dao.KindText}}))
	id := lastProposal(t, c)
	// After the start: carol locks 10,000 more and bob locks for the first
	// time; alice moves all of hers out.
	res := c.Block(c.Tx(carol, &dao.MsgLock{Amount: pha.Whole(10_000)}), c.Tx(bob, &dao.MsgLock{Amount: pha.Whole(10_000)}),
		c.Tx(alice, &dao.MsgVote{Proposal: id, Option: dao.VoteYes}))
	for _, r := range res {
		mustOK(t, r)
	}
	res = c.Block(c.Tx(alice, &dao.MsgUnlock{Amount: pha.Whole(1_000)}), c.Tx(carol, &dao.MsgVote{Proposal: id, Option: dao.VoteNo}),
		c.Tx(bob, &dao.MsgVote{Proposal: id, Option: dao.VoteNo}))
	mustOK(t, res[0])
	mustOK(t, res[1])
	apptest.ExpectCode(t, res[2], dao.Codespace, dao.ErrNoWeight.Code)
	for range 10 {
		if proposal(t, c, id).Tally != nil {
			break
		}
		c.Block()
	}
	p := proposal(t, c, id)
	if p.Tally == nil {
		t.Fatal("not tallied")
	}
	if p.Tally.No != pha.Whole(100) || p.Tally.Yes != pha.Whole(1_000) || p.Tally.Total != pha.Whole(1_100) {
		t.Fatalf("tally %+v: want yes 1000 and no 100 of 1100, the weights at the proposal's start", *p.Tally)
	}
	if p.Status == dao.StatusRejected {
		t.Fatalf("rejected by PHA locked after the start: %+v", *p.Tally)
	}
}

// TestComputationParamsWithinPhalaBounds: a DAO proposal may tune the
// economy's parameters, but one outside Phala's bounds is refused when
// proposed, with the bound it breaks.
func TestComputationParamsWithinPhalaBounds(t *testing.T) {
	c := newChain(t, noSimMeasurements(), keys.Genesis{})
	mustOK(t, c.Deliver(alice, &dao.MsgLock{Amount: pha.Whole(1_000)}))
	for _, tc := range []struct{ param, value string }{
		{"v_max", `"30001"`},
		{"k", `"0"`},
		{"budget_halving_keep", `"1.25"`},
	} {
		res := c.Deliver(alice, &dao.MsgPropose{Title: "t", Deposit: pha.Whole(10), Action: dao.Action{Kind: dao.KindSetParam, Module: computation.Name, Param: tc.param, Value: json.RawMessage(tc.value)}})
		apptest.ExpectCode(t, res, dao.Codespace, dao.ErrBadAction.Code)
		if !strings.Contains(res.Log, "outside Phala's bounds") || !strings.Contains(res.Log, tc.param) {
			t.Fatalf("%s = %s: %q does not name the bound", tc.param, tc.value, res.Log)
		}
	}
	p := run(t, c, dao.Action{Kind: dao.KindSetParam, Module: computation.Name, Param: "v_max", Value: json.RawMessage(`"20000"`)}, dao.VoteYes, 0)
	if p.Status != dao.StatusEnacted {
		t.Fatalf("a v_max within bounds: %s %s", p.Status, p.Error)
	}
	var cp computation.Params
	c.Query("/computation/params", &cp)
	if cp.VMax != fixedpoint.FromInt(20_000) {
		t.Fatalf("v_max %s after the proposal", cp.VMax)
	}
}
