package shielded_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanetwork/phala/chain/apptest"
	"github.com/phalanetwork/phala/crypto/address"
	"github.com/phalanetwork/phala/modules/keys"
	"github.com/phalanetwork/phala/modules/registry"
	"github.com/phalanetwork/phala/modules/shielded"
)

// ceremonyNet is a chain whose genesis starts a ceremony of the shield
// circuit with three gatekeepers, and an outsider worker.
type ceremonyNet struct {
	c       *apptest.Chain
	relayer apptest.Account
	gks     []ed25519.PrivateKey
	outside ed25519.PrivateKey
}

func newCeremonyNet(t *testing.T) *ceremonyNet {
	t.Helper()
	return newCeremonyNetWith(t, shielded.Genesis{Ceremony: &shielded.CeremonyGenesis{Circuits: []string{"shield"}, Domain: 1 << 12, Contributors: 3}})
}

// newCeremonyNetWith is newCeremonyNet with section as the shielded
// genesis section.
func newCeremonyNetWith(t *testing.T, section any) *ceremonyNet {
	t.Helper()
	ops := []apptest.Account{apptest.NewAccount(1), apptest.NewAccount(2), apptest.NewAccount(3), apptest.NewAccount(4)}
	c := apptest.New(t, ops, map[string]any{
		registry.Name: apptest.SimRegistry(),
		keys.Name:     keys.Genesis{GatekeeperOperators: []address.Address{ops[0].Addr, ops[1].Addr, ops[2].Addr}},
		shielded.Name: section,
	})
	n := &ceremonyNet{c: c, relayer: ops[0]}
	for _, op := range ops[:3] {
		n.gks = append(n.gks, c.RegisterSimWorker(t, op))
	}
	n.outside = c.RegisterSimWorker(t, ops[3])
	c.Block()
	return n
}

// record reads the ceremony's record.
func (n *ceremonyNet) record(t *testing.T) shielded.Ceremony {
	t.Helper()
	return apptest.MustQuery[shielded.Ceremony](t, n.c, shielded.CeremonyPath())
}

// post sends a ceremony message from worker key.
func (n *ceremonyNet) post(key ed25519.PrivateKey, topic string, payload []byte) *abci.ExecTxResult {
	return n.c.PostMQ(n.relayer, key, topic, payload)
}

// expect checks a refusal's code and that its log names the check.
func expect(t *testing.T, res *abci.ExecTxResult, code uint32, words string) {
	t.Helper()
	apptest.ExpectCode(t, res, shielded.Codespace, code)
	if !strings.Contains(res.Log, words) {
		t.Fatalf("refusal %q does not say %q", res.Log, words)
	}
}

func mustAccept(t *testing.T, res *abci.ExecTxResult) {
	t.Helper()
	if res.Code != 0 {
		t.Fatalf("refused: %s/%d %s", res.Codespace, res.Code, res.Log)
	}
}

func stateHash(s string) shielded.Hash { return sha256.Sum256([]byte(s)) }

// TestCeremonyRefusesOutOfOrder drives the ceremony's messages the way a
// dishonest or confused gatekeeper would: an outsider, a contribution out
// of turn, one that ignores the last accepted state (to know all the
// randomness itself), votes on the wrong state, twice, or without a
// reason, and keys before phase 2 is over. Each is refused with the check
// that failed, and the record moves only on what is accepted.
func TestCeremonyRefusesOutOfOrder(t *testing.T) {
	n := newCeremonyNet(t)
	rec := n.record(t)
	if len(rec.Contributors) != 3 || rec.Stage != 0 || !rec.Running() {
		t.Fatalf("ceremony did not start with three gatekeepers: %+v", rec)
	}
	h0 := stateHash("phase 1 by gatekeeper 0")
	first := shielded.ContributionMsg{Phase: 1, Slot: 0, Hash: h0}
	expect(t, n.post(n.outside, shielded.TopicContribution, first.Encode()), 13, "not a contributor")
	expect(t, n.post(n.gks[1], shielded.TopicContribution, first.Encode()), 14, "slot 0 is gatekeeper")
	bad := first
	bad.Prev = stateHash("a state nobody accepted")
	expect(t, n.post(n.gks[0], shielded.TopicContribution, bad.Encode()), 15, "the last accepted state is 0000")
	wrongPhase := shielded.ContributionMsg{Phase: 2, Circuit: "shield", Hash: h0}
	expect(t, n.post(n.gks[0], shielded.TopicContribution, wrongPhase.Encode()), 14, "the ceremony is in phase 1")
	mustAccept(t, n.post(n.gks[0], shielded.TopicContribution, first.Encode()))

	h1 := stateHash("phase 1 by gatekeeper 1")
	second := shielded.ContributionMsg{Phase: 1, Slot: 1, Prev: h0, Hash: h1}
	expect(t, n.post(n.gks[1], shielded.TopicContribution, second.Encode()), 14, "slot 0 awaits its votes")
	wrongVote := shielded.VoteMsg{Phase: 1, Slot: 0, Hash: h1, OK: true}
	expect(t, n.post(n.gks[1], shielded.TopicVote, wrongVote.Encode()), 16, "no pending contribution")
	vote := shielded.VoteMsg{Phase: 1, Slot: 0, Hash: h0, OK: true}
	mustAccept(t, n.post(n.gks[1], shielded.TopicVote, vote.Encode()))
	expect(t, n.post(n.gks[1], shielded.TopicVote, vote.Encode()), 16, "already voted")
	silent := shielded.VoteMsg{Phase: 1, Slot: 0, Hash: h0}
	expect(t, n.post(n.gks[2], shielded.TopicVote, silent.Encode()), 16, "must say which check failed")
	mustAccept(t, n.post(n.gks[2], shielded.TopicVote, vote.Encode()))
	if rec := n.record(t); rec.Contributions[0].Status != shielded.StatusAccepted {
		t.Fatalf("two of three accepts left slot 0 %s", rec.Contributions[0].Status)
	}

	// Gatekeeper 1 restarts from the empty state instead of extending
	// gatekeeper 0's: the chain refuses it by hash before anyone verifies.
	restart := shielded.ContributionMsg{Phase: 1, Slot: 1, Hash: h1}
	expect(t, n.post(n.gks[1], shielded.TopicContribution, restart.Encode()), 15, "extends 0000")
	key := shielded.KeyMsg{Circuit: "shield", VK: []byte("not yet")}
	expect(t, n.post(n.gks[0], shielded.TopicKey, key.Encode()), 17, "keys come after phase 2")
	if rec := n.record(t); len(rec.Contributions) != 1 || rec.Stage != 0 {
		t.Fatalf("refused messages changed the record: %+v", rec)
	}
}

// TestCeremonyRefusedContribution: a contribution the majority's enclaves
// refuse (say, one whose proof of knowledge does not verify) is recorded
// as refused with their reasons, the next contributor extends the last
// accepted state instead, and phase 1 closes with this block's hash as
// its beacon.
func TestCeremonyRefusedContribution(t *testing.T) {
	n := newCeremonyNet(t)
	h := []shielded.Hash{stateHash("gk0"), stateHash("gk1 forged"), stateHash("gk2")}
	mustAccept(t, n.post(n.gks[0], shielded.TopicContribution, shielded.ContributionMsg{Phase: 1, Hash: h[0]}.Encode()))
	n.voteAll(t, 1, "", 0, h[0], true)
	mustAccept(t, n.post(n.gks[1], shielded.TopicContribution, shielded.ContributionMsg{Phase: 1, Slot: 1, Prev: h[0], Hash: h[1]}.Encode()))
	n.voteAll(t, 1, "", 1, h[1], false)
	rec := n.record(t)
	x := rec.Contributions[1]
	if x.Status != shielded.StatusRefused || len(x.Refusals) < 2 || !strings.Contains(x.Refusals[0].Reason, "phase 1: check failed") {
		t.Fatalf("forged contribution: %+v", x)
	}
	expect(t, n.post(n.gks[2], shielded.TopicContribution, shielded.ContributionMsg{Phase: 1, Slot: 2, Prev: h[1], Hash: h[2]}.Encode()),
		15, "the last accepted state is "+hex.EncodeToString(h[0][:]))
	mustAccept(t, n.post(n.gks[2], shielded.TopicContribution, shielded.ContributionMsg{Phase: 1, Slot: 2, Prev: h[0], Hash: h[2]}.Encode()))
	height := n.c.Height + 2 // the second accept, in the second block, decides it
	n.voteAll(t, 1, "", 2, h[2], true)
	rec = n.record(t)
	if rec.Stage != 1 || hex.EncodeToString(rec.Beacon) != hex.EncodeToString(apptest.BlockHash(height)) {
		t.Fatalf("phase 1 not sealed with block %d's hash: stage %d beacon %x", height, rec.Stage, []byte(rec.Beacon))
	}
	if got := rec.Accepted(0); len(got) != 2 {
		t.Fatalf("phase 1 transcript %x, want gatekeepers 0 and 2", got)
	}
}

// voteAll has every gatekeeper but slot's author vote ok (or refuse) on
// slot's hash, each in its own block, which decides the contribution.
func (n *ceremonyNet) voteAll(t *testing.T, phase uint8, circ string, slot uint32, h shielded.Hash, ok bool) {
	t.Helper()
	for i, gk := range n.gks {
		if i == int(slot) {
			continue
		}
		v := shielded.VoteMsg{Phase: phase, Circuit: circ, Slot: slot, Hash: h, OK: ok}
		if !ok {
			v.Reason = fmt.Sprintf("phase %d: check failed at gatekeeper %d", phase, i)
		}
		mustAccept(t, n.post(gk, shielded.TopicVote, v.Encode()))
	}
}

// newSilentNet is newCeremonyNet with a turn of three blocks, set as a
// genesis file sets it.
func newSilentNet(t *testing.T) *ceremonyNet {
	t.Helper()
	return newCeremonyNetWith(t, json.RawMessage(`{"ceremony": {"circuits": ["shield"], "domain": 4096, "contributors": 3, "turn_blocks": 3}}`))
}

// TestCeremonySkipsSilentContributor: gatekeeper 0 never contributes and
// never votes. Once its turn has lasted turn_blocks the chain records its
// slot as skipped and gatekeeper 1's turn starts; gatekeeper 0's late
// contribution is refused by name; the contributions after it are decided
// by the vote of the one other gatekeeper left, without waiting for
// gatekeeper 0's; and phase 1 closes without gatekeeper 0.
func TestCeremonySkipsSilentContributor(t *testing.T) {
	n := newSilentNet(t)
	n.lastBlockOfStep(t)
	if rec := n.record(t); len(rec.Contributions) != 0 {
		t.Fatalf("slot 0 decided before its turn lasted turn_blocks: %+v", rec.Contributions)
	}
	n.c.Block()
	rec := n.record(t)
	if len(rec.Contributions) != 1 || rec.Contributions[0].Status != shielded.StatusSkipped ||
		hex.EncodeToString(rec.Contributions[0].Contributor) != hex.EncodeToString(n.gks[0].Public().(ed25519.PublicKey)) {
		t.Fatalf("gatekeeper 0's silent turn was not skipped after turn_blocks: %+v", rec.Contributions)
	}
	h1, h2 := stateHash("gk1"), stateHash("gk2")
	late := shielded.ContributionMsg{Phase: 1, Slot: 0, Hash: h1}
	expect(t, n.post(n.gks[0], shielded.TopicContribution, late.Encode()), 19, "slot 0 was skipped")
	mustAccept(t, n.post(n.gks[1], shielded.TopicContribution, shielded.ContributionMsg{Phase: 1, Slot: 1, Hash: h1}.Encode()))
	mustAccept(t, n.post(n.gks[2], shielded.TopicVote, shielded.VoteMsg{Phase: 1, Slot: 1, Hash: h1, OK: true}.Encode()))
	if x := n.record(t).Contributions[1]; x.Status != shielded.StatusAccepted {
		t.Fatalf("slot 1 waits for the vote of gatekeeper 0, whose turn passed in silence: %+v", x)
	}
	mustAccept(t, n.post(n.gks[2], shielded.TopicContribution, shielded.ContributionMsg{Phase: 1, Slot: 2, Prev: h1, Hash: h2}.Encode()))
	mustAccept(t, n.post(n.gks[1], shielded.TopicVote, shielded.VoteMsg{Phase: 1, Slot: 2, Hash: h2, OK: true}.Encode()))
	rec = n.record(t)
	if rec.Stage != 1 || !rec.Running() || len(rec.Beacon) != 32 {
		t.Fatalf("phase 1 did not close without gatekeeper 0: %+v", rec)
	}
	if got := rec.Accepted(0); len(got) != 2 || hex.EncodeToString(got[1]) != hex.EncodeToString(h2[:]) {
		t.Fatalf("phase 1 transcript %x, want gatekeepers 1 and 2", got)
	}
}

// lastBlockOfStep makes blocks until the next one is the first at which
// the ceremony's current step has lasted turn_blocks.
func (n *ceremonyNet) lastBlockOfStep(t *testing.T) {
	t.Helper()
	rec := n.record(t)
	if rec.TurnBlocks != 3 {
		t.Fatalf("turn_blocks %d, genesis said 3", rec.TurnBlocks)
	}
	for n.c.Height+1 < rec.Deadline() {
		n.c.Block()
	}
}

// TestCeremonyAuthorCannotVote: a contributor's vote on its own
// contribution is no verification, so the chain refuses it and counts a
// majority of the other contributors.
func TestCeremonyAuthorCannotVote(t *testing.T) {
	n := newCeremonyNet(t)
	h := stateHash("gk0")
	mustAccept(t, n.post(n.gks[0], shielded.TopicContribution, shielded.ContributionMsg{Phase: 1, Hash: h}.Encode()))
	own := shielded.VoteMsg{Phase: 1, Slot: 0, Hash: h, OK: true}
	expect(t, n.post(n.gks[0], shielded.TopicVote, own.Encode()), 16, "its own contribution")
	mustAccept(t, n.post(n.gks[1], shielded.TopicVote, own.Encode()))
	if x := n.record(t).Contributions[0]; x.Status != shielded.StatusPending {
		t.Fatalf("the author and one other accepted slot 0: %+v", x)
	}
}

// TestCeremonyTurnBlocksGenesis: genesis leaving turn_blocks out gets the
// default, and a turn over MaxTurnBlocks is refused by name.
func TestCeremonyTurnBlocksGenesis(t *testing.T) {
	if rec := newCeremonyNet(t).record(t); rec.TurnBlocks != shielded.DefaultTurnBlocks || rec.Deadline() != rec.Started+shielded.DefaultTurnBlocks {
		t.Fatalf("turn_blocks %d, deadline %d from start %d: want the default", rec.TurnBlocks, rec.Deadline(), rec.Started)
	}
	ops := []apptest.Account{apptest.NewAccount(1)}
	_, err := apptest.Start(t, ops, map[string]any{shielded.Name: shielded.Genesis{Ceremony: &shielded.CeremonyGenesis{
		Circuits: []string{"shield"}, Domain: 1 << 12, Contributors: 1, TurnBlocks: shielded.MaxTurnBlocks + 1}}})
	if err == nil || !strings.Contains(err.Error(), "turn_blocks 1000001 is over 1000000") {
		t.Fatalf("turn_blocks over the bound: %v", err)
	}
}

// TestCeremonyOfOne: with a single contributor no one else can verify, so
// its contribution is accepted as it arrives and the stage closes.
func TestCeremonyOfOne(t *testing.T) {
	ops := []apptest.Account{apptest.NewAccount(1)}
	c := apptest.New(t, ops, map[string]any{
		registry.Name: apptest.SimRegistry(),
		keys.Name:     keys.Genesis{GatekeeperOperators: []address.Address{ops[0].Addr}},
		shielded.Name: shielded.Genesis{Ceremony: &shielded.CeremonyGenesis{Circuits: []string{"shield"}, Domain: 1 << 12, Contributors: 1}},
	})
	gk := c.RegisterSimWorker(t, ops[0])
	c.Block()
	n := &ceremonyNet{c: c, relayer: ops[0], gks: []ed25519.PrivateKey{gk}}
	mustAccept(t, n.post(gk, shielded.TopicContribution, shielded.ContributionMsg{Phase: 1, Hash: stateHash("alone")}.Encode()))
	if rec := n.record(t); rec.Stage != 1 || rec.Contributions[0].Status != shielded.StatusAccepted {
		t.Fatalf("a lone contributor's phase 1 did not close: %+v", rec)
	}
}

// TestVoteMajorityLeavesOutSilent: the voters on a contribution are the
// contributors but its author and those whose last turn passed without a
// contribution; one who contributes again counts again.
func TestVoteMajorityLeavesOutSilent(t *testing.T) {
	a, b, c, d := shielded.Hex{1}, shielded.Hex{2}, shielded.Hex{3}, shielded.Hex{4}
	silent := func(id shielded.Hex, stage int) shielded.Contribution {
		return shielded.Contribution{Stage: stage, Contributor: id, Status: shielded.StatusSkipped}
	}
	made := func(id shielded.Hex, stage int, status string) shielded.Contribution {
		return shielded.Contribution{Stage: stage, Contributor: id, Hash: shielded.Hex{9}, Status: status}
	}
	for _, tc := range []struct {
		name         string
		contributors []shielded.Hex
		done         []shielded.Contribution
		author       shielded.Hex
		need, voters int
	}{
		{"three, none silent", []shielded.Hex{a, b, c}, nil, b, 2, 2},
		{"three, one silent", []shielded.Hex{a, b, c}, []shielded.Contribution{silent(a, 0)}, b, 1, 1},
		{"silent author", []shielded.Hex{a, b, c}, []shielded.Contribution{silent(a, 0)}, a, 2, 2},
		{"silent, then back", []shielded.Hex{a, b, c}, []shielded.Contribution{silent(a, 0), made(a, 1, shielded.StatusPending)}, b, 2, 2},
		{"refused is not silent", []shielded.Hex{a, b, c}, []shielded.Contribution{made(a, 0, shielded.StatusRefused)}, b, 2, 2},
		{"unvoted skip is not silent", []shielded.Hex{a, b, c}, []shielded.Contribution{made(a, 0, shielded.StatusSkipped)}, b, 2, 2},
		{"four, two silent", []shielded.Hex{a, b, c, d}, []shielded.Contribution{silent(a, 0), silent(b, 0)}, c, 1, 1},
		{"all others silent", []shielded.Hex{a, b, c}, []shielded.Contribution{silent(a, 0), silent(b, 0)}, c, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cer := shielded.Ceremony{Contributors: tc.contributors, Contributions: tc.done}
			if need, voters := cer.VoteMajority(tc.author); need != tc.need || voters != tc.voters {
				t.Fatalf("VoteMajority = %d of %d, want %d of %d", need, voters, tc.need, tc.voters)
			}
		})
	}
}
