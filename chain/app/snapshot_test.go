package app_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanetwork/phala/chain/app"
	"github.com/phalanetwork/phala/chain/state"
	"github.com/phalanetwork/phala/chain/tx"
	"github.com/phalanetwork/phala/modules/dao"
	"github.com/phalanetwork/phala/pha"
)

// TestPruningKeepsProposalSnapshots: a node that keeps only the last
// MinKeepVersions versions still holds the state a proposal's votes are
// weighed with (the block before the proposal's) until the proposal is
// tallied, longer than it would keep it otherwise, and tallies it exactly
// as an archive node does.
func TestPruningKeepsProposalSnapshots(t *testing.T) {
	voting := int64(app.MinKeepVersions + 50)
	gen := daoGenesis(t, voting)
	open := func() *app.App {
		a, err := app.New(state.OpenMemory(), slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.InitChain(context.Background(), &abci.RequestInitChain{ChainId: chainID, AppStateBytes: gen, InitialHeight: 1, Time: time.Unix(0, 0)}); err != nil {
			t.Fatal(err)
		}
		return a
	}
	pruned, archive := open(), open()
	if err := pruned.SetKeepVersions(app.MinKeepVersions); err != nil {
		t.Fatal(err)
	}
	nonce := uint64(0)
	sign := func(msgs ...tx.Msg) []byte {
		tt := &tx.Tx{ChainID: chainID, Nonce: nonce, Fee: app.DefaultParams().MinFee, Msgs: msgs}
		nonce++
		tt.Sign(alice.Key)
		return tt.Encode()
	}
	script := map[int64][]byte{
		1: sign(&dao.MsgLock{Amount: pha.Whole(1_000)}),
		2: sign(&dao.MsgPropose{Title: "t", Deposit: pha.Whole(10), Action: dao.Action{Kind: dao.KindText}}),
		3: sign(&dao.MsgVote{Proposal: 1, Option: dao.VoteYes}),
	}
	end := 2 + voting + 3
	for h := int64(1); h <= end; h++ {
		var txs [][]byte
		if raw, ok := script[h]; ok {
			txs = append(txs, raw)
		}
		p, a := finalize(t, pruned, h, txs...), finalize(t, archive, h, txs...)
		for _, r := range p.TxResults {
			if r.Code != 0 {
				t.Fatalf("height %d: %s", h, r.Log)
			}
		}
		if string(p.AppHash) != string(a.AppHash) {
			t.Fatalf("height %d: pruned node's AppHash %X, archive's %X", h, p.AppHash, a.AppHash)
		}
	}
	res, err := pruned.Query(context.Background(), &abci.RequestQuery{Path: "/dao/proposal/1"})
	if err != nil || res.Code != 0 {
		t.Fatalf("proposal query: %v %s", err, res.Log)
	}
	var p dao.Proposal
	if err := json.Unmarshal(res.Value, &p); err != nil {
		t.Fatal(err)
	}
	if p.Tally == nil || p.Tally.Yes != pha.Whole(1_000) || p.Status == dao.StatusRejected {
		t.Fatalf("proposal after the tally on the pruned node: %+v", p)
	}
	// Tallied, the snapshot is no longer needed: the next commit forgets it.
	finalize(t, pruned, end+1)
	if res, _ := pruned.Query(context.Background(), &abci.RequestQuery{Path: "/dao/params", Height: 1}); res.Code == 0 {
		t.Fatal("height 1 still kept after the proposal closed")
	}
}

// daoGenesis is the tests' genesis with a DAO voting period of the given
// length.
func daoGenesis(t *testing.T, voting int64) []byte {
	t.Helper()
	var gs app.GenesisState
	if err := json.Unmarshal(genesis(t), &gs); err != nil {
		t.Fatal(err)
	}
	p := dao.Params{MinDeposit: pha.Whole(10), VotingPeriod: voting, QuorumBps: 1_000, ThresholdBps: 5_000, EnactmentDelay: 2, UnlockDelay: 3}
	gs[dao.Name], _ = json.Marshal(dao.Genesis{Params: &p})
	raw, _ := json.Marshal(gs)
	return raw
}
