package dao_test

import (
	"strings"
	"testing"

	"github.com/phalanetwork/phala/chain/apptest"
	"github.com/phalanetwork/phala/modules/dao"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/shielded"
	"github.com/phalanetwork/phala/pha"
)

// TestProposalStartsShieldedCeremony: a passed proposal starts the
// shielded pool's setup ceremony, waiting for its gatekeepers; a second
// one is refused when proposed while it runs, saying so.
func TestProposalStartsShieldedCeremony(t *testing.T) {
	c := newChain(t, apptest.SimRegistry(), keys.Genesis{})
	g := &shielded.CeremonyGenesis{Circuits: []string{"shield"}, Domain: 2048, Contributors: 1}
	if res := c.Query(shielded.CeremonyPath(), nil); res.Code == 0 {
		t.Fatal("a ceremony before any proposal")
	}
	p := run(t, c, dao.Action{Kind: dao.KindStartShieldedCeremony, ShieldedCeremony: g}, dao.VoteYes, 0)
	if p.Status != dao.StatusEnacted {
		t.Fatalf("start ceremony: %+v", p)
	}
	var rec shielded.Ceremony
	if res := c.Query(shielded.CeremonyPath(), &rec); res.Code != 0 || rec.Wanted != 1 || rec.Domain != 2048 || !strings.EqualFold(strings.Join(rec.Circuits, ","), "shield") {
		t.Fatalf("ceremony record %+v (%s)", rec, res.Log)
	}
	res := c.Deliver(alice, &dao.MsgPropose{Title: "again", Deposit: pha.Whole(10), Action: dao.Action{Kind: dao.KindStartShieldedCeremony, ShieldedCeremony: g}})
	apptest.ExpectCode(t, res, dao.Codespace, 6)
	if !strings.Contains(res.Log, "already running") {
		t.Fatalf("second ceremony refused with %q", res.Log)
	}
	bad := &shielded.CeremonyGenesis{Circuits: []string{"mint"}, Domain: 2048, Contributors: 1}
	apptest.ExpectCode(t, c.Deliver(alice, &dao.MsgPropose{Title: "bad", Deposit: pha.Whole(10),
		Action: dao.Action{Kind: dao.KindStartShieldedCeremony, ShieldedCeremony: bad}}), dao.Codespace, 6)
}
